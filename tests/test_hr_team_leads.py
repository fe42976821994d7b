"""Teamleider: HR and admins set who leads a team (audited); a lead sees Voortgang, person
pages and Vragen-inzicht of their own teams only and assigns modules to them, nothing else.
(tests/test_trust_routes.py holds every route's outcome for a lead of the person's own team
and of another team.)"""

import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.models import Assignment, AuditEntry, TeamLead
from tests.conftest import log_in
from tests.hr_helpers import TODAY, audit_actions, count, smtp_server

NEXT_WEEK = (TODAY + dt.timedelta(days=7)).isoformat()


@pytest.fixture
def teams(app, make_user, make_team, make_assignment, make_attempt):
    """Zon (Anna, Bert) and Maan (Mo), alpha assigned to both; Lea leads Zon."""
    anna = make_user(name="Anna Zon", email="anna@example.nl")
    bert = make_user(name="Bert Zon", email="bert@example.nl")
    mo = make_user(name="Mo Maan", email="mo@example.nl")
    lea = make_user(name="Lea Leider", email="lea@example.nl")
    zon, maan = make_team("Zon", [anna, bert]), make_team("Maan", [mo])
    make_assignment("alpha", team_id=zon)
    make_assignment("alpha", team_id=maan)
    make_attempt(anna.id, answers={"eerste-stap": ("b", 0.0)}, passed=False, score=0)
    make_attempt(mo.id, answers={"eerste-stap": ("c", 0.0)}, passed=False, score=0)
    make_attempt(mo.id, answers={"eerste-stap": ("c", 0.0)}, passed=False, score=0)
    with app.app_context():
        db.session.add(TeamLead(user_id=lea.id, team_id=zon))
        db.session.commit()
    return {"anna": anna, "bert": bert, "mo": mo, "lea": lea, "zon": zon, "maan": maan}


@pytest.fixture
def lead(app, teams):
    client = app.test_client()
    assert log_in(client, "lea@example.nl").status_code == 302
    return client


def test_hr_sets_and_removes_a_team_lead_on_the_team_page(client, app, hr, make_user, make_team):
    lea = make_user(name="Lea Leider", email="lea@example.nl")
    team = make_team("Zon")
    page = client.post(f"/beheer/teams/{team}/teamleiders", data={"email": " LEA@example.nl "})
    assert page.status_code == 302
    assert "Lea Leider" in client.get(f"/beheer/teams/{team}").text
    assert count(app, TeamLead) == 1
    again = client.post(f"/beheer/teams/{team}/teamleiders", data={"email": "lea@example.nl"})
    assert again.status_code == 422 and "is al teamleider van Zon" in again.text
    confirm = client.get(f"/beheer/teams/{team}/teamleiders/{lea.id}/verwijderen")
    assert "Lea Leider als teamleider van Zon weghalen?" in confirm.text
    assert count(app, TeamLead) == 1  # asking changes nothing
    client.post(f"/beheer/teams/{team}/teamleiders/{lea.id}/verwijderen")
    assert count(app, TeamLead) == 0
    assert audit_actions(app) == ["team.teamleider_toegevoegd", "team.teamleider_verwijderd"]
    with app.app_context():
        details = db.session.scalars(sa.select(AuditEntry.detail)).all()
    assert details == ["Zon: Lea Leider <lea@example.nl>"] * 2


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Vul dit veld in."),
        ("geen-adres", "Vul een geldig e-mailadres in"),
        ("niemand@example.nl", "Er is geen account met dit e-mailadres."),
        ("weg@example.nl", "is gedeactiveerd"),
        ("x" * 300 + "@example.nl", "hooguit 254 tekens"),
        ("lea\u202e@example.nl", "tekens die niet zijn toegestaan"),
    ],
)
def test_setting_a_lead_refuses_bad_input(client, app, hr, make_user, make_team, email, message):
    make_user(email="weg@example.nl", active=False)
    team = make_team("Zon")
    page = client.post(f"/beheer/teams/{team}/teamleiders", data={"email": email})
    assert page.status_code == 422
    assert message in page.text
    assert count(app, TeamLead) == 0 and audit_actions(app) == []


def test_a_lead_sees_beheer_in_the_menu_with_only_their_pages(lead, teams, make_user, app):
    home = lead.get("/").text
    assert 'href="/beheer/"' in home
    start = lead.get("/beheer/").text
    assert "Je bent teamleider van <strong>Zon</strong>" in start
    begin = start.index('aria-label="Beheer"')
    nav = start[begin : start.index("</nav>", begin)]
    assert re.findall(r">([^<>]+)</a>", nav) == [
        "Beheer",
        "Voortgang",
        "Vragen-inzicht",
        "Module toewijzen",
    ]
    learner = app.test_client()
    log_in(learner, teams["anna"].email)
    assert 'href="/beheer/"' not in learner.get("/").text


