"""Inloggen met je werkaccount against a real OpenID Provider (tests/oidc/provider.mjs):
accounts made, found by sub and linked; every refusal a Dutch page with no account made."""

from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import AuditEntry, OidcIdentity, User
from tests.conftest import PASSWORD, log_in
from tests.oidc.provider import (  # noqa: F401 - fixtures
    CLIENT_ID,
    ProviderBrowser,
    callback_from_provider,
    oidc_fixture,
    oidc_server_fixture,
    query_of,
    sso_login,
)


@pytest.fixture
def app(make_app, oidc):
    return make_app(**oidc.settings())


def people(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.execute(sa.select(User.email, User.name, User.role).order_by(User.id))
        return [tuple(r) for r in rows]


def identities(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(User.email, OidcIdentity.subject).join(User).order_by(OidcIdentity.id)
        )
        return [tuple(r) for r in rows]


def signed_in_as(client) -> str | None:
    """The name in the menu, or None when nobody is logged in."""
    page = client.get("/").text
    if "Uitloggen" not in page:
        return None
    return page.split('<span class="visually-hidden">voor ', 1)[1].split("</span>", 1)[0]


def with_query(path: str, **changes) -> str:
    parts = urlsplit(path)
    return f"{parts.path}?{urlencode({**query_of(path), **changes})}"


def assert_refused(response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert "Inloggen met je werkaccount lukt niet" in response.text
    assert words in response.text
    assert "Traceback" not in response.text


# --- The way in ---------------------------------------------------------------------------


def test_the_authorization_request_uses_pkce_state_and_nonce(client, oidc):
    response = client.get("/inloggen/werkaccount")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(oidc.issuer + "/")
    query = query_of(location)
    assert query["client_id"] == CLIENT_ID
    assert query["response_type"] == "code"
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 20
    assert query["redirect_uri"] == "http://localhost/inloggen/werkaccount/terug"
    again = query_of(client.get("/inloggen/werkaccount").headers["Location"])
    assert again["state"] != query["state"] and again["nonce"] != query["nonce"]


def test_first_login_creates_the_account_and_lands_on_mijn_cursus(client, app):
    response = sso_login(client, "anna")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Mijn cursus" in client.get("/").text
    assert signed_in_as(client) == "Anna de Vries"
    assert people(app) == [("anna@bedrijf.nl", "Anna de Vries", "learner")]
    assert identities(app) == [("anna@bedrijf.nl", "00u-anna-7f3c")]
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions == ["account.aangemaakt"]


def test_a_later_login_finds_the_person_by_sub_after_the_email_changed(client, app, oidc):
    sso_login(client, "anna")
    client.post("/uitloggen")
    assert signed_in_as(client) is None
    oidc.change("anna", email="anna.jansen@bedrijf.nl", name="Anna Jansen")
    response = sso_login(app.test_client(), "anna")
    assert response.status_code == 302
    # Still one account: found by (issuer, sub); the verified new address replaces the old.
    assert people(app) == [("anna.jansen@bedrijf.nl", "Anna de Vries", "learner")]
    assert identities(app) == [("anna.jansen@bedrijf.nl", "00u-anna-7f3c")]


def test_a_new_address_already_used_by_another_account_is_not_taken_over(
    client, app, oidc, make_user
):
    sso_login(client, "anna")
    make_user(email="anna.jansen@bedrijf.nl", name="Een ander")
    oidc.change("anna", email="anna.jansen@bedrijf.nl")
    assert sso_login(app.test_client(), "anna").status_code == 302
    assert people(app) == [
        ("anna@bedrijf.nl", "Anna de Vries", "learner"),
        ("anna.jansen@bedrijf.nl", "Een ander", "learner"),
    ]


def test_an_existing_password_account_is_linked_when_the_email_is_verified(client, app, make_user):
    user = make_user(email="Anna@Bedrijf.nl", name="Anna (wachtwoord)")
    response = sso_login(client, "anna")
    assert response.status_code == 302
    assert signed_in_as(client) == "Anna (wachtwoord)"
    assert identities(app) == [("anna@bedrijf.nl", "00u-anna-7f3c")]
    # The password still works too.
    assert log_in(app.test_client(), user.email, PASSWORD).status_code == 302


def test_next_page_is_kept_and_foreign_ones_are_ignored(app, oidc):
    client = app.test_client()
    response = sso_login(client, "anna", start="/inloggen/werkaccount?next=/voortgang")
    assert response.headers["Location"] == "/voortgang"
    for hostile in ("//elders.nl/pad", "https://elders.nl/", "/\\elders.nl"):
        other = app.test_client()
        response = sso_login(other, "anna", start=f"/inloggen/werkaccount?next={hostile}")
        assert response.headers["Location"] == "/", hostile


def test_names_from_the_token_are_cleaned(client, app, oidc):
    oidc.add_user(
        "lang",
        "00u-lang",
        email="lang@bedrijf.nl",
        email_verified=True,
        name="\u202eLange\x00 " + "N" * 300,
    )
    assert sso_login(client, "lang").status_code == 302
    [(email, name, _role)] = people(app)
    assert name.startswith("Lange N") and len(name) == 100
    assert "\x00" not in name and "\u202e" not in name


def test_without_a_name_the_email_is_used(client, app, oidc):
    oidc.add_user("kaal", "00u-kaal", email="kaal@bedrijf.nl", email_verified=True)
    assert sso_login(client, "kaal").status_code == 302
    assert people(app) == [("kaal@bedrijf.nl", "kaal", "learner")]


def test_the_login_page_offers_the_button(client, make_app, oidc):
    page = client.get("/inloggen").text
    assert 'href="/inloggen/werkaccount"' in page
    assert "Inloggen met je werkaccount" in page
    assert 'name="password"' in page  # the password form stays without OIDC_ONLY
    other = make_app(**oidc.settings(OIDC_BUTTON_LABEL="Inloggen met Microsoft"))
    assert "Inloggen met Microsoft" in other.test_client().get("/inloggen").text


# --- Refusals: a Dutch page, nobody logged in, no account --------------------------------


def test_wrong_state_is_refused(client, app):
    back = callback_from_provider(client, "anna")
    response = client.get(with_query(back, state="vervalst-" + "x" * 20))
    assert_refused(response, 400, "Deze inlogpoging is verlopen of niet compleet")
    assert signed_in_as(client) is None
    assert people(app) == []


def test_state_from_another_browser_is_refused(client, app):
    back = callback_from_provider(client, "anna")
    stranger = app.test_client()
    stranger.get("/inloggen/werkaccount")  # has a state of its own, not this one
    assert_refused(stranger.get(back), 400, "verlopen of niet compleet")
    assert people(app) == []


def test_missing_state_and_code_are_refused(client, app):
    client.get("/inloggen/werkaccount")
    assert_refused(client.get("/inloggen/werkaccount/terug"), 400, "verlopen")
    assert_refused(client.get("/inloggen/werkaccount/terug?state=&code="), 400, "verlopen")
    assert people(app) == []


def test_a_replayed_code_is_refused(client, app):
    back = callback_from_provider(client, "anna")
    assert client.get(back).status_code == 302
    assert people(app) == [("anna@bedrijf.nl", "Anna de Vries", "learner")]
    # Someone who copied the way back starts a login of their own and offers the used code.
    thief = app.test_client()
    state = query_of(thief.get("/inloggen/werkaccount").headers["Location"])["state"]
    response = thief.get(with_query(back, state=state))
    assert_refused(response, 400, "al gebruikt of verlopen")
    assert signed_in_as(thief) is None
    assert len(people(app)) == 1


def test_the_same_way_back_twice_is_refused(client, app):
    back = callback_from_provider(client, "anna")
    assert client.get(back).status_code == 302
    client.post("/uitloggen")
    assert_refused(client.get(back), 400, "verlopen of niet compleet")
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"aud": "andere-app"}, id="audience-another-client"),
        # Authlib alone accepts this one (it checks azp, not aud): Klantwijs names its
        # client id as the required audience.
        pytest.param({"aud": "andere-app", "azp": CLIENT_ID}, id="audience-another-client-azp"),
        pytest.param({"aud": ["andere-app"], "azp": "andere-app"}, id="azp-another-client"),
        pytest.param({"exp_offset": -3600}, id="expired"),
    ],
)
def test_an_id_token_not_for_us_or_expired_is_refused(client, app, oidc, tamper):
    """The provider re-signs the ID token with its own published key after changing a claim:
    the signature is good, so only the audience or expiry check can refuse it."""
    oidc.misbehave(**tamper)
    response = sso_login(client, "anna")
    assert_refused(response, 400, "kon niet worden gecontroleerd")
    assert signed_in_as(client) is None
    assert people(app) == []


