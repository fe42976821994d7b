"""Security defaults: headers, CSRF, cookies, size limit, secret key, Dutch error pages."""

import pytest

from klantwijs import create_app
from tests.conftest import PASSWORD, app_settings, csrf_token_from, log_in


def test_security_headers_on_every_response(client):
    for path in ["/", "/inloggen", "/bestaat-niet", "/static/css/app.css"]:
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_load_nothing_from_other_origins(client):
    for path in ["/", "/inloggen", "/account-aanmaken"]:
        text = client.get(path).text
        assert "http://" not in text and "https://" not in text and 'src="//' not in text


def test_session_cookie_is_httponly_lax_and_secure_outside_debug(make_app, make_user):
    app = make_app(SESSION_COOKIE_SECURE=True)
    user = make_user()
    response = log_in(app.test_client(), user.email, base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_secure_cookie_is_the_default_outside_debug(migrated, monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    settings = app_settings(migrated, TESTING=False)
    app = create_app(settings)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_missing_secret_key_is_refused_outside_debug(migrated, monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = app_settings(migrated, TESTING=False, SECRET_KEY=None)
    import klantwijs

    monkeypatch.setattr(klantwijs, "ROOT", tmp_path)  # no instance/secret_key there
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(settings)


@pytest.fixture
def csrf_app(make_app):
    """Every state change refuses a missing or foreign token: test_trust_routes.py."""
    return make_app(WTF_CSRF_ENABLED=True)


def test_register_with_csrf_token_works_and_without_changes_nothing(csrf_app):
    from klantwijs.core.db import db
    from klantwijs.models import User

    client = csrf_app.test_client()
    data = {"name": "A", "email": "a@example.nl", "password": PASSWORD, "password_repeat": PASSWORD}
    client.post("/account-aanmaken", data={**data, "csrf_token": "vervalst"})
    with csrf_app.app_context():
        assert db.session.query(User).count() == 0
    token = csrf_token_from(client.get("/account-aanmaken").text)
    assert client.post("/account-aanmaken", data={**data, "csrf_token": token}).status_code == 302


def test_body_over_the_limit_gets_413_in_dutch(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post("/inloggen", data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "te groot" in response.text


def test_404_and_405_pages_are_dutch(client):
    missing = client.get("/nergens")
    assert missing.status_code == 404 and "Pagina niet gevonden" in missing.text
    wrong = client.get("/uitloggen")
    assert wrong.status_code == 405 and "Niet toegestaan" in wrong.text


def test_unexpected_error_gives_dutch_500_page(app):
    @app.get("/kapot")
    def broken():
        raise ZeroDivisionError

    response = app.test_client().get("/kapot")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.text
    assert "ZeroDivisionError" not in response.text


def test_403_page_is_dutch(make_app):
    response = make_app(REGISTRATION_OPEN=False).test_client().post("/account-aanmaken")
    assert response.status_code == 403 and "Geen toegang" in response.text
