"""Beheer in Chromium: every page on a 360×740 phone without anything scrolling sideways and
axe-clean (for HR and for a Teamleider), the compact menu, the people picker with search and
select-all (with and without JavaScript), the copy button, and printing Voortgang."""

import datetime as dt

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import Assignment, Membership, Role, Team, TeamLead, User
from tests.browser.helpers import assert_accessible, log_in, small_tap_targets
from tests.hr_helpers import TODAY

pytestmark = pytest.mark.browser

# Anything wider than the screen: the page itself, a region that scrolls sideways, or an
# element sticking out on the right (hidden ones and visually hidden text excepted).
SIDEWAYS = """() => {
    const width = document.documentElement.clientWidth;
    const found = [];
    if (document.documentElement.scrollWidth > width) {
        const wide = [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .map(el => `${el.tagName}.${el.className}`);
        found.push(`page ${document.documentElement.scrollWidth}px: ${wide.slice(-3).join(', ')}`);
    }
    for (const el of document.querySelectorAll('body *')) {
        if (!el.getClientRects().length || el.closest('.visually-hidden, thead, [hidden]')) continue;
        const style = getComputedStyle(el);
        if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
            found.push(`${el.tagName}.${el.className} scrolls ${el.scrollWidth}px`);
        }
        const box = el.getBoundingClientRect();
        if (box.right > width + 1) {
            found.push(`${el.tagName}.${el.className} ends at ${Math.round(box.right)}px`);
        }
    }
    return found.slice(0, 5);
}"""


def nothing_sideways(page, url: str) -> None:
    page.wait_for_load_state("load")  # measured with every stylesheet applied
    found = page.evaluate(SIDEWAYS)
    assert found == [], f"{url}: {found}"


@pytest.fixture
def beheer_world(app, make_user, make_team, make_assignment, make_attempt, make_view):
    """HR (admin), six people with long names and addresses in a team with a long name and
    a Teamleider, every status, a reminder due, answers for Vragen-inzicht."""
    hr = make_user(name="Hanna HR", email="hanna@example.nl", role="admin")
    people = [
        make_user(
            name=f"Medewerker met een heel lange naam {i}",
            email=f"medewerker.met.een.lang.adres.{i}@klantenservice-noord-holland.example.nl",
        )
        for i in range(6)
    ]
    lead = make_user(name="Lea Leider", email="lea@example.nl")
    team = make_team("Klantenservice Noord-Holland en Flevoland", people)
    assignment = make_assignment("alpha", team_id=team)
    make_assignment("beta", team_id=team, due=TODAY - dt.timedelta(days=1))
    make_attempt(people[0].id, passed=True, answers={"eerste-stap": ("a", 1.0)})
    make_attempt(
        people[2].id,
        passed=False,
        score=1,
        answers={"eerste-stap": ("c", 0.0), "volgorde": (["oplossen", "luisteren"], 0.0)},
    )
    make_view(people[1].id)
    with app.app_context():
        db.session.add(TeamLead(user_id=lead.id, team_id=team))
        db.session.commit()
    return {"hr": hr, "people": people, "lead": lead, "team": team, "assignment": assignment}


def test_every_beheer_page_fits_a_phone_and_is_accessible(phone_page, beheer_world):
    world, page = beheer_world, phone_page
    person, team = world["people"][0], world["team"]
    log_in(page, world["hr"].email, tap=True)
    urls = [
        "/beheer/",
        "/beheer/medewerkers",
        f"/beheer/medewerkers/{person.id}",
        f"/beheer/medewerkers/{person.id}/deactiveren",
        "/beheer/medewerkers/toevoegen",
        "/beheer/medewerkers/importeren",
        "/beheer/teams",
        f"/beheer/teams/{team}",
        f"/beheer/teams/{team}?q=medewerker",
        f"/beheer/teams/{team}/verwijderen",
        f"/beheer/teams/{team}/leden/{person.id}/verwijderen",
        f"/beheer/teams/{team}/teamleiders/{world['lead'].id}/verwijderen",
        "/beheer/teams/groepen",
        "/beheer/toewijzingen",
        "/beheer/toewijzingen/nieuw",
        "/beheer/toewijzingen/nieuw?q=medewerker",
        f"/beheer/toewijzingen/{world['assignment']}",
        f"/beheer/toewijzingen/{world['assignment']}/verwijderen",
        "/beheer/voortgang",
        "/beheer/voortgang?status=te-laat",
        "/beheer/vragen-inzicht",
        "/beheer/herinneringen",
        "/beheer/herinneringen?dag=morgen",
        "/beheer/logboek",
        "/beheer/export/",
    ]
    for url in urls:
        page.goto(url)
        nothing_sideways(page, url)
        assert small_tap_targets(page) == [], url
        assert_accessible(page)


