"""Accounts HR can trust: nobody takes over an account through Beheer, links are mailed only
where they would reset a password, every password set by link and every role change is in
the Logboek, and login gives nothing away and locks nobody out from elsewhere.

Written against the findings in the issue "A Geslaagd HR can trust" (1 and 3): each failed
on main before the fix.
"""

import re

import pytest
import sqlalchemy as sa
from werkzeug import security

from klantwijs.core.db import db
from klantwijs.models import AuditEntry, Invitation, User, utcnow
from tests.conftest import PASSWORD
from tests.hr_helpers import smtp_server

LINK = re.compile(r"/wachtwoord-instellen/([A-Za-z0-9_\-]+)")


def logged_in(app, user, address="127.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = client.post("/inloggen", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.text
    return client


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def user_row(app, user_id) -> User:
    with app.app_context():
        return db.session.get(User, user_id)


# --- One rule for acting on a person --------------------------------------------------------


@pytest.mark.parametrize("target_role", ["admin", "hr"])
def test_hr_cannot_take_over_an_admin_or_another_hr_person(app, make_user, target_role):
    hr = make_user(role="hr")
    target = make_user(role=target_role)
    client = logged_in(app, hr)
    page = client.get(f"/beheer/medewerkers/{target.id}")
    assert page.status_code == 200
    assert "Alleen een admin kan het account van een HR-medewerker of admin wijzigen" in page.text
    assert "Nieuwe uitnodigingslink" not in page.text and "Deactiveren" not in page.text

    link = client.post(f"/beheer/medewerkers/{target.id}/uitnodiging", follow_redirects=True)
    assert "Alleen een admin" in link.text and not LINK.search(link.text)
    client.post(f"/beheer/medewerkers/{target.id}/deactiveren")
    client.post(f"/beheer/medewerkers/{target.id}/rol", data={"role": "learner"})
    row = user_row(app, target.id)
    assert row.active and row.role == target_role
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_admin_manages_hr_people_but_not_themselves(app, make_user):
    admin = make_user(role="admin")
    hr = make_user(role="hr")
    client = logged_in(app, admin)
    assert client.post(f"/beheer/medewerkers/{hr.id}/deactiveren").status_code == 302
    assert not user_row(app, hr.id).active
    client.post(f"/beheer/medewerkers/{admin.id}/deactiveren")
    assert user_row(app, admin.id).active
    own = client.get(f"/beheer/medewerkers/{admin.id}")
    assert "Je kunt je eigen account hier niet wijzigen" in own.text


def test_hr_still_manages_learners(app, make_user):
    hr = make_user(role="hr")
    learner = make_user()
    client = logged_in(app, hr)
    client.post(f"/beheer/medewerkers/{learner.id}/deactiveren")
    assert not user_row(app, learner.id).active


# --- Links for accounts that already have a password ---------------------------------------


def test_a_link_for_an_account_with_a_password_is_never_shown_on_screen(app, make_user):
    hr = make_user(role="hr")
    learner = make_user()  # has a password
    client = logged_in(app, hr)
    response = client.post(f"/beheer/medewerkers/{learner.id}/uitnodiging", follow_redirects=True)
    assert not LINK.search(response.text)
    assert "Wachtwoord vergeten?" in response.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_with_mail_that_link_goes_to_the_person_only(make_app, make_user):
    with smtp_server() as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL="https://leren.nl")
        hr = make_user(role="hr")
        learner = make_user()
        client = logged_in(app, hr)
        response = client.post(f"/beheer/medewerkers/{learner.id}/uitnodiging")
        assert response.status_code == 200
        assert not LINK.search(response.text)
        assert inbox.recipients() == [learner.email]
        assert LINK.search(inbox.bodies()[0])


def test_a_password_set_through_a_link_is_in_the_logboek(app, make_user):
    admin = make_user(role="admin")
    client = logged_in(app, admin)
    response = client.post(
        "/beheer/medewerkers/toevoegen", data={"name": "Anna", "email": "anna@example.nl"}
    )
    token = LINK.search(response.text).group(1)
    anna = app.test_client()
    done = anna.post(
        f"/wachtwoord-instellen/{token}",
        data={"password": "een nieuwe lange zin", "password_repeat": "een nieuwe lange zin"},
    )
    assert done.status_code == 302
    assert audit_actions(app)[-1] == "wachtwoord.ingesteld"
    log = client.get("/beheer/logboek").text
    assert "wachtwoord.ingesteld" in log and "anna@example.nl" in log


def test_flask_user_set_role_is_audited(app, make_user):
    user = make_user()
    result = app.test_cli_runner().invoke(args=["user", "set-role", user.email, "hr"])
    assert result.exit_code == 0, result.output
    assert user_row(app, user.id).role == "hr"
    assert audit_actions(app) == ["rol.gewijzigd"]


# --- Wachtwoord vergeten? -------------------------------------------------------------------


