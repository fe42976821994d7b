"""report_cells (migration 0011): Voortgang's facts per person × module, kept by triggers in
the transaction of every change. After each kind of change the table must say what a
rebuild from the source tables says, or Voortgang would show a stale status."""

import datetime as dt
import random
import threading

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.core.dutch import local_today
from klantwijs.hr import assignments, teams
from klantwijs.models import (
    Assignment,
    Attempt,
    LessonView,
    Membership,
    ReportCell,
    Team,
    User,
    utcnow,
)
from klantwijs.ops.backup_json import REPORT_CELLS_SELECT, rebuild_derived

COLUMNS = (
    "user_id",
    "module_slug",
    "due_date",
    "valid_months",
    "started",
    "lesson_read",
    "passed_at",
    "last_passed_at",
)


def _normal(row) -> tuple:
    """One row with booleans and times the same on both databases."""
    values = list(row)
    values[4], values[5] = bool(values[4]), bool(values[5])
    if isinstance(values[2], str):  # SQLite's raw SELECT gives dates and times as text
        values[2] = dt.date.fromisoformat(values[2])
    for i in (6, 7):
        if isinstance(values[i], str):
            values[i] = dt.datetime.fromisoformat(values[i])
    return tuple(values)


def started(user_id: int, slug: str, kind: str = "exam") -> Attempt:
    """A new, open attempt (not yet added to the session)."""
    return Attempt(
        user_id=user_id,
        module_slug=slug,
        kind=kind,
        content_version="t",
        seed=1,
        question_ids=[],
        max_score=5,
    )


def kept() -> set[tuple]:
    """The table as the triggers left it; a cell that nothing reaches any more keeps an
    empty row (no Deadline, nothing done), which a rebuild does not make: left out."""
    rows = db.session.execute(sa.select(*[getattr(ReportCell, c) for c in COLUMNS])).all()
    return {
        _normal(r)
        for r in rows
        if r.due_date is not None or r.started or r.lesson_read or r.passed_at is not None
    }


def rebuilt() -> set[tuple]:
    return {_normal(r) for r in db.session.execute(sa.text(REPORT_CELLS_SELECT))}


def assert_fresh(where: str) -> None:
    db.session.expire_all()
    assert kept() == rebuilt(), where


@pytest.fixture
def hr_user(app, make_user):
    user = make_user(role="hr")
    return user.id


def test_every_kind_of_change_keeps_the_cells_right(app, make_user, hr_user):
    anna, bert, carla = (make_user(name=n) for n in ("Anna", "Bert", "Carla"))
    today = local_today()
    with app.app_context():
        actor = db.session.get(User, hr_user)
        team = teams.create_team(actor, "Balie")
        teams.add_members(actor, team, [anna.id, bert.id])
        assert_fresh("members added to a team without modules")

        assignments.assign(actor, ["alpha", "beta"], today + dt.timedelta(days=10), team=team)
        assert_fresh("a team gets two modules")
        cell = db.session.get(ReportCell, (anna.id, "alpha"))
        assert cell.due_date == today + dt.timedelta(days=10) and not cell.started

        carla_user = db.session.get(User, carla.id)
        assignments.assign(actor, ["alpha"], today - dt.timedelta(days=2), users=[carla_user])
        assignments.assign(
            actor, ["alpha"], today + dt.timedelta(days=3), users=[db.session.get(User, anna.id)]
        )
        assert_fresh("direct assignments, one earlier than the team's")
        assert db.session.get(ReportCell, (anna.id, "alpha")).due_date == today + dt.timedelta(
            days=3
        )

        teams.add_members(actor, team, [carla.id])
        assert_fresh("a third member joins")
        assert db.session.get(ReportCell, (carla.id, "beta")).due_date is not None

        team_alpha = db.session.scalar(
            sa.select(Assignment).where(
                Assignment.team_id == team.id, Assignment.module_slug == "alpha"
            )
        )
        assignments.change_deadline(actor, team_alpha, today + dt.timedelta(days=1), "Balie")
        assert_fresh("the team's Deadline moves")
        team_alpha.valid_months = 12
        db.session.commit()
        assert_fresh("the team's module gets a validity")

        db.session.add(LessonView(user_id=anna.id, module_slug="alpha"))
        db.session.commit()
        assert_fresh("a lesson is read")
        exam = started(anna.id, "alpha")
        practice = started(bert.id, "beta", kind="practice")
        db.session.add_all([exam, practice])
        db.session.commit()
        assert_fresh("an exam and a practice round started")
        assert db.session.get(ReportCell, (anna.id, "alpha")).started
        assert db.session.get(ReportCell, (bert.id, "beta")) is not None
        assert not db.session.get(ReportCell, (bert.id, "beta")).started  # practice: no

        exam.submitted_at, exam.score, exam.passed = utcnow(), 5.0, True
        db.session.commit()
        assert_fresh("the exam handed in and passed")
        assert db.session.get(ReportCell, (anna.id, "alpha")).passed_at is not None

        db.session.delete(exam)
        db.session.commit()
        assert_fresh("an attempt deleted")
        assert db.session.get(ReportCell, (anna.id, "alpha")).passed_at is None

        teams.remove_member(actor, team, db.session.get(User, bert.id))
        assert_fresh("a member leaves the team")
        assert db.session.get(ReportCell, (bert.id, "alpha")).due_date is None

        assignments.remove_assignment(actor, team_alpha, "Balie")
        assert_fresh("the team's module taken away")

        teams.delete_team(actor, team)
        assert_fresh("the team deleted")

        db.session.delete(db.session.get(User, carla.id))
        db.session.commit()
        assert_fresh("a person deleted")
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(ReportCell.user_id == carla.id)) == 0
        )


