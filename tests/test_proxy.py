"""Behind a reverse proxy (TRUSTED_PROXIES): limits see each person's own address.

Every request below reaches the app the way it does in production behind nginx or Caddy: the
TCP peer (REMOTE_ADDR) is the proxy on 127.0.0.1, and X-Forwarded-For is what the proxy sent
on: whatever the client put there itself, then ", " and the client's address as the proxy
saw it (nginx's $proxy_add_x_forwarded_for; Caddy appends the same way). Client addresses
come from the documentation ranges (RFC 5737); nothing is sent over a network.
"""

import pytest
import sqlalchemy as sa

from klantwijs import create_app
from klantwijs.core.db import db
from klantwijs.models import LoginFailure
from tests.conftest import PASSWORD, app_settings

PROXY = "127.0.0.1"
LIMIT = 20  # LOGIN_LIMIT_PER_ADDRESS: 20 per 10 minutes


def via_proxy(client_address: str, forged: str | None = None) -> dict:
    """The WSGI environ of a request as the proxy passes it on."""
    chain = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain, "HTTP_X_FORWARDED_PROTO": "https"}


def direct(client_address: str, forged: str | None = None) -> dict:
    """A request straight from the client (no proxy), possibly with a forged header."""
    environ = {"REMOTE_ADDR": client_address}
    if forged:
        environ["HTTP_X_FORWARDED_FOR"] = forged
    return environ


def login(client, email: str, password: str, environ: dict):
    return client.post(
        "/inloggen", data={"email": email, "password": password}, environ_base=environ
    )


@pytest.fixture
def colleagues(make_user):
    """Twenty-two people of one company: each will mistype their password once."""
    return [make_user(email=f"collega{n}@bedrijf.nl") for n in range(LIMIT + 2)]


def test_behind_one_proxy_typos_of_many_never_lock_out_another(make_app, colleagues):
    app = make_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    for n, person in enumerate(colleagues[:-1], start=1):
        wrong = login(client, person.email, "een typfout", via_proxy(f"198.51.100.{n}"))
        assert wrong.status_code == 401  # "klopt niet", not "te vaak geprobeerd"
    last = colleagues[-1]
    right = login(client, last.email, PASSWORD, via_proxy("198.51.100.200"))
    assert right.status_code == 302, right.text
    with app.app_context():
        seen = set(db.session.scalars(sa.select(LoginFailure.address)))
    assert seen == {f"198.51.100.{n}" for n in range(1, LIMIT + 2)}, "the real addresses"
    # Each person who mistyped still gets in at once with the right password.
    again = app.test_client()
    assert login(again, colleagues[0].email, PASSWORD, via_proxy("198.51.100.1")).status_code == 302


def test_without_trusted_proxies_everyone_behind_the_proxy_shares_one_bucket(make_app, colleagues):
    """What the setting fixes (and proof that the scenario above reaches the limit)."""
    app = make_app()  # TRUSTED_PROXIES defaults to 0
    client = app.test_client()
    for n, person in enumerate(colleagues[:LIMIT], start=1):
        assert (
            login(client, person.email, "typfout", via_proxy(f"198.51.100.{n}")).status_code == 401
        )
    refused = login(client, colleagues[-1].email, PASSWORD, via_proxy("198.51.100.200"))
    assert refused.status_code == 429
    assert "Je hebt het te vaak geprobeerd" in refused.text


def test_without_trusted_proxies_a_forged_header_is_ignored(make_app, colleagues):
    """Straight to the app (hops = 0): a guesser cannot pick a new address per try."""
    app = make_app()
    client = app.test_client()
    for n, person in enumerate(colleagues[:LIMIT], start=1):
        answer = login(client, person.email, "gok", direct("203.0.113.9", f"192.0.2.{n}"))
        assert answer.status_code == 401
    refused = login(client, colleagues[-1].email, "gok", direct("203.0.113.9", "192.0.2.99"))
    assert refused.status_code == 429
    with app.app_context():
        assert set(db.session.scalars(sa.select(LoginFailure.address))) == {"203.0.113.9"}


