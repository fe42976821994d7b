"""The Voortgang cache's freshness rule: every change the report shows reaches the next request.

Built reports are cached per process under a fingerprint of the data (hr/reports/cache.py).
Its correctness rests on an invariant: each visible change moves a count, a highest id, the
latest hand-in, or the audit log. Each case below makes one such change the way the app
makes it (through the operations, so same-length renames and deadline moves that change no
count are included) and asserts the next page shows it.
"""

import datetime as dt

import pytest

from klantwijs.core.db import db
from klantwijs.core.dutch import local_today
from klantwijs.course import get_course
from klantwijs.hr import assignments, people, teams
from klantwijs.learning import attempts, overview
from klantwijs.models import Assignment, Team, User

TODAY = local_today()


@pytest.fixture
def setting(app, make_user, client):
    """An admin logged in; Anna and Bert in team Verkoop with alpha assigned to the team."""
    admin = make_user(email="admin@example.nl", name="Admin", role="admin")
    anna = make_user(email="anna@example.nl", name="Anna Jansen")
    bert = make_user(email="bert@example.nl", name="Bert Smit")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        team = teams.create_team(actor, "Verkoop")
        teams.add_members(actor, team, [anna.id, bert.id])
        assignments.assign(actor, ["alpha"], TODAY + dt.timedelta(days=10), team=team)
    response = client.post(
        "/inloggen", data={"email": admin.email, "password": "een lange zin als wachtwoord"}
    )
    assert response.status_code == 302
    return {"admin": admin, "anna": anna, "bert": bert, "team_id": team.id}


def report(client) -> str:
    response = client.get("/beheer/voortgang")
    assert response.status_code == 200
    return response.text


def _actor(setting):
    return db.session.get(User, setting["admin"].id)


def rename_team_same_length(setting):
    teams.rename_team(_actor(setting), db.session.get(Team, setting["team_id"]), "Inkoop!")
    return "Inkoop!"


def deactivate_anna(setting):
    people.set_active(_actor(setting), db.session.get(User, setting["anna"].id), False)
    return '<span class="badge">inactief</span>'


def move_the_deadline(setting):
    assignment = db.session.query(Assignment).one()
    new = TODAY + dt.timedelta(days=11)
    assignments.change_deadline(_actor(setting), assignment, new, "team Verkoop")
    return new.strftime("%d-%m-%Y")


def bert_leaves_the_team(setting):
    team = db.session.get(Team, setting["team_id"])
    teams.remove_member(_actor(setting), team, db.session.get(User, setting["bert"].id))
    return None  # checked below: Bert's row is gone


def anna_reads_the_lesson(setting):
    overview.record_lesson_view(setting["anna"].id, "alpha")
    return 'class="status status-gelezen"'


def anna_hands_in(setting):
    module = get_course().get("alpha")
    attempt, _ = attempts.start_exam(setting["anna"].id, module)
    attempts.submit_attempt(attempt, module)
    return 'class="status status-bezig"'


CHANGES = [
    rename_team_same_length,
    deactivate_anna,
    move_the_deadline,
    bert_leaves_the_team,
    anna_reads_the_lesson,
    anna_hands_in,
]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_a_visible_change_refreshes_the_cached_report(app, client, setting, change):
    before = report(client)
    assert report(client) == before  # served again, unchanged
    with app.app_context():
        shown = change(setting)
    after = report(client)
    assert after != before
    if shown is not None:
        assert shown in after and shown not in before
    else:
        assert "Bert Smit" in before and "Bert Smit" not in after


def test_two_hand_ins_in_the_same_microsecond_both_refresh(app, client, setting, monkeypatch):
    """The latest hand-in time alone would miss a second hand-in with the very same time."""
    frozen = dt.datetime(2026, 12, 1, 9, 0, 0)
    monkeypatch.setattr(attempts, "utcnow", lambda: frozen)
    module = None
    with app.app_context():
        module = get_course().get("alpha")
        attempt, _ = attempts.start_exam(setting["anna"].id, module)
        attempts.submit_attempt(attempt, module)
    first = report(client)
    with app.app_context():
        attempt, _ = attempts.start_exam(setting["bert"].id, module)
        attempts.submit_attempt(attempt, module)
    badge = 'class="status status-bezig"'
    assert report(client).count(badge) == first.count(badge) + 1
