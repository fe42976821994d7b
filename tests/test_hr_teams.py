"""Teams and Module toewijzen: create, rename, members, delete, assign with a Deadline."""

import datetime as dt

import pytest

from klantwijs.learning.assigned import assigned_to
from klantwijs.models import Assignment, Attempt, Membership, Team
from tests.hr_helpers import TODAY, audit_actions, count

NEXT_WEEK = (TODAY + dt.timedelta(days=7)).isoformat()


def assignments_for_user(user_id):
    """The modules assigned to one person, by deadline."""
    return sorted(assigned_to(user_id).values(), key=lambda a: (a.due_date, a.module_slug))


def test_create_rename_and_list_teams(client, app, hr):
    response = client.post("/beheer/teams", data={"name": "  Verkoop "})
    assert response.status_code == 302
    team_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert "Team Verkoop" in client.get(f"/beheer/teams/{team_id}").text
    duplicate = client.post("/beheer/teams", data={"name": "verkoop"})
    assert duplicate.status_code == 422
    assert "Er is al een team met deze naam." in duplicate.text
    assert (
        client.post(f"/beheer/teams/{team_id}/naam", data={"name": "Binnendienst"}).status_code
        == 302
    )
    assert "Binnendienst" in client.get("/beheer/teams").text
    empty = client.post(f"/beheer/teams/{team_id}/naam", data={"name": " "})
    assert empty.status_code == 422 and "Vul dit veld in." in empty.text
    assert audit_actions(app) == ["team.aangemaakt", "team.hernoemd"]


def test_add_and_remove_members_with_confirmation(client, app, hr, make_user, make_team):
    anna, bert = make_user(name="Anna"), make_user(name="Bert")
    team_id = make_team("Verkoop")
    response = client.post(
        f"/beheer/teams/{team_id}/leden", data={"people": [str(anna.id), str(bert.id)]}
    )
    assert response.status_code == 302
    assert count(app, Membership, Membership.team_id == team_id) == 2
    nobody = client.post(f"/beheer/teams/{team_id}/leden", data={})
    assert nobody.status_code == 422 and "Kies minstens één medewerker." in nobody.text
    unknown = client.post(f"/beheer/teams/{team_id}/leden", data={"people": ["99999"]})
    assert unknown.status_code == 422
    confirm = client.get(f"/beheer/teams/{team_id}/leden/{anna.id}/verwijderen")
    assert "Anna uit Verkoop halen?" in confirm.text
    assert count(app, Membership, Membership.team_id == team_id) == 2
    client.post(f"/beheer/teams/{team_id}/leden/{anna.id}/verwijderen")
    assert count(app, Membership, Membership.team_id == team_id) == 1
    assert audit_actions(app) == ["team.leden_toegevoegd", "team.lid_verwijderd"]


def test_delete_team_keeps_people_and_attempts(
    client, app, hr, make_user, make_team, make_assignment, make_attempt
):
    anna = make_user()
    team_id = make_team("Verkoop", [anna])
    make_assignment("alpha", team_id=team_id)
    make_attempt(anna.id)
    assert "Team Verkoop verwijderen?" in client.get(f"/beheer/teams/{team_id}/verwijderen").text
    assert count(app, Team) == 1
    client.post(f"/beheer/teams/{team_id}/verwijderen")
    assert count(app, Team) == 0
    assert count(app, Assignment) == 0
    assert count(app, Attempt) == 1
    assert audit_actions(app) == ["team.verwijderd"]


def test_assign_modules_to_a_team_reaches_later_members(client, app, hr, make_user, make_team):
    anna, later = make_user(), make_user()
    team_id = make_team("Verkoop", [anna])
    response = client.post(
        "/beheer/toewijzingen/nieuw",
        data={
            "modules": ["alpha", "beta"],
            "target": "team",
            "team": str(team_id),
            "due_date": NEXT_WEEK,
        },
    )
    assert response.status_code == 302, response.text
    assert count(app, Assignment) == 2
    client.post(f"/beheer/teams/{team_id}/leden", data={"people": [str(later.id)]})
    with app.app_context():
        assert [a.module_slug for a in assignments_for_user(later.id)] == ["alpha", "beta"]
    page = client.get("/beheer/toewijzingen")
    assert "team Verkoop" in page.text
    assert "toewijzing.opgeslagen" in audit_actions(app)