def test_forgot_password_answers_the_same_and_mails_a_one_hour_link(make_app, make_user):
    with smtp_server() as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL="https://leren.nl")
        user = make_user()
        known = app.test_client().post("/wachtwoord-vergeten", data={"email": user.email})
        unknown = app.test_client().post("/wachtwoord-vergeten", data={"email": "nie@mand.nl"})
        assert known.status_code == unknown.status_code == 200
        assert known.text == unknown.text  # nothing tells whether the address has an account
        assert inbox.recipients() == [user.email]
        token = LINK.search(inbox.bodies()[0]).group(1)
        with app.app_context():
            invitation = db.session.scalar(sa.select(Invitation))
            minutes = (invitation.expires_at - utcnow()).total_seconds() / 60
            assert 55 < minutes <= 60
        visitor = app.test_client()
        new = "een heel nieuw wachtwoord"
        data = {"password": new, "password_repeat": new}
        assert visitor.post(f"/wachtwoord-instellen/{token}", data=data).status_code == 302
        assert "Uitloggen" in visitor.get("/").text  # logged in right away
        assert (
            app.test_client().post(f"/wachtwoord-instellen/{token}", data=data).status_code == 410
        )
        assert "wachtwoord.ingesteld" in audit_actions(app)


def test_forgot_password_without_mail_says_to_ask_hr(client):
    page = client.get("/wachtwoord-vergeten")
    assert "Vraag HR" in page.text
    assert 'name="email"' not in page.text


# --- Login ------------------------------------------------------------------------------------


def test_unknown_and_known_e_mails_cost_the_same_work(app, make_user, monkeypatch):
    """The dummy hash runs for an unknown address, so timing does not reveal accounts."""
    user = make_user()
    calls = []
    real = security.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr("klantwijs.accounts.passwords.check_password_hash", counting)
    client = app.test_client()
    client.post("/inloggen", data={"email": user.email, "password": "fout fout fout fout"})
    client.post("/inloggen", data={"email": "onbekend@example.nl", "password": "fout fout fout"})
    assert len(calls) == 2
    assert calls[0] == calls[1]  # the same method and cost


def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out(app, make_user):
    user = make_user()
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for n in range(20):
        stranger.post("/inloggen", data={"email": user.email, "password": f"fout {n} fout fout"})
    blocked = stranger.post("/inloggen", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    logged_in(app, user, address="198.51.100.4")  # the owner, elsewhere: gets in


def test_the_login_throttle_is_shared_by_every_app_process(make_app, make_user):
    """Two app instances (as two gunicorn workers) count the same failures: no Redis needed."""
    first, second = make_app(), make_app()
    user = make_user()
    for n, app in enumerate([first, second] * 3):
        app.test_client().post("/inloggen", data={"email": user.email, "password": f"fout {n}xxx"})
    blocked = first.test_client().post(
        "/inloggen", data={"email": user.email, "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert re.search(r"Probeer het over \d+ (minuut|minuten) opnieuw", blocked.text)


def test_no_mail_leaves_without_base_url_whatever_the_host_header(make_app, make_user):
    """Links in e-mails come from BASE_URL only: a forged Host header never reaches a mail."""
    with smtp_server() as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL="")
        user = make_user()
        client = app.test_client()
        page = client.post(
            "/wachtwoord-vergeten",
            data={"email": user.email},
            headers={"Host": "evil.example"},
        )
        assert page.status_code == 200 and "Vraag HR" in page.text
        assert inbox.recipients() == []
        result = app.test_cli_runner().invoke(args=["reminders", "send"])
        assert result.exit_code != 0 and "BASE_URL is niet ingesteld" in result.output


def test_registration_with_mail_answers_the_same_for_a_taken_address(make_app, make_user):
    with smtp_server() as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL="https://leren.nl")
        existing = make_user(email="bestaat@example.nl")
        pages = [
            app.test_client().post("/account-aanmaken", data={"name": "Nieuw", "email": email})
            for email in ("bestaat@example.nl", "nieuw@example.nl")
        ]
        texts = [p.text.replace("bestaat@", "X@").replace("nieuw@", "X@") for p in pages]
        assert [p.status_code for p in pages] == [200, 200]
        assert texts[0] == texts[1] and "Kijk in je mailbox" in texts[0]
        assert sorted(inbox.recipients()) == ["bestaat@example.nl", "nieuw@example.nl"]
        bodies = dict(zip(inbox.recipients(), inbox.bodies(), strict=True))
        assert "al een account" in bodies["bestaat@example.nl"]
        assert not LINK.search(bodies["bestaat@example.nl"])
        token = LINK.search(bodies["nieuw@example.nl"]).group(1)
        assert user_row(app, existing.id).password_hash  # the existing account is unchanged
        newcomer = app.test_client()
        chosen = "een eigen lange zin hier"
        done = newcomer.post(
            f"/wachtwoord-instellen/{token}",
            data={"password": chosen, "password_repeat": chosen},
        )
        assert done.status_code == 302 and "Uitloggen" in newcomer.get("/").text


@pytest.mark.parametrize(
    "password",
    [
        "            ",
        "aaaaaaaaaaaaaa",
        "abababababab",
        "medewerker1@example.nl",
        "Medewerker 1 extra",
    ],
)
def test_weak_passwords_are_refused_in_dutch(app, password):
    client = app.test_client()
    response = client.post(
        "/account-aanmaken",
        data={
            "name": "Medewerker 1 extra",
            "email": "medewerker1@example.nl",
            "password": password,
            "password_repeat": password,
        },
    )
    assert response.status_code == 422
    assert "wachtwoord" in response.text.lower()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