def test_behind_one_proxy_a_forged_header_counts_on_the_real_address(make_app, colleagues):
    """The proxy appends the real peer; only that last entry is trusted (hops = 1)."""
    app = make_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    for n, person in enumerate(colleagues[:LIMIT], start=1):
        answer = login(client, person.email, "gok", via_proxy("203.0.113.9", f"192.0.2.{n}"))
        assert answer.status_code == 401
    refused = login(client, colleagues[-1].email, "gok", via_proxy("203.0.113.9", "192.0.2.99"))
    assert refused.status_code == 429
    # Someone else behind the same proxy is not affected.
    other = login(client, colleagues[-1].email, PASSWORD, via_proxy("198.51.100.7"))
    assert other.status_code == 302


def test_flask_limiter_limits_also_key_on_the_real_address(make_app, colleagues):
    """Wachtwoord vergeten? (5 per 10 minutes per address) behind the proxy."""
    app = make_app(TRUSTED_PROXIES=1, RATELIMIT_ENABLED=True)
    client = app.test_client()
    for n in range(1, 6):
        page = client.post(
            "/wachtwoord-vergeten",
            data={"email": colleagues[n].email},
            environ_base=via_proxy(f"198.51.100.{n}"),
        )
        assert page.status_code != 429
    page = client.post(
        "/wachtwoord-vergeten",
        data={"email": colleagues[0].email},
        environ_base=via_proxy("198.51.100.50"),
    )
    assert page.status_code != 429
    for _ in range(5):
        client.post(
            "/wachtwoord-vergeten",
            data={"email": colleagues[0].email},
            environ_base=via_proxy("198.51.100.51"),
        )
    page = client.post(
        "/wachtwoord-vergeten",
        data={"email": colleagues[0].email},
        environ_base=via_proxy("198.51.100.51"),
    )
    assert page.status_code == 429


def _who_am_i(app):
    """A throwaway page that says what the app sees (through the app's WSGI stack)."""
    from flask import request

    app.add_url_rule("/test-wie-ben-ik", "who", lambda: f"{request.scheme} {request.remote_addr}")
    return app.test_client()


def test_the_forwarded_scheme_and_address_are_trusted_only_behind_a_proxy(make_app):
    behind = _who_am_i(make_app(TRUSTED_PROXIES=1))
    seen = behind.get("/test-wie-ben-ik", environ_base=via_proxy("198.51.100.1", "192.0.2.1"))
    assert seen.text == "https 198.51.100.1"
    alone = _who_am_i(make_app())
    forged = {**direct("203.0.113.9", "192.0.2.1"), "HTTP_X_FORWARDED_PROTO": "https"}
    assert alone.get("/test-wie-ben-ik", environ_base=forged).text == "http 203.0.113.9"
    two = _who_am_i(make_app(TRUSTED_PROXIES=2))  # a load balancer, then nginx
    chain = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.1, 198.51.100.3, 10.0.0.2"}
    assert two.get("/test-wie-ben-ik", environ_base=chain).text == "http 198.51.100.3"


@pytest.mark.parametrize("value", ["-1", "twee", "1.5", "11", "¹", " "])
def test_a_wrong_setting_stops_the_app_with_a_clear_message(migrated, value):
    with pytest.raises(RuntimeError, match="TRUSTED_PROXIES must be a whole number"):
        create_app(app_settings(migrated, TRUSTED_PROXIES=value))


def test_the_setting_is_read_from_the_environment(migrated, monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    app = create_app(app_settings(migrated))
    assert app.config["TRUSTED_PROXIES"] == 2
    monkeypatch.setenv("TRUSTED_PROXIES", "nee")
    with pytest.raises(RuntimeError, match="TRUSTED_PROXIES"):
        create_app(app_settings(migrated))
