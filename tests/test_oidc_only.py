"""OIDC_ONLY=1: password login and registration gone for everyone but admins (break-glass);
and without OIDC_* settings nothing changes."""

import pytest
import sqlalchemy as sa

from klantwijs import create_app
from klantwijs.core.db import db
from klantwijs.models import User
from tests.conftest import PASSWORD, app_settings, csrf_token_from, log_in
from tests.oidc.provider import oidc_fixture, oidc_server_fixture, sso_login  # noqa: F401 - fixtures
from tests.trust_helpers import add_invitation, row_counts

ADMINS_ONLY = "Inloggen met een wachtwoord kan alleen voor beheerders."


@pytest.fixture
def app(make_app, oidc):
    return make_app(**oidc.settings(OIDC_ONLY=True))


def logged_in(client) -> bool:
    return "Uitloggen" in client.get("/").text


def test_the_password_form_and_registration_are_gone(client):
    page = client.get("/inloggen").text
    assert "Inloggen met je werkaccount" in page
    assert 'name="password"' not in page
    assert "Wachtwoord vergeten?" not in page
    assert "Account aanmaken" not in page
    register = client.get("/account-aanmaken").text
    assert 'name="password"' not in register
    assert "Inloggen met je werkaccount" in register


@pytest.mark.parametrize("role", ["learner", "hr"])
def test_password_posts_are_refused_for_everyone_but_admins(app, make_user, role):
    user = make_user(role=role)
    for password in (PASSWORD, "verkeerd wachtwoord hier"):
        client = app.test_client()
        response = log_in(client, user.email, password)
        assert response.status_code == 403
        assert ADMINS_ONLY in response.text  # the same answer for a right and a wrong password
        assert not logged_in(client)


def test_an_admin_still_logs_in_with_a_password(app, make_user):
    admin = make_user(role="admin")
    client = app.test_client()
    page = client.get("/inloggen?wachtwoord=1").text
    assert 'name="password"' in page and "Wachtwoord vergeten?" in page
    response = log_in(client, admin.email)
    assert response.status_code == 302
    assert logged_in(client)
    wrong = log_in(app.test_client(), admin.email, "verkeerd wachtwoord hier")
    assert wrong.status_code == 403 and ADMINS_ONLY in wrong.text


def test_the_break_glass_form_shows_its_own_mistakes(client):
    response = client.post("/inloggen?wachtwoord=1", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert "Vul dit veld in." in response.text
    response = client.post("/inloggen", data={"email": "", "password": ""})
    assert response.status_code == 403 and ADMINS_ONLY in response.text


def test_unknown_accounts_get_the_same_refusal(client, app):
    response = log_in(client, "niemand@bedrijf.nl")
    assert response.status_code == 403 and ADMINS_ONLY in response.text
    assert row_counts(app)["login_failures"] == 1  # still counted by the login throttle


def test_registration_posts_are_refused(client, app):
    response = client.post(
        "/account-aanmaken",
        data={
            "name": "Nieuw",
            "email": "nieuw@bedrijf.nl",
            "password": PASSWORD,
            "password_repeat": PASSWORD,
        },
    )
    assert response.status_code == 403
    assert row_counts(app)["users"] == 0


def test_an_invitation_link_does_not_log_a_learner_in(app, make_user):
    learner = make_user(password=None)
    with app.app_context():
        add_invitation(db.session.get(User, learner.id), None, "uitnodiging-token-123")
        db.session.commit()
    client = app.test_client()
    response = client.get("/wachtwoord-instellen/uitnodiging-token-123")
    assert response.status_code == 403 and ADMINS_ONLY in response.text
    response = client.post(
        "/wachtwoord-instellen/uitnodiging-token-123",
        data={"password": PASSWORD, "password_repeat": PASSWORD},
    )
    assert response.status_code == 403
    assert not logged_in(client)
    with app.app_context():
        assert db.session.get(User, learner.id).password_hash is None


def test_single_sign_on_still_works(client, app):
    assert sso_login(client, "anna").status_code == 302
    assert logged_in(client)


def test_the_login_form_needs_its_csrf_token(make_app, oidc, make_user):
    app = make_app(**oidc.settings(OIDC_ONLY=True, WTF_CSRF_ENABLED=True))
    admin = make_user(role="admin")
    client = app.test_client()
    data = {"email": admin.email, "password": PASSWORD}
    assert client.post("/inloggen", data=data).status_code == 400
    token = csrf_token_from(client.get("/inloggen?wachtwoord=1").text)
    assert client.post("/inloggen", data={**data, "csrf_token": token}).status_code == 302


# --- Settings -------------------------------------------------------------------------------


def test_without_oidc_settings_nothing_changes(make_app):
    app = make_app()
    client = app.test_client()
    page = client.get("/inloggen").text
    assert "werkaccount" not in page
    assert 'name="password"' in page and "Account aanmaken" in page
    assert client.get("/inloggen/werkaccount").status_code == 404
    assert client.get("/inloggen/werkaccount/terug?code=x&state=y").status_code == 404


def test_oidc_only_without_an_issuer_refuses_to_start(migrated):
    with pytest.raises(RuntimeError, match="OIDC_ONLY=1 needs OIDC_ISSUER"):
        create_app(app_settings(migrated, OIDC_ONLY=True))


def test_an_issuer_without_client_refuses_to_start(migrated):
    with pytest.raises(RuntimeError, match="OIDC_CLIENT_ID"):
        create_app(app_settings(migrated, OIDC_ISSUER="https://login.example.com"))


def test_settings_are_read_from_the_environment(monkeypatch, migrated):
    monkeypatch.setenv("OIDC_ISSUER", " https://login.example.com/tenant/v2.0/ ")
    monkeypatch.setenv("OIDC_CLIENT_ID", "klantwijs")
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "geheim")
    monkeypatch.setenv("OIDC_ALLOWED_DOMAINS", "Bedrijf.nl, @bedrijf.be ,")
    monkeypatch.setenv("OIDC_ONLY", "1")
    monkeypatch.setenv("OIDC_GROUPS_CLAIM", "groups")
    app = create_app(app_settings(migrated))
    assert app.config["OIDC_ALLOWED_DOMAINS"] == ["bedrijf.nl", "bedrijf.be"]
    assert app.config["OIDC_ONLY"] is True
    assert app.config["OIDC_BUTTON_LABEL"] == "Inloggen met je werkaccount"
    with app.test_request_context():
        from klantwijs.accounts import oidc as oidc_module

        assert oidc_module.issuer_of(app.config) == "https://login.example.com/tenant/v2.0"
        assert oidc_module.client().client_id == "klantwijs"
    with app.app_context():
        db.session.execute(sa.select(1))
        db.engine.dispose()
