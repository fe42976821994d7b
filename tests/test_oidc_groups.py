"""Teams from the directory: groups linked to teams in Beheer (/beheer/teams/groepen), and
memberships of linked teams that follow the groups claim of the real provider at each login."""

import pytest
import sqlalchemy as sa

from klantwijs.accounts.directory import groups_from_claim
from klantwijs.core.db import db
from klantwijs.models import AuditEntry, GroupTeam, Membership, Team, User
from tests.conftest import csrf_token_from
from tests.oidc.provider import oidc_fixture, oidc_server_fixture, sso_login  # noqa: F401 - fixtures
from tests.trust_helpers import row_counts


@pytest.fixture
def app(make_app, oidc):
    return make_app(**oidc.settings(OIDC_GROUPS_CLAIM="groups"))


def teams_of(app, email: str) -> list[str]:
    with app.app_context():
        return sorted(
            db.session.scalars(
                sa.select(Team.name).join(Membership).join(User).where(User.email == email)
            )
        )


def audit_details(app, prefix: str) -> list[str]:
    with app.app_context():
        return db.session.scalars(
            sa.select(AuditEntry.detail)
            .where(AuditEntry.action.startswith(prefix))
            .order_by(AuditEntry.id)
        ).all()


def link(app, group: str, team_id: int) -> None:
    with app.app_context():
        db.session.add(GroupTeam(group_name=group, team_id=team_id))
        db.session.commit()


def test_memberships_of_linked_teams_follow_the_claim_across_logins(
    app, oidc, make_team, make_assignment
):
    verkoop = make_team("Verkoop")
    service = make_team("Service")
    make_team("Handmatig")
    link(app, "verkoop-nl", verkoop)
    link(app, "verkoop-be", verkoop)
    link(app, "klantenservice", service)
    make_assignment(slug="beta", team_id=service)

    assert sso_login(app.test_client(), "anna").status_code == 302
    assert teams_of(app, "anna@bedrijf.nl") == ["Verkoop"]
    # HR puts her in an unlinked team by hand: the directory leaves that one alone.
    with app.app_context():
        anna = db.session.scalar(sa.select(User).where(User.email == "anna@bedrijf.nl"))
        handmatig = db.session.scalar(sa.select(Team.id).where(Team.name == "Handmatig"))
        db.session.add(Membership(user_id=anna.id, team_id=handmatig))
        db.session.commit()

    oidc.change("anna", groups=["klantenservice", "verkoop-be", "onbekend"])
    client = app.test_client()
    assert sso_login(client, "anna").status_code == 302
    assert teams_of(app, "anna@bedrijf.nl") == ["Handmatig", "Service", "Verkoop"]
    # The module assigned to Service reaches her as a new member.
    assert "/modules/beta" in client.get("/").text

    oidc.change("anna", groups=["klantenservice"])
    assert sso_login(app.test_client(), "anna").status_code == 302
    assert teams_of(app, "anna@bedrijf.nl") == ["Handmatig", "Service"]
    assert audit_details(app, "team.lid") == [
        "Verkoop: Anna de Vries <anna@bedrijf.nl> (groep verkoop-nl)",
        "Service: Anna de Vries <anna@bedrijf.nl> (groep klantenservice)",
        "Verkoop: Anna de Vries <anna@bedrijf.nl> (niet meer in een gekoppelde groep)",
    ]


def test_a_missing_groups_claim_changes_no_membership(app, oidc, make_team):
    """A provider that stops sending the claim (misconfigured, or too many groups for the
    token) must not empty the teams."""
    verkoop = make_team("Verkoop")
    link(app, "verkoop-nl", verkoop)
    sso_login(app.test_client(), "anna")
    del oidc.users["anna"]["claims"]["groups"]
    oidc.write()
    assert sso_login(app.test_client(), "anna").status_code == 302
    assert teams_of(app, "anna@bedrijf.nl") == ["Verkoop"]


def test_without_the_claim_setting_groups_are_ignored(make_app, oidc, make_team):
    app = make_app(**oidc.settings())
    link(app, "verkoop-nl", make_team("Verkoop"))
    sso_login(app.test_client(), "anna")
    assert teams_of(app, "anna@bedrijf.nl") == []


@pytest.mark.parametrize(
    ("value", "groups"),
    [
        (["a", " b ", "", 7, None, {"x": 1}], ["a", "b"]),
        ("enkel", ["enkel"]),
        (None, None),
        ({"groups": ["a"]}, None),
        (42, None),
        (["g"] * 10_000, ["g"] * 5000),
    ],
)
def test_odd_claim_values_are_read_safely(value, groups):
    assert groups_from_claim(value) == groups


# --- The Beheer page ------------------------------------------------------------------------