def test_random_changes_keep_the_cells_right(app, make_user):
    """Two hundred random changes of every kind, checked against a rebuild every tenth."""
    rng = random.Random(19)
    people = [make_user(name=f"Persoon {n}").id for n in range(8)]
    today = local_today()
    slugs = ["alpha", "beta"]
    with app.app_context():
        db.session.add_all(Team(name=f"Team {n}") for n in range(3))
        db.session.flush()
        team_ids = list(db.session.scalars(sa.select(Team.id)))
        db.session.commit()
        for step in range(200):
            kind = rng.choice(
                [
                    "join",
                    "leave",
                    "assign",
                    "unassign",
                    "deadline",
                    "view",
                    "start",
                    "hand_in",
                    "drop",
                ]
            )
            person, slug, team = rng.choice(people), rng.choice(slugs), rng.choice(team_ids)
            if kind == "join" and not db.session.get(Membership, (person, team)):
                db.session.add(Membership(user_id=person, team_id=team))
            elif kind == "leave":
                db.session.execute(
                    sa.delete(Membership).where(
                        Membership.user_id == person, Membership.team_id == team
                    )
                )
            elif kind == "assign":
                direct = rng.random() < 0.3
                db.session.add(
                    Assignment(
                        module_slug=slug,
                        team_id=None if direct else team,
                        user_id=person if direct else None,
                        due_date=today + dt.timedelta(days=rng.randint(-5, 5)),
                        valid_months=rng.choice([None, 6, 12]),
                    )
                )
            elif kind in ("unassign", "deadline"):
                found = db.session.scalars(sa.select(Assignment)).all()
                if found:
                    chosen = rng.choice(found)
                    if kind == "unassign":
                        db.session.delete(chosen)
                    else:
                        chosen.due_date = today + dt.timedelta(days=rng.randint(-5, 5))
            elif kind == "view" and not db.session.get(LessonView, (person, slug)):
                db.session.add(LessonView(user_id=person, module_slug=slug))
            elif kind == "start" and not db.session.scalar(
                sa.select(Attempt.id).where(
                    Attempt.user_id == person,
                    Attempt.module_slug == slug,
                    Attempt.submitted_at.is_(None),
                )
            ):
                db.session.add(started(person, slug))
            elif kind == "hand_in":
                open_ = db.session.scalars(
                    sa.select(Attempt).where(Attempt.submitted_at.is_(None))
                ).all()
                if open_:
                    attempt = rng.choice(open_)
                    attempt.submitted_at = utcnow() - dt.timedelta(days=rng.randint(0, 400))
                    attempt.score = 5.0
                    attempt.passed = rng.random() < 0.6
            elif kind == "drop":  # an outdated open attempt is thrown away on restart
                open_ = db.session.scalars(
                    sa.select(Attempt).where(Attempt.submitted_at.is_(None))
                ).all()
                if open_:
                    db.session.delete(rng.choice(open_))
            db.session.commit()
            if step % 10 == 9:
                assert_fresh(f"after step {step} ({kind})")


def test_a_restore_style_rebuild_gives_the_same_table(app, make_user, make_team, make_assignment):
    anna = make_user()
    team = make_team(members=[anna])
    make_assignment("alpha", team_id=team)
    with app.app_context():
        before = kept()
        with db.engine.begin() as connection:
            counts = rebuild_derived(connection)
        assert counts["report_cells"] >= 1
        db.session.expire_all()
        assert kept() == before == rebuilt()


def test_a_team_change_and_a_new_member_at_once_leave_no_cell_behind(app, make_user):
    """PostgreSQL, two Beheer sessions at the same moment: one puts a person in a team, the
    other gives that team a module. Neither sees the other's uncommitted row, so without the
    advisory lock in the triggers nobody would make that person's cell."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL: SQLite has one writer at a time")
        anna = make_user()
        team = Team(name="Tegelijk")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
        engine = db.engine
    first = engine.connect()
    first_tx = first.begin()
    first.execute(sa.insert(Membership).values(user_id=anna.id, team_id=team_id))
    errors = []

    def second():
        try:
            with engine.begin() as conn:
                conn.execute(
                    sa.insert(Assignment).values(
                        module_slug="alpha",
                        team_id=team_id,
                        due_date=local_today(),
                        created_at=utcnow(),
                    )
                )
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)  # it waits for the first session's lock
    first_tx.commit()
    first.close()
    thread.join(10)
    assert not errors and not thread.is_alive()
    with app.app_context():
        cell = db.session.get(ReportCell, (anna.id, "alpha"))
        assert cell is not None and cell.due_date == local_today()
        assert_fresh("two sessions at once")