def test_a_reissued_token_that_is_right_is_accepted(client, app, oidc):
    """Control for the refusals above: re-signing with a valid audience and expiry passes."""
    oidc.misbehave(aud=CLIENT_ID, exp_offset=3600)
    assert sso_login(client, "anna").status_code == 302
    assert len(people(app)) == 1


def test_unverified_email_matching_an_existing_account_is_refused(client, app, make_user):
    make_user(email="bram@bedrijf.nl", name="Bram (wachtwoord)")
    response = sso_login(client, "bram")
    assert_refused(response, 403, "bevestigt niet dat het adres van jou is")
    assert signed_in_as(client) is None
    assert identities(app) == []
    assert people(app) == [("bram@bedrijf.nl", "Bram (wachtwoord)", "learner")]


def test_unverified_email_of_a_new_person_makes_an_account(client, app):
    """Entra ID sends no email_verified at all: a new person still gets in."""
    assert sso_login(client, "bram").status_code == 302
    assert people(app) == [("bram@bedrijf.nl", "Bram Bakker", "learner")]


def test_a_domain_that_is_not_allowed_is_refused(make_app, oidc):
    app = make_app(**oidc.settings(OIDC_ALLOWED_DOMAINS=["bedrijf.nl"]))
    client = app.test_client()
    response = sso_login(client, "eva")
    assert_refused(response, 403, "Alleen adressen op @bedrijf.nl hebben toegang")
    assert "eva@elders.nl" in response.text
    assert people(app) == []
    assert sso_login(app.test_client(), "anna").status_code == 302  # control


