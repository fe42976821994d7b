"""Register and log in on a phone: works, axe-clean, no sideways scrolling."""

import pytest

from tests.browser.helpers import assert_accessible, assert_no_sideways_scroll, small_tap_targets
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_register_log_out_and_log_in_on_a_phone(phone_page):
    page = phone_page
    page.goto("/")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.get_by_role("link", name="Account aanmaken").tap()
    page.get_by_role("heading", name="Account aanmaken").wait_for()
    assert_accessible(page)
    page.get_by_label("Naam").fill("Anna de Vries")
    page.get_by_label("E-mailadres").fill("anna@example.nl")
    page.get_by_label("Wachtwoord", exact=True).fill("kort")
    page.get_by_label("Herhaal wachtwoord").fill("kort")
    page.get_by_role("button", name="Account aanmaken").tap()
    page.get_by_role("alert").wait_for()
    assert page.get_by_text("Kies een wachtwoord van minstens 12 tekens.").first.is_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    assert page.get_by_label("Naam").input_value() == "Anna de Vries"  # nothing typed is lost
    page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Herhaal wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Account aanmaken").tap()
    page.get_by_role("heading", name="Mijn cursus").wait_for()
    assert_accessible(page)
    assert small_tap_targets(page) == []
    page.get_by_text("Menu").tap()
    page.get_by_role("button", name="Uitloggen").tap()
    page.get_by_role("heading", name="Inloggen").wait_for()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.get_by_label("E-mailadres").fill("anna@example.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").tap()
    page.get_by_role("heading", name="Mijn cursus").wait_for()


def test_login_page_on_desktop_with_keyboard_only(desktop_page, make_user):
    user = make_user()
    page = desktop_page
    page.goto("/inloggen")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    page.get_by_label("E-mailadres").focus()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Mijn cursus").wait_for()
    assert_accessible(page)