def test_assign_to_people_and_again_updates_deadline(client, app, hr, make_user):
    anna = make_user()
    data = {
        "modules": ["alpha"],
        "target": "people",
        "people": [str(anna.id)],
        "due_date": NEXT_WEEK,
    }
    client.post("/beheer/toewijzingen/nieuw", data=data)
    later = (TODAY + dt.timedelta(days=20)).isoformat()
    response = client.post("/beheer/toewijzingen/nieuw", data={**data, "due_date": later})
    assert response.status_code == 302
    assert count(app, Assignment) == 1
    with app.app_context():
        assert assignments_for_user(anna.id)[0].due_date.isoformat() == later


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"modules": []}, "Kies minstens één module."),
        ({"modules": ["bestaat-niet"]}, "bestaat niet (meer)"),
        ({"team": ""}, "Kies een team."),
        ({"team": "99999"}, "Ongeldige keuze"),
        ({"target": "people"}, "Kies minstens één medewerker."),
        ({"target": "iedereen"}, "Ongeldige keuze"),
        ({"due_date": ""}, "Kies een Deadline."),
        ({"due_date": "morgen"}, "Ongeldige datum"),
        ({"due_date": "2001-01-01"}, "vanaf vandaag"),
        ({"due_date": "2999-01-01"}, "binnen drie jaar"),
    ],
)
def test_assign_bad_input_writes_nothing(client, app, hr, data, message, make_team):
    team_id = make_team("Verkoop")
    form = {"modules": ["alpha"], "target": "team", "team": str(team_id), "due_date": NEXT_WEEK}
    response = client.post("/beheer/toewijzingen/nieuw", data={**form, **data})
    assert response.status_code == 422
    assert message in response.text
    assert count(app, Assignment) == 0
    assert audit_actions(app) == []


def test_change_and_remove_assignment_are_recorded(client, app, hr, make_team, make_assignment):
    team_id = make_team("Verkoop")
    assignment_id = make_assignment("alpha", team_id=team_id)
    page = client.get(f"/beheer/toewijzingen/{assignment_id}")
    assert "Deadline wijzigen" in page.text
    later = (TODAY + dt.timedelta(days=30)).isoformat()
    assert (
        client.post(f"/beheer/toewijzingen/{assignment_id}", data={"due_date": later}).status_code
        == 302
    )
    confirm = client.get(f"/beheer/toewijzingen/{assignment_id}/verwijderen")
    assert "Toewijzing verwijderen?" in confirm.text
    assert count(app, Assignment) == 1
    client.post(f"/beheer/toewijzingen/{assignment_id}/verwijderen")
    assert count(app, Assignment) == 0
    assert audit_actions(app) == ["toewijzing.gewijzigd", "toewijzing.verwijderd"]


def test_pages_render(client, app, hr, make_user, make_team, make_assignment):
    anna = make_user()
    team_id = make_team("Verkoop", [anna])
    assignment_id = make_assignment("alpha", team_id=team_id)
    for url in [
        "/beheer/",
        "/beheer/medewerkers",
        f"/beheer/medewerkers?q=medewerker&team={team_id}",
        f"/beheer/medewerkers/{anna.id}",
        "/beheer/teams",
        f"/beheer/teams/{team_id}",
        "/beheer/toewijzingen",
        "/beheer/toewijzingen/nieuw",
        f"/beheer/toewijzingen/nieuw?team={team_id}",
        f"/beheer/toewijzingen/{assignment_id}",
        "/beheer/medewerkers/importeren",
        "/beheer/voortgang",
        "/beheer/vragen-inzicht",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
