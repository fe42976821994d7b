"""Beheer is for hr and admin only: learners get 403 and anonymous visitors the login page."""

import pytest

from tests.hr_helpers import login_as


def beheer_urls(app):
    """Every /beheer rule with its methods, ids filled in with 1."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("hr."):
            path = rule.rule.replace("<int:user_id>", "1").replace("<int:team_id>", "1")
            path = path.replace("<int:assignment_id>", "1")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                urls.append((method, path))
    return urls


def test_every_beheer_url_is_listed(app):
    urls = beheer_urls(app)
    assert len(urls) >= 30
    assert all(path.startswith("/beheer") for _, path in urls)


def test_learner_gets_403_on_every_beheer_url(app, client, make_user):
    login_as(make_user, client, role="learner")
    for method, path in beheer_urls(app):
        response = client.open(path, method=method)
        assert response.status_code == 403, (method, path)
        assert "Geen toegang" in response.text


def test_anonymous_visitor_is_sent_to_login_on_every_beheer_url(app, client):
    for method, path in beheer_urls(app):
        response = client.open(path, method=method)
        assert response.status_code == 302, (method, path)
        assert "/inloggen" in response.headers["Location"]


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_admin_open_beheer(client, make_user, role):
    login_as(make_user, client, role=role)
    response = client.get("/beheer/")
    assert response.status_code == 200
    assert "<h1>Beheer</h1>" in response.text
    assert response.headers["Cache-Control"] == "no-store"
    menu = client.get("/")
    assert 'href="/beheer/"' in menu.text


def test_learner_sees_no_beheer_link(client, make_user):
    login_as(make_user, client, role="learner")
    assert 'href="/beheer/"' not in client.get("/").text


def test_only_admin_sees_the_audit_log(client, app, make_user):
    login_as(make_user, client, role="hr")
    assert client.get("/beheer/logboek").status_code == 403
    admin_client = app.test_client()
    login_as(make_user, admin_client, role="admin")
    assert admin_client.get("/beheer/logboek").status_code == 200


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
def test_hostile_numbers_never_reach_the_database_as_500(client, make_user, url, status):
    login_as(make_user, client, role="admin")
    assert client.get(url).status_code == status