def test_a_lead_sees_only_their_team_in_voortgang_and_the_csv(lead, teams):
    page = lead.get("/beheer/voortgang").text
    assert "Anna Zon" in page and "Bert Zon" in page and "Mo Maan" not in page
    assert "2 medewerker(s)" in page
    assert re.search(r'<option value="\d+">Zon</option>', page)
    assert ">Maan</option>" not in page
    data = lead.get("/beheer/voortgang.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert sorted(r[0] for r in rows[1:]) == ["Anna Zon", "Bert Zon"]
    other = lead.get(f"/beheer/voortgang?team={teams['maan']}")
    assert other.status_code == 400 and "Mo Maan" not in other.text
    assert lead.get(f"/beheer/voortgang.csv?team={teams['maan']}").status_code == 400


def test_a_lead_sees_vragen_inzicht_of_their_team_only(lead, teams, client, hr):
    mine = lead.get("/beheer/vragen-inzicht?module=alpha").text
    assert "Uitleggen" in mine and "Ophangen" not in mine  # Mo's wrong answer is not counted
    everyone = client.get("/beheer/vragen-inzicht?module=alpha").text
    assert "Ophangen" in everyone
    assert lead.get(f"/beheer/vragen-inzicht?team={teams['maan']}").status_code == 400


def test_a_lead_opens_person_pages_of_their_members_only(lead, teams):
    page = lead.get(f"/beheer/medewerkers/{teams['anna'].id}")
    assert page.status_code == 200 and "Anna Zon" in page.text
    assert "Deactiveren" not in page.text and "Nieuwe uitnodigingslink" not in page.text
    assert "Stuur nu" not in page.text and 'href="/beheer/teams/' not in page.text
    assert lead.get(f"/beheer/medewerkers/{teams['mo'].id}").status_code == 404
    assert lead.get(f"/beheer/medewerkers/{teams['lea'].id}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/beheer/medewerkers",
        "/beheer/teams",
        "/beheer/toewijzingen",
        "/beheer/herinneringen",
        "/beheer/logboek",
        "/beheer/medewerkers/toevoegen",
        "/beheer/medewerkers/importeren",
        "/beheer/export/",
    ],
)
def test_a_lead_gets_nothing_else(lead, teams, path):
    response = lead.get(path)
    assert response.status_code in (403, 404)
    if response.status_code == 403:
        assert "Geen toegang" in response.text


def test_a_lead_assigns_to_their_own_team_only(lead, teams, app):
    page = lead.get("/beheer/toewijzingen/nieuw").text
    assert ">Zon</option>" in page and ">Maan</option>" not in page
    assert 'name="people"' not in page  # no people picker
    form = {"modules": ["beta"], "target": "team", "due_date": NEXT_WEEK, "actie": "toewijzen"}
    refused = lead.post("/beheer/toewijzingen/nieuw", data={**form, "team": str(teams["maan"])})
    assert refused.status_code == 422 and "Ongeldige keuze" in refused.text
    to_people = lead.post(
        "/beheer/toewijzingen/nieuw",
        data={**form, "target": "people", "people": [str(teams["mo"].id)]},
    )
    assert to_people.status_code == 422
    assert count(app, Assignment, Assignment.module_slug == "beta") == 0
    done = lead.post("/beheer/toewijzingen/nieuw", data={**form, "team": str(teams["zon"])})
    assert done.status_code == 302 and done.location.endswith("/beheer/voortgang")
    with app.app_context():
        beta = db.session.scalar(sa.select(Assignment).where(Assignment.module_slug == "beta"))
        assert beta.team_id == teams["zon"] and beta.created_by_id == teams["lea"].id
    assert audit_actions(app)[-1] == "toewijzing.opgeslagen"


def test_a_leads_assignment_mails_their_team(make_app, teams, make_user):
    with smtp_server() as (port, inbox):
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        client = app.test_client()
        log_in(client, "lea@example.nl")
        form = {
            "modules": ["beta"],
            "target": "team",
            "team": str(teams["zon"]),
            "due_date": NEXT_WEEK,
            "actie": "toewijzen",
        }
        assert client.post("/beheer/toewijzingen/nieuw", data=form).status_code == 302
        assert sorted(inbox.recipients()) == ["anna@example.nl", "bert@example.nl"]


def test_losing_the_lead_or_the_team_ends_access_at_once(lead, teams, client, hr):
    assert lead.get("/beheer/voortgang").status_code == 200
    client.post(f"/beheer/teams/{teams['zon']}/teamleiders/{teams['lea'].id}/verwijderen")
    assert lead.get("/beheer/voortgang").status_code == 403
    assert 'href="/beheer/"' not in lead.get("/").text


def test_a_lead_of_two_teams_sees_both(app, lead, teams, client, hr):
    client.post(f"/beheer/teams/{teams['maan']}/teamleiders", data={"email": "lea@example.nl"})
    page = lead.get("/beheer/voortgang").text
    assert "Anna Zon" in page and "Mo Maan" in page
    only_maan = lead.get(f"/beheer/voortgang?team={teams['maan']}").text
    assert "Mo Maan" in only_maan and "Anna Zon" not in only_maan
    assert lead.get(f"/beheer/medewerkers/{teams['mo'].id}").status_code == 200
