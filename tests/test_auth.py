"""Accounts: Account aanmaken, Inloggen, Uitloggen, wachtwoord wijzigen."""

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import User
from tests.conftest import PASSWORD


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


def test_session_is_rotated_at_login(client, make_user, auth):
    user = make_user()
    client.get("/inloggen")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    auth.login(user.email)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{user.id}.")


def test_logout_ends_a_copied_session_cookie(app, client, make_user, auth):
    user = make_user()
    auth.login(user.email)
    copied = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/wachtwoord-wijzigen").status_code == 302


def test_deactivated_user_session_stops_working(app, client, make_user, auth):
    user = make_user()
    auth.login(user.email)
    assert client.get("/wachtwoord-wijzigen").status_code == 200
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/wachtwoord-wijzigen").status_code == 302


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
        assert (
            client.post(
                "/inloggen", data={"email": user.email, "password": f"fout {n} fout fout"}
            ).status_code
            == 401
        )
    blocked = app.test_client().post("/inloggen", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Probeer het over" in blocked.text
    assert "minuten" in blocked.text or "minuut" in blocked.text


def test_login_is_rate_limited_per_address(make_app, make_user):
    app = make_app(LOGIN_LIMIT_PER_ADDRESS="4 per 10 minutes")
    client = app.test_client()
    for n in range(4):
        client.post(
            "/inloggen", data={"email": f"iemand{n}@example.nl", "password": "fout fout fout"}
        )
    user = make_user()
    assert (
        client.post("/inloggen", data={"email": user.email, "password": PASSWORD}).status_code
        == 429
    )


def test_successful_logins_do_not_count_towards_the_limit(make_app, make_user):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="2 per 10 minutes")
    user = make_user()
    for _ in range(4):
        client = app.test_client()
        assert (
            client.post("/inloggen", data={"email": user.email, "password": PASSWORD}).status_code
            == 302
        )


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
        client.post("/inloggen", data={"email": user.email, "password": PASSWORD})
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
