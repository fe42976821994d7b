"""HR on a desktop: import, assign to a team, a learner sets a password, HR sees Geslaagd."""

import csv
import datetime as dt
import io
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import User
from tests.browser.helpers import assert_accessible, log_in
from tests.conftest import PASSWORD
from tests.hr_helpers import TODAY

pytestmark = pytest.mark.browser

CSV_FILE = (
    b"naam;e-mail;team\n"
    b"Anna de Vries;anna@example.nl;Verkoop\n"
    b"Bert Jansen;bert@example.nl;Verkoop\n"
    b"Kees;geen-adres;Verkoop\n"
)


def test_import_assign_invite_and_report(
    browser, live_server, desktop_page, app, make_user, make_attempt
):
    hr = make_user(name="Hanna HR", role="admin")
    page = desktop_page
    log_in(page, hr.email)
    page.get_by_role("link", name="Beheer").click()  # in the header on a desktop
    page.get_by_role("heading", name="Beheer", exact=True).wait_for()
    assert_accessible(page)

    # Medewerkers importeren: preview with one bad row, then confirm.
    page.get_by_role("link", name="Medewerkers importeren").first.click()
    assert_accessible(page)
    page.get_by_label("CSV-bestand").set_input_files(
        {"name": "medewerkers.csv", "mimeType": "text/csv", "buffer": CSV_FILE}
    )
    page.get_by_role("button", name="Voorbeeld bekijken").click()
    page.get_by_role("heading", name="Medewerkers importeren: voorbeeld").wait_for()
    assert page.get_by_text("Dit is geen geldig e-mailadres.").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="2 medewerker(s) importeren").click()
    page.get_by_role("heading", name="Medewerkers geïmporteerd").wait_for()
    assert_accessible(page)
    link = page.get_by_label("Uitnodigingslink voor Anna de Vries").input_value()
    assert "/wachtwoord-instellen/" in link

    # Module toewijzen to team Verkoop with a Deadline.
    due = TODAY + dt.timedelta(days=10)
    page.goto("/beheer/toewijzingen/nieuw")
    assert_accessible(page)
    page.get_by_label("Alfa: de testmethode").check()
    page.get_by_label("Een team").check()
    page.get_by_label("Team", exact=True).select_option(label="Verkoop")
    page.get_by_label("Deadline").fill(due.isoformat())
    page.get_by_role("button", name="Module toewijzen").click()
    page.get_by_role("heading", name="Toewijzingen").wait_for()
    assert page.get_by_role("cell", name="team Verkoop", exact=True).is_visible()
    assert_accessible(page)

    # Anna sets her password from the invitation and logs in.
    learner = browser.new_context(base_url=live_server.url, locale="nl-NL")
    anna = learner.new_page()
    path = urlsplit(link).path  # the link names BASE_URL; the test server has its own port
    anna.goto(path)
    anna.get_by_role("heading", name="Wachtwoord instellen").wait_for()
    assert_accessible(anna)
    anna.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
    anna.get_by_label("Herhaal wachtwoord").fill(PASSWORD)
    anna.get_by_role("button", name="Wachtwoord instellen").click()
    anna.get_by_role("heading", name="Mijn cursus").wait_for()  # setting it logs her in
    assert anna.get_by_text("Je wachtwoord is ingesteld.").is_visible()
    assert anna.get_by_text("Alfa: de testmethode").first.is_visible()
    assert anna.get_by_text("Deadline").first.is_visible()
    anna.goto(path)  # the link works once
    anna.get_by_role("heading", name="Deze link werkt niet meer").wait_for()
    learner.close()

    # She passes the quiz (recorded as rows; the quiz itself has its own browser test).
    with app.app_context():
        anna_id = db.session.scalar(sa.select(User.id).where(User.email == "anna@example.nl"))
    make_attempt(anna_id, slug="alpha", score=5, max_score=5, passed=True)

    page.goto("/beheer/voortgang")
    row = page.get_by_role("row").filter(has_text="Anna de Vries")
    assert "Geslaagd" in row.inner_text()
    assert "beste score 100%" in row.inner_text()
    assert "Niet begonnen" in page.get_by_role("row").filter(has_text="Bert Jansen").inner_text()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    data = download_info.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    anna_row = next(r for r in rows if r[1] == "anna@example.nl")
    assert anna_row[2:4] == ["Verkoop", "Alfa: de testmethode"]
    assert anna_row[5] == due.isoformat()
    assert anna_row[6] == "Geslaagd"
    assert anna_row[7] == "100%"

    page.get_by_role("link", name="Anna de Vries").click()
    page.get_by_role("heading", name="Anna de Vries").wait_for()
    assert_accessible(page)
    for url in [
        "/beheer/medewerkers",
        "/beheer/teams",
        "/beheer/vragen-inzicht",
        "/beheer/logboek",
    ]:
        page.goto(url)
        assert_accessible(page)
    assert page.get_by_text("medewerkers.geimporteerd").is_visible()


# Every Beheer page on a phone (HR and Teamleider), the picker and the copy button:
# tests/browser/test_beheer_browser.py.
