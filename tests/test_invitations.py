"""Wachtwoord instellen: single-use invitation links, valid 7 days, stored only as a hash."""

import datetime as dt
import re

import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import Invitation, utcnow
from tests.conftest import PASSWORD
from tests.hr_helpers import audit_actions, free_port, get_user, smtp_server
from tests.trust_helpers import table_snapshot

LINK = re.compile(r"/wachtwoord-instellen/([A-Za-z0-9_-]{20,})")


def invite(client, email="anna@example.nl", name="Anna de Vries") -> str:
    response = client.post("/beheer/medewerkers/toevoegen", data={"name": name, "email": email})
    assert response.status_code == 200, response.text
    return LINK.search(response.text).group(1)


def set_password(client, token, password=PASSWORD, repeat=None):
    return client.post(
        f"/wachtwoord-instellen/{token}",
        data={"password": password, "password_repeat": repeat or password},
    )


def test_invitation_link_sets_password_once_and_then_login_works(client, app, hr):
    token = invite(client)
    anna = app.test_client()
    page = anna.get(f"/wachtwoord-instellen/{token}")
    assert page.status_code == 200
    assert "Wachtwoord instellen" in page.text and "anna@example.nl" in page.text
    response = set_password(anna, token)
    # Setting the password logs the person in: straight to Mijn cursus.
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert "Uitloggen" in anna.get("/").text
    assert get_user(app, "anna@example.nl").password_hash
    anna.post("/uitloggen")
    login = anna.post("/inloggen", data={"email": "anna@example.nl", "password": PASSWORD})
    assert login.status_code == 302
    person = client.get(f"/beheer/medewerkers/{get_user(app, 'anna@example.nl').id}")
    assert "gebruikt op" in person.text
    before = table_snapshot(app)
    again = app.test_client().get(f"/wachtwoord-instellen/{token}")
    assert again.status_code == 410 and '<html lang="nl">' in again.text
    assert "Deze link is al gebruikt" in again.text
    assert "Vraag HR om een nieuwe link" in again.text
    reuse = set_password(app.test_client(), token, password="een heel ander lang wachtwoord")
    assert reuse.status_code == 410
    assert table_snapshot(app) == before  # the second use changed nothing
    login = app.test_client().post(
        "/inloggen", data={"email": "anna@example.nl", "password": PASSWORD}
    )
    assert login.status_code == 302  # the reuse did not change the password


def test_expired_link_gets_a_clear_page(client, app, hr):
    token = invite(client)
    with app.app_context():
        db.session.execute(
            sa.update(Invitation).values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
        db.session.commit()
    before = table_snapshot(app)
    response = app.test_client().get(f"/wachtwoord-instellen/{token}")
    assert response.status_code == 410
    assert "verlopen" in response.text
    assert set_password(app.test_client(), token).status_code == 410
    assert table_snapshot(app) == before  # nothing written, the password stays unset
    person = client.get(f"/beheer/medewerkers/{get_user(app, 'anna@example.nl').id}")
    assert "verlopen; maak een nieuwe link" in person.text


def test_link_valid_for_seven_days_and_stored_only_as_a_hash(client, app, hr):
    token = invite(client)
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation))
        assert (
            dt.timedelta(days=6, hours=23)
            < invitation.expires_at - utcnow()
            <= dt.timedelta(days=7)
        )
    assert token not in repr(table_snapshot(app))  # in no column of any table


def test_unknown_or_garbage_link_is_404(client):
    assert client.get("/wachtwoord-instellen/bestaat-niet-1234567890").status_code == 404
    assert client.get("/wachtwoord-instellen/" + "x" * 5000).status_code == 404


def test_weak_password_keeps_the_link_usable(client, app, hr):
    token = invite(client)
    response = set_password(app.test_client(), token, password="kort")
    assert response.status_code == 422
    assert "minstens 12 tekens" in response.text
    assert set_password(app.test_client(), token).status_code == 302


def test_new_link_ends_the_old_one(client, app, hr):
    old = invite(client)
    user = get_user(app, "anna@example.nl")
    response = client.post(f"/beheer/medewerkers/{user.id}/uitnodiging")
    new = LINK.search(response.text).group(1)
    assert new != old
    assert app.test_client().get(f"/wachtwoord-instellen/{old}").status_code == 410
    assert app.test_client().get(f"/wachtwoord-instellen/{new}").status_code == 200
    assert audit_actions(app) == ["medewerker.toegevoegd", "uitnodiging.nieuw"]


def test_deactivated_person_cannot_use_the_link(client, app, hr):
    token = invite(client)
    user = get_user(app, "anna@example.nl")
    client.post(f"/beheer/medewerkers/{user.id}/deactiveren")
    response = app.test_client().get(f"/wachtwoord-instellen/{token}")
    assert response.status_code == 410
    assert "gedeactiveerd" in response.text


def test_invitation_is_mailed_and_expired_link_can_ask_again(make_app, login_as):
    with smtp_server() as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL="https://leren.example.nl")
        client = app.test_client()
        login_as("hr", client)
        response = client.post(
            "/beheer/medewerkers/toevoegen", data={"name": "Anna", "email": "anna@example.nl"}
        )
        assert "ook gemaild naar anna@example.nl" in response.text
        assert inbox.recipients() == ["anna@example.nl"]
        token = LINK.search(inbox.bodies()[0]).group(1)
        assert f"https://leren.example.nl/wachtwoord-instellen/{token}" in inbox.bodies()[0]
        with app.app_context():
            db.session.execute(sa.update(Invitation).values(expires_at=utcnow()))
            db.session.commit()
        visitor = app.test_client()
        page = visitor.get(f"/wachtwoord-instellen/{token}")
        assert "Stuur me een nieuwe link" in page.text
        asked = visitor.post(f"/wachtwoord-instellen/{token}/nieuwe-link")
        assert asked.status_code == 200
        assert "nieuwe link gestuurd" in asked.text
        assert inbox.recipients() == ["anna@example.nl", "anna@example.nl"]
        fresh = LINK.search(inbox.bodies()[1]).group(1)
        assert set_password(visitor, fresh).status_code == 302
        assert "uitnodiging.aangevraagd" in audit_actions(app)


def test_mail_failure_still_shows_the_link(make_app, login_as):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    client = app.test_client()
    login_as("hr", client)
    response = client.post(
        "/beheer/medewerkers/toevoegen", data={"name": "Anna", "email": "anna@example.nl"}
    )
    assert response.status_code == 200
    assert "kon niet worden verstuurd" in response.text
    assert LINK.search(response.text)
