"""Inloggen met je werkaccount on a phone (360×740), through the real OpenID Provider:
the button, the provider's login page, back on Mijn cursus; logout at the provider; a second
login after the provider changed the e-mail; a refusal; the Beheer page for groups."""

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import GroupTeam, Membership, OidcIdentity, Team, User
from tests.browser.helpers import assert_accessible, assert_no_sideways_scroll, small_tap_targets
from tests.conftest import PASSWORD
from tests.oidc.provider import PROVIDER_PASSWORD, oidc_fixture, oidc_server_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


@pytest.fixture
def app(make_app, oidc):
    return make_app(**oidc.settings(OIDC_GROUPS_CLAIM="groups"))


@pytest.fixture
def provider(oidc, live_server):
    """The provider, with this test's Klantwijs address registered as redirect URI."""
    oidc.allow(live_server.url)
    return oidc


def log_in_at_the_provider(page, login: str) -> None:
    page.get_by_role("heading", name="Inloggen bij Testbedrijf").wait_for()
    page.get_by_label("Gebruikersnaam").fill(login)
    page.get_by_label("Wachtwoord").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Inloggen bij Testbedrijf").tap()


def accounts(app) -> list[tuple[int, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(User.id, User.email, OidcIdentity.subject).join(OidcIdentity)
        )
        return [tuple(r) for r in rows]


def test_single_sign_on_logout_and_a_changed_email_on_a_phone(
    phone_page, live_server, provider, app, make_team
):
    verkoop = make_team("Verkoop")
    with app.app_context():
        db.session.add(GroupTeam(group_name="verkoop-nl", team_id=verkoop))
        db.session.commit()
    page = phone_page
    page.goto("/inloggen")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    assert small_tap_targets(page) == []
    page.get_by_role("link", name="Inloggen met je werkaccount").tap()
    log_in_at_the_provider(page, "anna")
    page.get_by_role("heading", name="Mijn cursus").wait_for()
    assert page.url == live_server.url + "/"
    [(user_id, email, subject)] = accounts(app)
    assert (email, subject) == ("anna@bedrijf.nl", "00u-anna-7f3c")
    with app.app_context():
        assert db.session.get(User, user_id).name == "Anna de Vries"
        assert db.session.get(Membership, (user_id, verkoop)) is not None
    assert_accessible(page)

    # Uitloggen: Klantwijs's session ends, then the provider's (RP-initiated logout).
    page.get_by_text("Menu").tap()
    page.get_by_role("button", name="Uitloggen").tap()
    page.get_by_role("heading", name="Uitloggen bij Testbedrijf?").wait_for()
    assert page.url.startswith(provider.issuer + "/session/end")
    page.get_by_role("button", name="Ja, uitloggen").tap()
    page.get_by_role("heading", name="Inloggen", exact=True).wait_for()
    assert page.url.startswith(live_server.url + "/inloggen")
    assert page.get_by_role("button", name="Uitloggen").count() == 0

    # The directory changes her address; she logs in again (the provider asks again).
    provider.change("anna", email="anna.jansen@bedrijf.nl")
    page.get_by_role("link", name="Inloggen met je werkaccount").tap()
    log_in_at_the_provider(page, "anna")
    page.get_by_role("heading", name="Mijn cursus").wait_for()
    assert accounts(app) == [(user_id, "anna.jansen@bedrijf.nl", "00u-anna-7f3c")]


def test_a_refusal_is_a_clear_page_on_a_phone(phone_page, provider, app, make_user):
    make_user(email="bram@bedrijf.nl", name="Bram (wachtwoord)")
    page = phone_page
    page.goto("/inloggen")
    page.get_by_role("link", name="Inloggen met je werkaccount").tap()
    log_in_at_the_provider(page, "bram")
    page.get_by_role("heading", name="Inloggen met je werkaccount lukt niet").wait_for()
    assert page.get_by_text("bevestigt niet dat het adres van jou is").is_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    assert small_tap_targets(page) == []
    assert accounts(app) == []
    page.get_by_role("link", name="Naar Inloggen").tap()
    page.get_by_role("heading", name="Inloggen", exact=True).wait_for()


def test_hr_links_a_group_on_a_phone(phone_page, app, make_user, make_team):
    hr = make_user(role="hr")
    make_team("Verkoop")
    page = phone_page
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(hr.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).tap()
    page.get_by_role("heading", name="Mijn cursus").wait_for()
    page.goto("/beheer/teams/groepen")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name="Koppelen").tap()
    page.get_by_role("alert").wait_for()
    assert_accessible(page)
    page.get_by_label("Groep", exact=True).fill("verkoop-nl")
    page.get_by_label("Team", exact=True).select_option(label="Verkoop")
    page.get_by_role("button", name="Koppelen").tap()
    page.get_by_text("Groep verkoop-nl is gekoppeld aan Verkoop.").wait_for()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.get_by_role("link", name="Ontkoppelen verkoop-nl van Verkoop").tap()
    page.get_by_role("button", name="Ontkoppelen").tap()
    page.get_by_text("Er zijn nog geen groepen gekoppeld.").wait_for()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupTeam)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Team)) == 1
