"""Sessions, login limits and invitation links, through the real forms with CSRF on."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import Attempt, Invitation, User, utcnow
from tests.conftest import PASSWORD
from tests.trust_helpers import (
    client_as,
    csrf_token_from,
    fresh_world,
    real_login,
    row_counts,
    table_snapshot,
)

NEW_PASSWORD = "een gloednieuw lang wachtwoord"


def _csrf_app(make_app, **kw):
    return make_app(WTF_CSRF_ENABLED=True, **kw)


def test_session_and_csrf_token_rotate_at_login(make_app):
    app = _csrf_app(make_app)
    world = fresh_world(app)
    client = app.test_client()
    before_page = client.get("/inloggen").text
    cookie_before = client.get_cookie("session").value
    token_before = csrf_token_from(before_page)
    assert real_login(client, world.users["learner"].email).status_code == 302
    cookie_after = client.get_cookie("session").value
    assert cookie_after != cookie_before
    token_after = csrf_token_from(client.get("/").text)
    assert token_after and token_after != token_before
    # The pre-login cookie is worth nothing: not logged in, and its token cannot post as the user.
    attacker = app.test_client()
    attacker.set_cookie("session", cookie_before)
    assert attacker.get("/voortgang").status_code == 302
    before = row_counts(app)
    slug = world.ids["slug"]
    assert (
        client.post(f"/modules/{slug}/quiz", data={"csrf_token": token_before}).status_code == 400
    )
    assert row_counts(app) == before


def test_logout_ends_the_session_everywhere(make_app):
    app = _csrf_app(make_app)
    world = fresh_world(app)
    for role, page in [("learner", "/voortgang"), ("hr", "/beheer/"), ("admin", "/beheer/logboek")]:
        client = app.test_client()
        assert real_login(client, world.users[role].email).status_code == 302
        assert client.get(page).status_code == 200
        copied = client.get_cookie("session").value
        token = csrf_token_from(client.get("/").text)
        assert client.post("/uitloggen", data={"csrf_token": token}).status_code == 302
        assert client.get(page).status_code == 302
        thief = app.test_client()
        thief.set_cookie("session", copied)
        response = thief.get(page)
        assert response.status_code == 302 and response.headers["Location"].startswith("/inloggen")


def test_a_deactivated_persons_open_session_stops_working(make_app):
    app = _csrf_app(make_app)
    world = fresh_world(app)
    learner = app.test_client()
    assert real_login(learner, world.users["learner"].email).status_code == 302
    token = csrf_token_from(learner.get("/").text)
    assert learner.get("/voortgang").status_code == 200
    hr = app.test_client()
    assert real_login(hr, world.users["hr"].email).status_code == 302
    user_id = world.users["learner"].id
    page = hr.get(f"/beheer/medewerkers/{user_id}/deactiveren").text
    done = hr.post(
        f"/beheer/medewerkers/{user_id}/deactiveren", data={"csrf_token": csrf_token_from(page)}
    )
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).active is False
    before = row_counts(app)
    assert learner.get("/voortgang").status_code == 302
    slug = world.ids["slug"]
    refused = learner.post(f"/modules/{slug}/quiz", data={"csrf_token": token})
    assert refused.status_code in (302, 400)
    assert row_counts(app) == before, "a deactivated session wrote"
    # And the form says why a fresh login fails.
    again = real_login(app.test_client(), world.users["learner"].email)
    assert again.status_code == 403 and "gedeactiveerd" in again.text


def test_failed_logins_get_a_dutch_429_that_says_when(make_app):
    app = _csrf_app(make_app, LOGIN_LIMIT_PER_ACCOUNT="3 per 10 minutes")
    world = fresh_world(app)
    email = world.users["learner"].email
    for _ in range(3):
        assert real_login(app.test_client(), email, "verkeerd verkeerd").status_code == 401
    blocked = real_login(app.test_client(), email, PASSWORD)
    assert blocked.status_code == 429
    assert re.search(r"Probeer het over \d+ (minuut|minuten) opnieuw", blocked.text)
    assert '<html lang="nl">' in blocked.text


def _invite(app, hr_client, name="Ivo Uitgenodigd", email="ivo@example.nl") -> str:
    page = hr_client.get("/beheer/medewerkers/toevoegen").text
    response = hr_client.post(
        "/beheer/medewerkers/toevoegen",
        data={"csrf_token": csrf_token_from(page), "name": name, "email": email},
    )
    assert response.status_code == 200, response.status_code
    link = re.search(r'value="(https?://[^"]*/wachtwoord-instellen/[^"]+)"', response.text)
    assert link, "invitation page shows the link"
    return "/wachtwoord-instellen/" + link.group(1).rsplit("/wachtwoord-instellen/", 1)[1]


def _set_password(client, path, password=NEW_PASSWORD):
    page = client.get(path)
    token = csrf_token_from(page.text)
    return page, client.post(
        path, data={"csrf_token": token, "password": password, "password_repeat": password}
    )


def test_invitation_links_are_single_use_hashed_and_expire(make_app):
    app = _csrf_app(make_app)
    world = fresh_world(app)
    hr = app.test_client()
    real_login(hr, world.users["hr"].email)
    path = _invite(app, hr)
    raw_token = path.rsplit("/", 1)[1]
    # Only a hash is stored.
    assert raw_token not in repr(table_snapshot(app))
    page, used = _set_password(app.test_client(), path)
    assert page.status_code == 200 and used.status_code == 302
    assert real_login(app.test_client(), "ivo@example.nl", NEW_PASSWORD).status_code == 302
    # Second use: refused with a clear page, nothing changes.
    before = table_snapshot(app)
    again = app.test_client().get(path)
    assert again.status_code == 410 and '<html lang="nl">' in again.text
    post = app.test_client().post(
        path, data={"password": "nog een ander wachtwoord", "password_repeat": "x"}
    )
    assert post.status_code in (400, 410)
    assert table_snapshot(app) == before
    # Expired: a fresh link whose time is up is refused too.
    path2 = _invite(app, hr, "Eva Verlopen", "eva@example.nl")
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "eva@example.nl"))
        for invitation in db.session.scalars(
            sa.select(Invitation).where(Invitation.user_id == user.id)
        ):
            invitation.expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    before = table_snapshot(app)
    page, post = _set_password(app.test_client(), path2)
    assert page.status_code == 410 and post.status_code in (400, 410)
    assert table_snapshot(app) == before
    # A new link ends the older one.
    path3 = _invite(app, hr, "Olga Opnieuw", "olga@example.nl")
    with app.app_context():
        olga = db.session.scalar(sa.select(User).where(User.email == "olga@example.nl")).id
    person = hr.get(f"/beheer/medewerkers/{olga}").text
    renewed = hr.post(
        f"/beheer/medewerkers/{olga}/uitnodiging", data={"csrf_token": csrf_token_from(person)}
    )
    assert renewed.status_code == 200
    assert app.test_client().get(path3).status_code == 410


def test_hr_actions_never_delete_attempts(make_app):
    """Deleting a team, removing a member, deactivating a person: every attempt stays."""
    app = make_app()
    world = fresh_world(app)
    hr = client_as(app, world, "hr")
    before = row_counts(app)
    learner_id, team_id = world.users["learner"].id, world.ids["team_id"]
    assert hr.post(f"/beheer/teams/{team_id}/leden/{learner_id}/verwijderen").status_code == 302
    assert hr.post(f"/beheer/teams/{team_id}/verwijderen").status_code == 302
    assert hr.post(f"/beheer/medewerkers/{learner_id}/deactiveren").status_code == 302
    assert hr.post(f"/beheer/medewerkers/{world.users['other'].id}/deactiveren").status_code == 302
    after = row_counts(app)
    assert after["teams"] == before["teams"] - 1
    assert after["attempts"] == before["attempts"] and after["answers"] == before["answers"]
    assert after["users"] == before["users"]
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Attempt.id)).where(Attempt.user_id == learner_id)
            )
            == 2
        )
    # The person's history is still in Beheer, marked inactive.
    page = hr.get(f"/beheer/medewerkers/{learner_id}").text
    assert "inactief" in page.lower() or "gedeactiveerd" in page.lower()