def test_a_person_who_moved_to_another_domain_is_refused(make_app, oidc):
    app = make_app(**oidc.settings(OIDC_ALLOWED_DOMAINS=["bedrijf.nl"]))
    sso_login(app.test_client(), "anna")
    oidc.change("anna", email="anna@elders.nl")
    assert_refused(sso_login(app.test_client(), "anna"), 403, "Alleen adressen op @bedrijf.nl")


def test_a_deactivated_person_is_refused(client, app, oidc):
    sso_login(client, "anna")
    with app.app_context():
        db.session.execute(sa.update(User).values(active=False))
        db.session.commit()
    assert signed_in_as(client) is None  # the open session ended at once
    response = sso_login(app.test_client(), "anna")
    assert_refused(response, 403, "Dit account is gedeactiveerd")
    assert len(people(app)) == 1


def test_a_deactivated_password_account_is_not_linked(client, app, make_user):
    make_user(email="anna@bedrijf.nl", name="Anna", active=False)
    assert_refused(sso_login(client, "anna"), 403, "Dit account is gedeactiveerd")
    assert identities(app) == []


def test_an_account_of_another_werkaccount_is_not_taken_over(client, app, oidc):
    """A new person at the provider who got a former colleague's address."""
    sso_login(client, "anna")
    oidc.add_user("opvolger", "00u-nieuw-8888", email="anna@bedrijf.nl", email_verified=True)
    response = sso_login(app.test_client(), "opvolger")
    assert_refused(response, 403, "hoort bij een Klantwijs-account van een ander werkaccount")
    assert identities(app) == [("anna@bedrijf.nl", "00u-anna-7f3c")]


def test_a_token_without_email_is_refused(client, app, oidc):
    oidc.add_user("anoniem", "00u-anoniem", name="Zonder Adres")
    assert_refused(sso_login(client, "anoniem"), 403, "geeft geen e-mailadres door")
    assert people(app) == []


def test_a_refusal_from_the_provider_is_a_dutch_page(client, app):
    state = query_of(client.get("/inloggen/werkaccount").headers["Location"])["state"]
    response = client.get(f"/inloggen/werkaccount/terug?error=access_denied&state={state}")
    assert_refused(response, 400, "gaf geen toestemming")
    assert people(app) == []