def test_hr_links_a_group_to_a_team_and_unlinks_it(app, hr, client, make_team):
    verkoop = make_team("Verkoop")
    page = client.get("/beheer/teams/groepen")
    assert page.status_code == 200
    assert "Er zijn nog geen groepen gekoppeld." in page.text
    assert "claim <code>groups</code>" in page.text
    response = client.post("/beheer/teams/groepen", data={"group": " verkoop-nl ", "team": verkoop})
    assert response.status_code == 302
    page = client.get("/beheer/teams/groepen")
    assert "Groep verkoop-nl is gekoppeld aan Verkoop." in page.text
    assert "<code>verkoop-nl</code>" in page.text
    again = client.post("/beheer/teams/groepen", data={"group": "verkoop-nl", "team": verkoop})
    assert again.status_code == 422
    assert "Groep verkoop-nl is al gekoppeld aan Verkoop." in again.text
    with app.app_context():
        link_id = db.session.scalar(sa.select(GroupTeam.id))
    confirm = client.get(f"/beheer/teams/groepen/ontkoppelen?koppeling={link_id}")
    assert "Groep verkoop-nl ontkoppelen van Verkoop?" in confirm.text
    assert row_counts(app)["group_teams"] == 1  # asking changes nothing
    response = client.post(f"/beheer/teams/groepen/ontkoppelen?koppeling={link_id}")
    assert response.status_code == 302
    assert row_counts(app)["group_teams"] == 0
    assert audit_details(app, "groep.") == ["verkoop-nl → Verkoop", "verkoop-nl → Verkoop"]
    assert client.post(f"/beheer/teams/groepen/ontkoppelen?koppeling={link_id}").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"group": "", "team": "1"}, "Vul dit veld in."),
        ({"group": "   ", "team": "1"}, "Vul dit veld in."),
        ({"group": "g" * 256, "team": "1"}, "Hooguit 255 tekens."),
        ({"group": "a\x00b", "team": "1"}, "tekens die niet zijn toegestaan"),
        ({"group": "\u202egroep", "team": "1"}, "tekens die niet zijn toegestaan"),
        ({"group": "g", "team": "999999"}, "Kies een team uit de lijst."),
        ({"group": "g", "team": "abc"}, "Kies een team uit de lijst."),
        ({"group": "g"}, "Kies een team uit de lijst."),
    ],
)
def test_bad_input_is_a_message_and_stores_nothing(app, hr, client, make_team, data, message):
    make_team("Verkoop")
    data = {**data}
    if data.get("team") == "1":
        with app.app_context():
            data["team"] = str(db.session.scalar(sa.select(Team.id)))
    response = client.post("/beheer/teams/groepen", data=data)
    assert response.status_code == 422
    assert row_counts(app)["group_teams"] == 0
    assert "Controleer het formulier" in response.text
    assert message in response.text


def test_without_teams_the_page_sends_hr_to_teams(hr, client):
    page = client.get("/beheer/teams/groepen")
    assert "Maak eerst een team aan" in page.text


def test_without_single_sign_on_the_page_says_links_wait(make_app, login_as):
    app = make_app()
    client = app.test_client()
    login_as("hr", client=client)
    page = client.get("/beheer/teams/groepen").text
    assert "Koppelingen werken pas als Inloggen met je werkaccount aanstaat" in page


def test_learners_and_strangers_cannot_link(app, make_team, login_as):
    verkoop = make_team("Verkoop")
    anonymous = app.test_client()
    assert (
        anonymous.post("/beheer/teams/groepen", data={"group": "x", "team": verkoop}).status_code
        == 302
    )
    learner = app.test_client()
    login_as("learner", client=learner)
    assert learner.get("/beheer/teams/groepen").status_code == 403
    assert (
        learner.post("/beheer/teams/groepen", data={"group": "x", "team": verkoop}).status_code
        == 403
    )
    assert row_counts(app)["group_teams"] == 0


def test_linking_needs_the_csrf_token(make_app, oidc, make_team, login_as):
    app = make_app(**oidc.settings(WTF_CSRF_ENABLED=True))
    client = app.test_client()
    login_as("hr", client=client)
    verkoop = make_team("Verkoop")
    response = client.post("/beheer/teams/groepen", data={"group": "x", "team": verkoop})
    assert response.status_code == 400
    token = csrf_token_from(client.get("/beheer/teams/groepen").text)
    response = client.post(
        "/beheer/teams/groepen", data={"group": "x", "team": verkoop, "csrf_token": token}
    )
    assert response.status_code == 302
    assert row_counts(app)["group_teams"] == 1


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?koppeling=",
        "?koppeling=abc",
        "?koppeling=-1",
        "?koppeling=99999999999999",
        "?koppeling=٣",
    ],
)
def test_unknown_or_hostile_links_are_not_found(app, hr, client, make_team, query):
    link(app, "verkoop-nl", make_team("Verkoop"))
    assert client.get(f"/beheer/teams/groepen/ontkoppelen{query}").status_code == 404
    assert client.post(f"/beheer/teams/groepen/ontkoppelen{query}").status_code == 404
    assert row_counts(app)["group_teams"] == 1
