"""Accounts: Account aanmaken, Inloggen, Uitloggen, wachtwoord wijzigen."""

import re

import pytest
import sqlalchemy as sa

from klantwijs.accounts import passwords
from klantwijs.accounts.passwords import hash_password, verify_password
from klantwijs.config import DEFAULTS
from klantwijs.core.db import db
from klantwijs.models import User
from tests.conftest import PASSWORD, TEST_HASH_METHOD, AuthActions, csrf_token_from, log_in
from tests.trust_helpers import row_counts


def register(client, email="anna@example.nl", name="Anna de Vries", password=PASSWORD, repeat=None):
    return client.post(
        "/account-aanmaken",
        data={
            "name": name,
            "email": email,
            "password": password,
            "password_repeat": password if repeat is None else repeat,
        },
    )


def users(app):
    with app.app_context():
        return db.session.scalars(sa.select(User).order_by(User.id)).all()


def test_register_logs_in_and_first_account_is_admin(client, app):
    response = register(client)
    assert response.status_code == 302
    home = client.get("/")
    assert "Mijn cursus" in home.text
    register(app.test_client(), email="bert@example.nl", name="Bert")
    roles = [(u.email, u.role) for u in users(app)]
    assert roles == [("anna@example.nl", "admin"), ("bert@example.nl", "learner")]


def test_email_is_unique_case_insensitively(client, app):
    register(client, email="Anna@Example.nl")
    response = register(app.test_client(), email="  ANNA@example.NL ")
    assert response.status_code == 422
    assert "Er is al een account met dit e-mailadres" in response.text
    assert len(users(app)) == 1
    assert users(app)[0].email == "anna@example.nl"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Vul dit veld in."),
        ({"email": ""}, "Vul dit veld in."),
        ({"email": "geen-adres"}, "Vul een geldig e-mailadres in"),
        ({"email": "a" * 250 + "@x.nl"}, "hooguit 254 tekens"),
        ({"name": "N" * 101}, "hooguit 100 tekens"),
        ({"password": "kort"}, "minstens 12 tekens"),
        ({"password": "x" * 300}, "hooguit 256 tekens"),
        ({"password": "wachtwoord123"}, "veel gebruikt"),
        ({"password": "PASSWORD1234"}, "veel gebruikt"),
        ({"repeat": "iets anders dan het eerste"}, "niet gelijk"),
    ],
)
def test_register_rejects_bad_input_with_dutch_message(client, app, data, message):
    fields = {"email": "anna@example.nl", "name": "Anna", "password": PASSWORD, "repeat": None}
    fields.update(data)
    response = register(client, **fields)
    assert response.status_code == 422
    assert message in response.text
    assert users(app) == []


def test_register_ignores_hostile_and_unknown_fields(client, app):
    response = client.post(
        "/account-aanmaken",
        data={
            "name": "<script>alert(1)</script>",
            "email": "x@example.nl",
            "password": PASSWORD,
            "password_repeat": PASSWORD,
            "role": "admin",
            "is_admin": "1",
        },
    )
    assert response.status_code == 302
    page = client.get("/wachtwoord-wijzigen")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text  # the name in the menu is escaped


def test_registration_can_be_closed(make_app):
    app = make_app(REGISTRATION_OPEN=False)
    client = app.test_client()
    page = client.get("/account-aanmaken")
    assert "uitgeschakeld" in page.text
    assert register(client).status_code == 403
    assert users(app) == []


def test_registration_limited_to_domains(make_app):
    app = make_app(ALLOWED_EMAIL_DOMAINS=["bedrijf.nl"])
    response = register(app.test_client(), email="anna@gmail.com")
    assert response.status_code == 422
    assert "@bedrijf.nl" in response.text
    assert register(app.test_client(), email="anna@Bedrijf.nl").status_code == 302


def test_login_and_logout(client, make_user, auth):
    user = make_user()
    response = auth.login(user.email.upper())
    assert response.status_code == 302
    assert "Mijn cursus" in client.get("/").text
    auth.logout()
    assert client.get("/wachtwoord-wijzigen").status_code == 302


def test_an_account_without_a_password_is_not_asked_for_its_current_one(app, client, login_as):
    """Someone who signs in with a work account has no password here: Wachtwoord wijzigen would
    ask for one they never had. They are sent to Mijn account with a line that says why."""
    user = login_as("learner")
    with app.app_context():
        db.session.get(User, user.id).password_hash = None  # as the work-account sign-in leaves it
        db.session.commit()
    for response in (
        client.get("/wachtwoord-wijzigen"),
        client.post(
            "/wachtwoord-wijzigen",
            data={
                "current_password": "",
                "password": "nieuw wachtwoord 123",
                "password_repeat": "nieuw wachtwoord 123",
            },
        ),
    ):
        assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    page = client.get("/account").text
    assert "Je logt in met je werkaccount" in page and "Wachtwoord wijzigen" not in page
    with app.app_context():
        assert db.session.get(User, user.id).password_hash is None