def test_an_unreachable_provider_is_a_dutch_page(make_app):
    app = make_app(OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="x", OIDC_CLIENT_SECRET="y")
    response = app.test_client().get("/inloggen/werkaccount")
    assert_refused(response, 503, "niet bereikbaar")


def test_a_discovery_document_for_another_issuer_is_refused(make_app, oidc):
    """The same provider under another name: its document names 127.0.0.1, not localhost."""
    issuer = oidc.issuer.replace("127.0.0.1", "localhost")
    app = make_app(**oidc.settings(OIDC_ISSUER=issuer))
    assert_refused(app.test_client().get("/inloggen/werkaccount"), 503, "niet bereikbaar")


def test_a_logged_in_person_is_sent_to_mijn_cursus(client):
    sso_login(client, "anna")
    response = client.get("/inloggen/werkaccount")
    assert response.status_code == 302 and response.headers["Location"] == "/"


# --- Uitloggen ----------------------------------------------------------------------------


def test_logout_after_sso_sends_the_person_to_the_provider_and_back(client, app, oidc):
    person = ProviderBrowser()
    sso_login(client, "anna", person=person)
    response = client.post("/uitloggen")
    assert response.status_code == 200
    assert signed_in_as(client) is None
    [url] = [
        part.split('"', 1)[0].replace("&amp;", "&")
        for part in response.text.split('href="')[1:]
        if part.startswith(oidc.issuer)
    ]
    assert f'content="0; url={url}"' in response.text.replace("&amp;", "&")
    query = query_of(url)
    assert query["post_logout_redirect_uri"] == "http://localhost/inloggen"
    assert query["client_id"] == CLIENT_ID
    assert query["id_token_hint"].count(".") == 2
    # The provider accepts it: it asks to confirm, ends its session and sends the person back.
    back, page = person.visit(url)
    assert back is None and "Uitloggen bij Testbedrijf?" in page.text, page.text
    back, page = person.submit(page, logout="yes")
    assert back is not None and back.startswith("http://localhost/inloggen?"), page
    # Logged out at the provider too: the next single sign-on asks for the password again.
    started = client.get("/inloggen/werkaccount")
    back, page = person.visit(started.headers["Location"])
    assert back is None and "Inloggen bij Testbedrijf" in page.text


def test_without_logout_at_the_provider_the_next_sso_needs_no_password(client, app, oidc):
    """Control for the test above: the provider's session alone logs the person in again."""
    person = ProviderBrowser()
    sso_login(client, "anna", person=person)
    started = app.test_client().get("/inloggen/werkaccount")
    back, _page = person.visit(started.headers["Location"])
    assert back is not None


def test_logout_after_a_password_login_stays_in_klantwijs(client, make_user):
    user = make_user()
    log_in(client, user.email)
    response = client.post("/uitloggen")
    assert response.status_code == 302 and response.headers["Location"] == "/inloggen"


def test_starting_a_login_is_rate_limited_per_address(client):
    for _ in range(60):
        assert client.get("/inloggen/werkaccount").status_code == 302
    response = client.get("/inloggen/werkaccount")
    assert response.status_code == 429
    assert "Je hebt het te vaak geprobeerd" in response.text


def test_starting_again_and_again_keeps_the_session_cookie_small(client, app):
    """Only the newest three started logins are kept: the last one still works."""
    for _ in range(25):
        client.get("/inloggen/werkaccount")
    assert len(client.get_cookie("session").value) < 2000
    back = callback_from_provider(client, "anna")
    assert client.get(back).status_code == 302
    assert len(people(app)) == 1


def test_a_second_tab_after_the_first_logged_in_lands_on_mijn_cursus(app, oidc):
    client = app.test_client()
    first = client.get("/inloggen/werkaccount").headers["Location"]
    second_back = callback_from_provider(client, "anna")
    person = ProviderBrowser()
    first_back, page = person.log_in(person.visit(first)[1], "anna")
    parts = urlsplit(first_back)
    assert client.get(f"{parts.path}?{parts.query}").headers["Location"] == "/"
    assert signed_in_as(client) == "Anna de Vries"
    # The other tab's state went with the fresh session of the login: nothing happens.
    assert client.get(second_back).headers["Location"] == "/"
    assert signed_in_as(client) == "Anna de Vries"
    assert len(people(app)) == 1