def test_pages_after_a_form_fit_a_phone_too(phone_page, beheer_world):
    """Import preview and result with links, a new person's link, an error summary."""
    page = phone_page
    log_in(page, beheer_world["hr"].email, tap=True)
    page.goto("/beheer/medewerkers/importeren")
    page.get_by_label("CSV-bestand").set_input_files(
        {
            "name": "m.csv",
            "mimeType": "text/csv",
            "buffer": (
                "naam;e-mail;team\n"
                "Anna met een lange naam;anna.met.een.lang.adres@voorbeeldbedrijf.example.nl;Verkoop\n"
                f"Bestaat;{beheer_world['people'][1].email};Verkoop\n"
                "Kees;geen-adres;Verkoop\n"
            ).encode(),
        }
    )
    page.get_by_role("button", name="Voorbeeld bekijken").tap()
    page.get_by_role("heading", name="Medewerkers importeren: voorbeeld").wait_for()
    for step in ("voorbeeld", "klaar"):
        nothing_sideways(page, step)
        assert small_tap_targets(page) == [], step
        assert_accessible(page)
        if step == "voorbeeld":
            assert page.get_by_text("komt in team Verkoop").is_visible()
            page.get_by_role("button", name="2 medewerker(s) importeren").tap()
            page.get_by_role("heading", name="Medewerkers geïmporteerd").wait_for()
    page.goto("/beheer/medewerkers/toevoegen")
    page.get_by_role("button", name="Medewerker toevoegen").tap()  # empty: the error summary
    page.get_by_text("Controleer het formulier").wait_for()
    nothing_sideways(page, "fouten")
    assert_accessible(page)
    page.get_by_label("Naam").fill("Nina Nieuw")
    page.get_by_label("E-mailadres").fill("nina.met.een.lang.adres@voorbeeldbedrijf.example.nl")
    page.get_by_role("button", name="Medewerker toevoegen").tap()
    page.get_by_role("heading", name="Uitnodiging voor Nina Nieuw").wait_for()
    nothing_sideways(page, "uitnodiging")
    assert_accessible(page)


def test_the_menu_takes_one_row_on_a_phone_and_opens_with_a_tap(phone_page, beheer_world):
    page = phone_page
    log_in(page, beheer_world["hr"].email, tap=True)
    page.goto("/beheer/voortgang")
    menu = page.locator(".beheer-menu")
    assert menu.bounding_box()["height"] <= 60
    assert "Menu Beheer: Voortgang" in page.locator(".beheer-menu summary").inner_text()
    assert not page.get_by_role("link", name="Herinneringen").is_visible()
    page.locator(".beheer-menu summary").tap()
    page.get_by_role("link", name="Herinneringen").tap()
    page.get_by_role("heading", name="Herinneringen", exact=True).wait_for()
    assert "Menu Beheer: Herinneringen" in page.locator(".beheer-menu summary").inner_text()


def test_the_menu_is_one_row_of_links_on_a_desktop(desktop_page, beheer_world):
    page = desktop_page
    log_in(page, beheer_world["hr"].email)
    page.goto("/beheer/voortgang")
    assert page.get_by_role("link", name="Herinneringen").is_visible()
    assert not page.locator(".beheer-menu summary").is_visible()
    tops = {
        round(b["y"])
        for b in page.locator(".beheer-menu li").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect())"
        )
    }
    assert len(tops) <= 2  # one row (two at most on a narrower desktop)


def test_a_team_leads_pages_fit_a_phone(phone_page, beheer_world):
    page, world = phone_page, beheer_world
    log_in(page, world["lead"].email, tap=True)
    page.locator(".account-menu summary").tap()
    page.get_by_role("link", name="Beheer").tap()
    page.get_by_text("Je bent teamleider van").wait_for()
    for url in [
        "/beheer/",
        "/beheer/voortgang",
        "/beheer/vragen-inzicht",
        "/beheer/toewijzingen/nieuw",
        f"/beheer/medewerkers/{world['people'][0].id}",
    ]:
        page.goto(url)
        nothing_sideways(page, url)
        assert small_tap_targets(page) == [], url
        assert_accessible(page)


# --- The people picker -------------------------------------------------------------------------


def many(app, n: int, prefix: str) -> list[int]:
    with app.app_context():
        users = [
            User(
                email=f"{prefix.lower()}{i:03d}@example.nl",
                name=f"{prefix} {i:03d}",
                role=Role.LEARNER.value,
            )
            for i in range(n)
        ]
        db.session.add_all(users)
        db.session.commit()
        return [u.id for u in users]


def assigned_people(app) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(sa.select(Assignment.user_id).where(Assignment.user_id.is_not(None)))
        )