@pytest.mark.parametrize(
    ("email", "password", "status", "message"),
    [
        ("onbekend@example.nl", PASSWORD, 401, "klopt niet"),
        (None, "fout wachtwoord hier", 401, "klopt niet"),
        ("", "", 422, "Vul dit veld in."),
        ("a" * 100_000, PASSWORD, 422, "254 tekens"),
        (None, "x" * 10_000, 422, "te lang"),
    ],
)
def test_login_rejects_bad_input(auth, make_user, email, password, status, message):
    user = make_user()
    response = auth.login(user.email if email is None else email, password)
    assert response.status_code == status
    assert message in response.text


def test_inactive_account_cannot_log_in(auth, make_user):
    user = make_user(active=False)
    response = auth.login(user.email)
    assert response.status_code == 403
    assert "gedeactiveerd" in response.text


def test_invited_account_without_password_cannot_log_in(app, auth):
    from klantwijs.accounts.operations import create_user

    with app.app_context():
        create_user("nieuw@example.nl", "Nieuw", None, role="learner")
    assert auth.login("nieuw@example.nl", "").status_code == 422
    assert auth.login("nieuw@example.nl", PASSWORD).status_code == 401


def test_passwords_are_hashed_with_scrypt_outside_tests(make_app, monkeypatch):
    """The one test on the real hash (every other app here uses conftest.TEST_HASH_METHOD):
    scrypt by default, and a login without a password to check costs a scrypt check too."""
    app = make_app(PASSWORD_HASH_METHOD=DEFAULTS["PASSWORD_HASH_METHOD"])
    client = app.test_client()
    assert register(client).status_code == 302
    assert users(app)[0].password_hash.startswith("scrypt:")
    assert hash_password(PASSWORD).startswith("scrypt:")  # outside an app too
    checked = _record_hash_checks(monkeypatch)
    AuthActions(client).logout()
    assert log_in(client, "anna@example.nl").status_code == 302
    with app.app_context():
        assert not verify_password(None, PASSWORD)  # no account, or no password yet
    assert [method.split(":")[0] for method in checked] == ["scrypt", "scrypt"]


def test_the_dummy_check_uses_the_configured_method(app, make_user, monkeypatch):
    """Known and unknown accounts cost the same: the dummy hash is made with the app's method."""
    user = make_user()
    checked = _record_hash_checks(monkeypatch)
    assert log_in(app.test_client(), user.email, "fout fout fout").status_code == 401
    assert log_in(app.test_client(), "onbekend@example.nl").status_code == 401
    with app.app_context():
        assert not verify_password(None, PASSWORD)
    assert checked == [TEST_HASH_METHOD] * 3


