"""Beheer is for hr and admin only: the page, the menu link, hostile ids (the access matrix
for every route and role is in test_trust_routes.py)."""

import pytest


def test_every_beheer_url_lives_under_beheer(app):
    """What each role gets on every Beheer route: the access matrix in test_trust_routes.py."""
    paths = [rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("hr.")]
    assert len(paths) >= 20
    assert all(path.startswith("/beheer") for path in paths), paths


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_admin_open_beheer(client, login_as, role):
    login_as(role)
    response = client.get("/beheer/")
    assert response.status_code == 200
    assert "<h1>Beheer</h1>" in response.text
    assert response.headers["Cache-Control"] == "no-store"
    menu = client.get("/")
    assert 'href="/beheer/"' in menu.text


def test_learner_sees_no_beheer_link(client, login_as):
    login_as("learner")
    assert 'href="/beheer/"' not in client.get("/").text


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/beheer/medewerkers/99999999999999999999", 404),
        ("/beheer/teams/99999999999999999999", 404),
        ("/beheer/teams/1/leden/99999999999999999999/verwijderen", 404),
        ("/beheer/toewijzingen/99999999999999999999", 404),
        ("/beheer/medewerkers?pagina=99999999999999999999&team=99999999999999", 200),
        ("/beheer/medewerkers?pagina=-3&team=abc", 200),
        ("/beheer/logboek?pagina=99999999999999999999", 200),
        ("/beheer/voortgang?team=999999999999", 400),
        ("/beheer/toewijzingen/nieuw?team=99999999999999999999", 200),
    ],
)
def test_hostile_numbers_never_reach_the_database_as_500(client, login_as, url, status):
    login_as("admin")
    assert client.get(url).status_code == status
