"""Medewerkers: add with an invitation, deactivate, reactivate, roles; every change audited."""

import re

import pytest
import sqlalchemy as sa

from klantwijs.accounts.invitations import hash_token
from klantwijs.core.db import db
from klantwijs.models import AuditEntry, Invitation, Membership, User
from tests.conftest import log_in
from tests.hr_helpers import audit_actions, count, get_user

LINK = re.compile(r'value="(http://localhost/wachtwoord-instellen/([A-Za-z0-9_-]+))"')


def add(client, name="Anna de Vries", email="anna@example.nl", teams=()):
    return client.post(
        "/beheer/medewerkers/toevoegen",
        data={"name": name, "email": email, "teams": [str(t) for t in teams]},
    )


def test_add_person_creates_account_without_password_and_shows_link(client, app, hr, make_team):
    team_id = make_team("Verkoop")
    assert client.get("/beheer/medewerkers/toevoegen").status_code == 200
    response = add(client, email="  Anna@Example.NL ", teams=[team_id])
    assert response.status_code == 200
    link, token = LINK.search(response.text).groups()
    user = get_user(app, "anna@example.nl")
    assert user.password_hash is None and user.role == "learner" and user.active
    with app.app_context():
        invitation = db.session.scalar(sa.select(Invitation).where(Invitation.user_id == user.id))
        assert invitation.token_hash == hash_token(token) != token
        assert (invitation.expires_at - invitation.created_at).days == 7
        assert invitation.created_by_id == hr.id
    assert count(app, Membership, Membership.user_id == user.id) == 1
    assert audit_actions(app) == ["medewerker.toegevoegd"]
    people = client.get("/beheer/medewerkers")
    assert "Anna de Vries" in people.text and "Uitgenodigd" in people.text


def test_add_person_twice_is_refused(client, app, hr):
    add(client)
    response = add(client, email="ANNA@example.nl", name="Ander")
    assert response.status_code == 422
    assert "Er is al een account met dit e-mailadres." in response.text
    assert count(app, User) == 2  # hr + anna


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Vul dit veld in."),
        ({"name": "   "}, "Vul dit veld in."),
        ({"email": "geen-adres"}, "Vul een geldig e-mailadres in"),
        ({"email": "a" * 250 + "@x.nl"}, "hooguit 254 tekens"),
        ({"name": "N" * 101}, "hooguit 100 tekens"),
        ({"teams": ["999"]}, "bestaat niet (meer)"),
        ({"teams": ["abc"]}, "Ongeldige keuze"),
    ],
)
def test_add_person_bad_input_writes_nothing(client, app, hr, data, message):
    form = {"name": "Anna", "email": "anna@example.nl", "teams": [], **data}
    response = client.post("/beheer/medewerkers/toevoegen", data=form)
    assert response.status_code == 422
    assert message in response.text
    assert count(app, User) == 1
    assert audit_actions(app) == []


def test_huge_form_is_refused_with_a_dutch_page(client, app, hr):
    response = client.post(
        "/beheer/medewerkers/toevoegen", data={"name": "x" * (3 * 1024 * 1024), "email": "a@b.nl"}
    )
    assert response.status_code == 413
    assert "te groot" in response.text
    assert count(app, User) == 1


def test_user_text_is_escaped_everywhere(client, app, hr):
    evil = '<script>alert("x")</script>'
    add(client, name=evil)
    user = get_user(app, "anna@example.nl")
    for url in ["/beheer/medewerkers", f"/beheer/medewerkers/{user.id}"]:
        text = client.get(url).text
        assert evil not in text
        assert "&lt;script&gt;" in text


def test_deactivate_needs_confirmation_and_stops_login(client, app, hr, make_user):
    person = make_user(name="Bert")
    other = app.test_client()
    log_in(other, person.email)
    assert other.get("/").status_code == 200
    confirm = client.get(f"/beheer/medewerkers/{person.id}/deactiveren")
    assert "Bert deactiveren?" in confirm.text
    assert get_user(app, person.email).active  # the GET changed nothing
    response = client.post(f"/beheer/medewerkers/{person.id}/deactiveren")
    assert response.status_code == 302
    assert not get_user(app, person.email).active
    assert "Inloggen" in other.get("/", follow_redirects=True).text  # session ended
    login = log_in(app.test_client(), person.email)
    assert login.status_code == 403
    assert "gedeactiveerd" in login.text
    assert "inactief" in client.get(f"/beheer/medewerkers/{person.id}").text
    client.post(f"/beheer/medewerkers/{person.id}/activeren")
    assert get_user(app, person.email).active
    assert audit_actions(app) == ["medewerker.gedeactiveerd", "medewerker.geactiveerd"]