def _record_hash_checks(monkeypatch) -> list[str]:
    """The method of every stored hash that verify_password compares against."""
    checked = []
    real = passwords.check_password_hash

    def check(pwhash, password):
        checked.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(passwords, "check_password_hash", check)
    return checked


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/wachtwoord-wijzigen", "/wachtwoord-wijzigen"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_next_is_validated(auth, make_user, target, expected):
    user = make_user()
    response = auth.login(user.email, query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_login_rotates_the_session_and_its_csrf_token(make_app, make_user):
    """Session fixation: what a visitor's session held before login is worth nothing after."""
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user()
    client = app.test_client()
    token_before = csrf_token_from(client.get("/inloggen").text)
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    cookie_before = client.get_cookie("session").value
    assert log_in(client, user.email).status_code == 302
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{user.id}.")
    assert client.get_cookie("session").value != cookie_before
    token_after = csrf_token_from(client.get("/").text)
    assert token_after and token_after != token_before
    # The pre-login cookie is not logged in, and its token cannot post as the user.
    attacker = app.test_client()
    attacker.set_cookie("session", cookie_before)
    assert attacker.get("/voortgang").status_code == 302
    before = row_counts(app)
    assert client.post("/modules/alpha/quiz", data={"csrf_token": token_before}).status_code == 400
    assert row_counts(app) == before


@pytest.mark.parametrize(
    ("role", "page"), [("learner", "/voortgang"), ("hr", "/beheer/"), ("admin", "/beheer/logboek")]
)
def test_logout_ends_a_copied_session_cookie(make_app, make_user, role, page):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user(role=role)
    client = app.test_client()
    assert log_in(client, user.email).status_code == 302
    assert client.get(page).status_code == 200
    copied = client.get_cookie("session").value
    token = csrf_token_from(client.get("/").text)
    assert client.post("/uitloggen", data={"csrf_token": token}).status_code == 302
    assert client.get(page).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get(page)
    assert response.status_code == 302 and response.headers["Location"].startswith("/inloggen")


def test_a_deactivated_persons_open_session_stops_working(make_app, make_user):
    """Deactivated while logged in: the next request is anonymous and writes nothing (HR's
    deactivation itself: tests/test_hr_people.py)."""
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user()
    client = app.test_client()
    assert log_in(client, user.email).status_code == 302
    token = csrf_token_from(client.get("/").text)
    assert client.get("/voortgang").status_code == 200
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    before = row_counts(app)
    assert client.get("/voortgang").status_code == 302
    refused = client.post("/modules/alpha/quiz", data={"csrf_token": token})
    assert refused.status_code in (302, 400)
    assert row_counts(app) == before, "a deactivated session wrote"


def test_change_password(client, make_user, auth, app):
    user = make_user()
    auth.login(user.email)
    other_device = app.test_client()
    AuthOther = type(auth)(other_device)
    AuthOther.login(user.email)
    new = "een heel ander lang wachtwoord"
    wrong = client.post(
        "/wachtwoord-wijzigen",
        data={
            "current_password": "niet het goede wachtwoord",
            "password": new,
            "password_repeat": new,
        },
    )
    assert wrong.status_code == 401
    assert "huidige wachtwoord klopt niet" in wrong.text
    ok = client.post(
        "/wachtwoord-wijzigen",
        data={"current_password": PASSWORD, "password": new, "password_repeat": new},
    )
    assert ok.status_code == 302
    assert client.get("/wachtwoord-wijzigen").status_code == 200  # this device stays logged in
    assert other_device.get("/wachtwoord-wijzigen").status_code == 302  # the other is logged out
    auth.logout()
    assert auth.login(user.email, PASSWORD).status_code == 401
    assert auth.login(user.email, new).status_code == 302


def test_login_is_rate_limited_per_account(make_app, make_user):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per 10 minutes")
    user = make_user()
    for n in range(3):
        client = app.test_client()  # fresh client, as if from another device
        assert log_in(client, user.email, f"fout {n} fout fout").status_code == 401
    blocked = log_in(app.test_client(), user.email)
    assert blocked.status_code == 429
    assert re.search(r"Probeer het over \d+ (minuut|minuten) opnieuw", blocked.text)
    assert '<html lang="nl">' in blocked.text


def test_login_is_rate_limited_per_address(make_app, make_user):
    app = make_app(LOGIN_LIMIT_PER_ADDRESS="4 per 10 minutes")
    client = app.test_client()
    for n in range(4):
        log_in(client, f"iemand{n}@example.nl", "fout fout fout")
    user = make_user()
    assert log_in(client, user.email).status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(make_app, make_user):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="2 per 10 minutes")
    user = make_user()
    for _ in range(4):
        assert log_in(app.test_client(), user.email).status_code == 302


@pytest.mark.parametrize(
    ("path", "allowed", "needs_login", "data"),
    [
        ("/account-aanmaken", 30, False, {"name": "X", "email": "x"}),
        ("/wachtwoord-instellen/onbekend", 30, False, {"password": "x"}),
        ("/wachtwoord-instellen/onbekend/nieuwe-link", 5, False, {}),
        ("/wachtwoord-wijzigen", 10, True, {"current_password": "fout", "password": "x"}),
    ],
)
def test_every_limited_form_answers_429_in_dutch_once_its_limit_is_used(
    make_app, make_user, path, allowed, needs_login, data
):
    """Each rate-limited form (login has its own tests) stops at its limit with the
    Dutch 429 page; a page without a limit keeps answering."""
    app = make_app()
    client = app.test_client()
    if needs_login:
        user = make_user()
        log_in(client, user.email)
    for _ in range(allowed):
        assert client.post(path, data=data).status_code != 429
    blocked = client.post(path, data=data)
    assert blocked.status_code == 429 and "Probeer het over" in blocked.text
    for _ in range(40):  # no limit on the landing page, also after the block
        assert client.get("/").status_code == 200


def test_every_rate_limit_goes_through_rate_limit():
    """A view decorated with limiter.limit directly would lack the mark that makes
    Flask-Limiter check it (extensions.rate_limit): its limit would silently not apply."""
    from pathlib import Path

    package = Path(__file__).parent.parent / "klantwijs"
    offenders = [
        f"{source.name}:{number}"
        for source in package.rglob("*.py")
        for number, line in enumerate(source.read_text().splitlines(), 1)
        if "limiter.limit(" in line and source.name != "extensions.py"
    ]
    assert offenders == []