def test_assign_with_search_and_select_all(phone_page, app, make_user):
    hr = make_user(name="Hanna HR", role="hr")
    anouks = many(app, 30, "Anouk")
    berts = many(app, 5, "Bert")
    page = phone_page
    log_in(page, hr.email, tap=True)
    page.goto("/beheer/toewijzingen/nieuw")
    page.get_by_label("Alfa: de testmethode").check()
    page.get_by_label("Medewerkers", exact=True).check()
    assert not page.get_by_label("Team", exact=True).is_visible()  # only the chosen part
    search = page.get_by_label("Zoek op naam of e-mailadres")
    search.fill("bert 00")
    page.get_by_text("5 gevonden voor ‘bert 00’.").wait_for()  # no reload: typed and fetched
    page.get_by_label("Bert 002").check()
    search.fill("anouk")
    page.get_by_text("30 gevonden voor ‘anouk’, pagina 1 van 2.").wait_for()
    assert page.get_by_label("Bert 002").is_checked()  # kept under Gekozen
    assert page.get_by_text("Gekozen: 1").is_visible()
    page.get_by_label("Alle 30 gevonden medewerkers kiezen").check()
    assert page.get_by_label("Anouk 000").is_checked()  # the page's boxes follow
    page.get_by_label("Deadline").fill((TODAY + dt.timedelta(days=9)).isoformat())
    nothing_sideways(page, "picker")
    assert_accessible(page)
    page.get_by_role("button", name="Module toewijzen").tap()
    page.get_by_role("heading", name="Toewijzingen").wait_for()
    assert assigned_people(app) == {*anouks, berts[2]}


def test_assign_with_search_and_select_all_without_javascript(browser, live_server, app, make_user):
    hr = make_user(name="Hanna HR", role="hr")
    anouks = many(app, 30, "Anouk")
    many(app, 5, "Bert")
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    log_in(page, hr.email)
    page.goto("/beheer/toewijzingen/nieuw")
    page.get_by_label("Bèta: nog een methode").check()
    page.get_by_label("Medewerkers", exact=True).check()
    page.get_by_label("Zoek op naam of e-mailadres").fill("anouk")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_text("30 gevonden voor ‘anouk’, pagina 1 van 2.").wait_for()
    assert page.get_by_label("Bèta: nog een methode").is_checked()  # kept
    page.get_by_label("Anouk 029").wait_for(state="detached")  # on page 2
    page.get_by_role("button", name="Volgende pagina medewerkers").click()
    page.get_by_label("Anouk 029").check()
    page.get_by_label("Alle 30 gevonden medewerkers kiezen").check()
    page.get_by_label("Deadline").fill((TODAY + dt.timedelta(days=9)).isoformat())
    page.get_by_role("button", name="Module toewijzen").click()
    page.get_by_role("heading", name="Toewijzingen").wait_for()
    assert assigned_people(app) == set(anouks)
    context.close()


# --- Copy, print -------------------------------------------------------------------------------


def test_the_copy_button_copies_the_invitation_link(browser, live_server, make_user):
    hr = make_user(name="Hanna HR", role="hr")
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    log_in(page, hr.email)
    page.goto("/beheer/medewerkers/importeren")
    page.get_by_label("CSV-bestand").set_input_files(
        {
            "name": "m.csv",
            "mimeType": "text/csv",
            "buffer": b"naam;e-mail;team\nAnna;anna@example.nl;\nBert;bert@example.nl;\n",
        }
    )
    page.get_by_role("button", name="Voorbeeld bekijken").click()
    page.get_by_role("button", name="2 medewerker(s) importeren").click()
    link = page.get_by_label("Uitnodigingslink voor Bert").input_value()
    page.get_by_role("button", name="Kopieer de link voor Bert").click()
    page.get_by_text("Gekopieerd.").wait_for(state="attached")
    assert page.evaluate("navigator.clipboard.readText()") == link
    with page.expect_download() as download:
        page.get_by_role("button", name="Download links (CSV)").click()
    assert link in download.value.path().read_text(encoding="utf-8-sig")
    context.close()


def test_voortgang_prints_with_its_pictures(desktop_page, beheer_world):
    page = desktop_page
    log_in(page, beheer_world["hr"].email)
    page.goto("/beheer/voortgang")
    page.emulate_media(media="print")
    assert page.locator(".chart svg").first.is_visible()
    assert not page.locator(".beheer-nav").is_visible()
    assert not page.get_by_role("button", name="Filteren").is_visible()
    assert page.locator("table.totals").is_visible()  # the text alternative prints too


def test_paged_lists_fit_a_phone(phone_page, app, make_user):
    """Voortgang and Herinneringen past a hundred people: the Vorige / Volgende links (one
    pager macro) on a phone."""
    hr = make_user(name="Hanna HR", email="hanna@example.nl", role="hr")
    with app.app_context():
        people = [User(email=f"p{n:03d}@example.nl", name=f"Persoon {n:03d}") for n in range(105)]
        db.session.add_all(people)
        db.session.flush()
        team = Team(name="Allemaal")
        db.session.add(team)
        db.session.flush()
        db.session.add_all(Membership(user_id=p.id, team_id=team.id) for p in people)
        db.session.add(
            Assignment(module_slug="alpha", team_id=team.id, due_date=TODAY + dt.timedelta(days=1))
        )
        db.session.commit()
    page = phone_page
    log_in(page, hr.email, tap=True)
    for url in ("/beheer/voortgang", "/beheer/herinneringen?dag=morgen"):
        page.goto(url)
        page.get_by_role("link", name="Volgende").tap()
        page.wait_for_url("**pagina=2**")
        assert page.get_by_role("link", name="Vorige").is_visible()
        nothing_sideways(page, page.url)
        assert small_tap_targets(page) == [], page.url
        assert_accessible(page)