def test_hr_cannot_deactivate_self_or_an_admin(client, app, hr, make_user):
    admin = make_user(role="admin")
    client.post(f"/beheer/medewerkers/{hr.id}/deactiveren")
    client.post(f"/beheer/medewerkers/{admin.id}/deactiveren")
    assert get_user(app, hr.email).active and get_user(app, admin.email).active
    assert audit_actions(app) == []


def test_only_admin_changes_roles(client, app, hr, make_user, login_as):
    person = make_user()
    assert (
        client.post(f"/beheer/medewerkers/{person.id}/rol", data={"role": "admin"}).status_code
        == 403
    )
    assert "Rol opslaan" not in client.get(f"/beheer/medewerkers/{person.id}").text
    admin_client = app.test_client()
    admin = login_as("admin", admin_client)
    response = admin_client.post(f"/beheer/medewerkers/{person.id}/rol", data={"role": "hr"})
    assert response.status_code == 302
    assert get_user(app, person.email).role == "hr"
    admin_client.post(f"/beheer/medewerkers/{admin.id}/rol", data={"role": "learner"})
    assert get_user(app, admin.email).role == "admin"
    bad = admin_client.post(f"/beheer/medewerkers/{person.id}/rol", data={"role": "koning"})
    assert bad.status_code == 400
    assert audit_actions(app) == ["rol.gewijzigd"]


def test_audit_log_shows_who_what_when_escaped(client, app, login_as):
    admin = login_as("admin")
    add(client, name="<b>Anna</b>")
    log = client.get("/beheer/logboek")
    assert "medewerker.toegevoegd" in log.text
    assert admin.name in log.text
    assert "&lt;b&gt;Anna&lt;/b&gt;" in log.text
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry))
        assert entry.actor_id == admin.id and entry.created_at is not None


def test_unknown_person_is_404(client, hr):
    assert client.get("/beheer/medewerkers/99999").status_code == 404


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/beheer/teams", "name"),
        ("/beheer/medewerkers/toevoegen", "email"),
        ("/beheer/medewerkers/toevoegen", "teams"),
        ("/beheer/toewijzingen/nieuw", "due_date"),
        ("/beheer/medewerkers/importeren/bevestigen", "payload"),
    ],
)
def test_a_file_posted_as_a_text_field_is_a_422_not_a_crash(client, app, hr, path, field):
    import io

    response = client.post(
        path, data={field: (io.BytesIO(b"=1+1"), "x.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert count(app, User) == 1
    assert audit_actions(app) == []


def test_a_file_posted_as_the_password_is_refused(client, app, hr):
    import io

    token = LINK.search(add(client).text).group(2)
    response = app.test_client().post(
        f"/wachtwoord-instellen/{token}",
        data={"password": (io.BytesIO(b"x"), "x.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert get_user(app, "anna@example.nl").password_hash is None


def test_a_simultaneous_duplicate_is_refused_not_a_crash(app, make_user, monkeypatch):
    """Two HR officers add the same e-mail at once: the check passes for both, the insert not."""
    from klantwijs.hr import people, teams
    from klantwijs.hr.errors import HrError

    with app.app_context():
        actor = db.session.get(User, make_user(role="hr").id)
        people.add_person(actor, "Anna", "anna@example.nl", [])
        monkeypatch.setattr(db.session, "scalar", lambda *a, **k: None)  # check misses it
        with pytest.raises(HrError, match="Er is al een account"):
            people.add_person(actor, "Anna", "anna@example.nl", [])
        monkeypatch.undo()
        teams.create_team(actor, "Verkoop")
        monkeypatch.setattr(teams, "team_name_taken", lambda *a, **k: False)
        with pytest.raises(HrError, match="Er is al een team"):
            teams.create_team(actor, "Verkoop")
