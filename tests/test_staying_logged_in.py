"""Ingelogd blijven, sessions that end after 8 hours idle, Overal uitloggen, and a session that
ends mid-quiz (issue 14, problems 2 and 5). Written before the feature: each failed on main.

The clock of the signed session cookie is moved with monkeypatch (itsdangerous reads it when
signing and when checking); remember cookies are checked by their expiry date.
"""

import datetime as dt
import re
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from klantwijs.core.db import db
from klantwijs.models import Invitation, User, utcnow
from tests.conftest import PASSWORD, csrf_token_from
from tests.hr_helpers import smtp_server
from tests.learner_helpers import answer_form, question_url, start

REMEMBER = "remember_token"
LINK = re.compile(r"/wachtwoord-instellen/([A-Za-z0-9_\-]+)")
HOUR = 3600


@pytest.fixture
def clock(monkeypatch):
    """Move the session cookie's clock: clock(hours) → requests happen that much later."""
    offset = {"s": 0}
    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: int(time.time()) + offset["s"]
    )

    def move(hours: float) -> None:
        offset["s"] = int(hours * HOUR)

    return move


def log_in(client, user, remember=False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/inloggen", data=data)
    assert response.status_code == 302, response.text
    return response


def set_cookie_header(response, name) -> str | None:
    return next(
        (h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")), None
    )


def expires_in_days(header: str) -> float:
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", header).group(1))
    return (expires - dt.datetime.now(dt.UTC)).total_seconds() / 86400


def logged_in(client) -> bool:
    return client.get("/voortgang").status_code == 200


def thief_with(app, client) -> object:
    """Another browser holding only a copy of this one's remember cookie."""
    thief = app.test_client()
    thief.set_cookie(REMEMBER, client.get_cookie(REMEMBER).value)
    return thief


# --- Ingelogd blijven -------------------------------------------------------------------------


def test_ingelogd_blijven_is_a_checkbox_off_by_default(client):
    page = client.get("/inloggen").text
    box = re.search(r'<input[^>]*name="remember"[^>]*>', page).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    assert '<label for="remember">Ingelogd blijven</label>' in page


def test_without_ingelogd_blijven_no_remember_cookie_and_8_hours_idle_end_the_session(
    client, make_user, clock
):
    user = make_user()
    response = log_in(client, user)
    assert set_cookie_header(response, REMEMBER) is None
    assert 7.9 / 24 < expires_in_days(set_cookie_header(response, "session")) <= 8 / 24
    clock(7)
    assert logged_in(client)  # in use: every request starts the 8 hours again
    clock(14)
    assert logged_in(client)  # 7 hours after the last request
    clock(22.1)
    assert not logged_in(client)  # 8 hours and a bit without a request


def test_ingelogd_blijven_keeps_this_device_logged_in_for_30_days(client, make_user, clock):
    user = make_user()
    response = log_in(client, user, remember=True)
    assert 29.9 < expires_in_days(set_cookie_header(response, REMEMBER)) <= 30
    assert "HttpOnly" in set_cookie_header(response, REMEMBER)
    clock(24 * 3)  # three days later the session is long gone; the remember cookie is not
    assert logged_in(client)
    assert logged_in(client)


@pytest.mark.parametrize("how", ["Uitloggen", "Overal uitloggen", "wachtwoord", "deactivatie"])
def test_the_remember_cookie_ends_everywhere(app, make_user, how):
    """Uitloggen, Overal uitloggen, a new password and deactivation end the remember cookie,
    also a copy of it on another device."""
    user = make_user()
    phone = app.test_client()
    log_in(phone, user, remember=True)
    copy = thief_with(app, phone)
    assert logged_in(copy)
    laptop = app.test_client()
    log_in(laptop, user, remember=True)
    if how == "Uitloggen":
        response = laptop.post("/uitloggen")
        assert set_cookie_header(response, REMEMBER).startswith(f"{REMEMBER}=;")  # deleted
        assert response.headers["Clear-Site-Data"] == '"storage"'
        assert not logged_in(laptop)
    elif how == "Overal uitloggen":
        page = laptop.get("/account")
        assert "Overal uitloggen" in page.text and user.email in page.text
        response = laptop.post("/overal-uitloggen", follow_redirects=True)
        assert "Je bent overal uitgelogd" in response.text
        assert not logged_in(laptop)
    elif how == "wachtwoord":
        new = "een heel ander lang wachtwoord"
        response = laptop.post(
            "/wachtwoord-wijzigen",
            data={"current_password": PASSWORD, "password": new, "password_repeat": new},
        )
        assert response.status_code == 302
        assert set_cookie_header(response, REMEMBER)  # this device stays remembered…
        assert logged_in(laptop) and logged_in(thief_with(app, laptop))
    else:
        with app.app_context():
            db.session.get(User, user.id).active = False
            db.session.commit()
    assert not logged_in(phone)  # …the other devices are logged out
    stale = copy.get("/voortgang")
    assert stale.status_code == 302
    assert set_cookie_header(stale, REMEMBER).startswith(f"{REMEMBER}=;")  # and told to forget it


def test_overal_uitloggen_needs_its_form_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user()
    client = app.test_client()
    token = csrf_token_from(client.get("/inloggen").text)
    client.post("/inloggen", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert client.post("/overal-uitloggen").status_code == 400
    assert logged_in(client)
    account = client.get("/account").text
    assert (
        client.post("/overal-uitloggen", data={"csrf_token": csrf_token_from(account)})
        .headers["Location"]
        .startswith("/inloggen")
    )
    assert not logged_in(client)


# --- Session ended mid-quiz -------------------------------------------------------------------

FETCH = {"X-Requested-With": "fetch"}


def login_to(page: str) -> str:
    return "/inloggen?" + urlencode({"next": page}, safe="/")


def test_a_fetch_save_gets_204_and_the_next_address_a_plain_post_the_redirect(client, learner, app):
    attempt_id = start(client)
    data = answer_form(app, attempt_id, 1)
    fetched = client.post(question_url(attempt_id, 1), data=data, headers=FETCH)
    assert fetched.status_code == 204 and fetched.data == b""
    assert fetched.headers["Klantwijs-Next"] == question_url(attempt_id, 2)
    plain = client.post(question_url(attempt_id, 2), data=answer_form(app, attempt_id, 2))
    assert plain.status_code == 302 and plain.headers["Location"] == question_url(attempt_id, 3)
    back = client.post(question_url(attempt_id, 2), data={"ga": "vorige"}, headers=FETCH)
    assert back.headers["Klantwijs-Next"] == question_url(attempt_id, 1)


def test_a_session_ended_elsewhere_mid_quiz_says_log_in_again_and_comes_back(client, learner, app):
    attempt_id = start(client)
    with app.app_context():
        db.session.get(User, learner.id).session_version += 1  # Overal uitloggen elsewhere
        db.session.commit()
    here = question_url(attempt_id, 1)
    data = answer_form(app, attempt_id, 1)
    fetched = client.post(here, data=data, headers={**FETCH, "Referer": f"http://localhost{here}"})
    assert fetched.status_code == 401
    assert fetched.headers["Klantwijs-Login"] == login_to(here)
    plain = client.post(here, data=data, headers={"Referer": f"http://localhost{here}"})
    assert plain.status_code == 302
    assert plain.headers["Location"] == login_to(here)
    page = client.get(plain.headers["Location"]).text
    assert "Je bent niet meer ingelogd" in page and "Ongeldig verzoek" not in page
    again = client.post(
        plain.headers["Location"], data={"email": learner.email, "password": PASSWORD}
    )
    assert again.headers["Location"] == here  # back on the same question


def test_a_session_that_ran_out_mid_quiz_is_not_an_ongeldig_verzoek(make_app, make_user, clock):
    """8 hours idle: the cookie and its form token are gone; the quiz page's post says to log
    in again (fetch: 401 and the address) instead of a bare 400."""
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user()
    client = app.test_client()
    token = csrf_token_from(client.get("/inloggen").text)
    client.post("/inloggen", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    page = client.post(
        "/modules/alpha/quiz", data={"csrf_token": csrf_token_from(client.get("/").text)}
    )
    here = page.headers["Location"]
    token = csrf_token_from(client.get(here).text)
    clock(9)
    data = {**answer_form(app, int(here.split("/")[2]), 1), "csrf_token": token}
    fetched = client.post(here, data=data, headers={**FETCH, "Referer": f"http://localhost{here}"})
    assert fetched.status_code == 401
    assert fetched.headers["Klantwijs-Login"] == login_to(here)
    plain = client.post(here, data=data, headers={"Referer": f"http://localhost{here}"})
    assert plain.status_code == 302 and plain.headers["Location"].startswith("/inloggen?next=")
    # A login form itself that ran out still says the form expired (nobody was logged in).
    stale_login = client.post("/inloggen", data={"email": user.email, "csrf_token": token})
    assert stale_login.status_code == 400 and "Het formulier is verlopen" in stale_login.text


# --- Wachtwoord vergeten? end to end, with Ingelogd blijven --------------------------------


def test_forgotten_password_end_to_end_over_smtp(make_app, make_user, monkeypatch):
    """A phone kept logged in; on the laptop the person asks for a link (the same answer as for
    an unknown address), sets a password and is logged in; the phone's remember cookie ends;
    the link works once; an hour later a new link has expired; Overal uitloggen ends it all."""
    with smtp_server() as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL="https://leren.nl")
        user = make_user()
        phone = app.test_client()
        log_in(phone, user, remember=True)

        laptop = app.test_client()
        asked = laptop.post("/wachtwoord-vergeten", data={"email": user.email.upper()})
        unknown = app.test_client().post("/wachtwoord-vergeten", data={"email": "nie@mand.nl"})
        assert asked.status_code == unknown.status_code == 200
        assert asked.text == unknown.text
        assert inbox.recipients() == [user.email]
        token = LINK.search(inbox.bodies()[0]).group(1)
        with app.app_context():
            stored = db.session.scalar(sa.select(Invitation.token_hash))
        assert token not in stored  # only a hash is kept

        new = "mijn nieuwe lange wachtwoord"
        form = {"password": new, "password_repeat": new}
        done = laptop.post(f"/wachtwoord-instellen/{token}", data=form)
        assert done.status_code == 302 and done.headers["Location"] == "/"
        assert logged_in(laptop)
        assert not logged_in(phone)  # the remember cookie ended with the new password
        reused = app.test_client().post(f"/wachtwoord-instellen/{token}", data=form)
        assert reused.status_code == 410

        laptop.post("/wachtwoord-vergeten", data={"email": user.email})
        later = LINK.search(inbox.bodies()[-1]).group(1)
        in_an_hour = utcnow() + dt.timedelta(minutes=61)
        monkeypatch.setattr("klantwijs.accounts.invitations.utcnow", lambda: in_an_hour)
        expired = app.test_client().get(f"/wachtwoord-instellen/{later}")
        assert expired.status_code == 410 and 'name="password"' not in expired.text

        phone_again = app.test_client()
        assert (
            phone_again.post(
                "/inloggen", data={"email": user.email, "password": new, "remember": "y"}
            ).status_code
            == 302
        )
        laptop.post("/overal-uitloggen")
        assert not logged_in(laptop) and not logged_in(phone_again)
