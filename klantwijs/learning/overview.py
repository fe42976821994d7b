"""A learner's lessons and progress: record a lesson view, Mijn cursus, Mijn voortgang."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ..core.db import db, is_postgresql, read_core
from ..course.model import Course, Module
from ..models import Attempt, AttemptKind, LessonView, utcnow
from . import queries as q
from . import signals
from .assigned import assigned_select, assigned_to
from .retakes import ExamState
from .status import Status
from .validity import standing

VIEW_INTERVAL = dt.timedelta(hours=1)


def record_lesson_view(user_id: int, slug: str) -> None:
    """Remember that the lesson was opened: one upsert, first and last time kept.

    last_viewed_at moves at most once an hour, so re-reading a lesson rarely writes a row."""
    now = utcnow()
    dialect = postgresql if is_postgresql() else sqlite  # runs at most hourly: not prebuilt
    stmt = dialect.insert(LessonView).values(
        user_id=user_id, module_slug=slug, first_viewed_at=now, last_viewed_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "module_slug"],
        set_={"last_viewed_at": now},
        where=LessonView.last_viewed_at < now - VIEW_INTERVAL,
    )
    written = db.session.execute(stmt).rowcount
    db.session.commit()
    if written:
        signals.lesson_read.send(
            current_app._get_current_object(), user_id=user_id, module_slug=slug
        )


def open_lesson(user_id: int, slug: str) -> ExamState:
    """Read what the lesson page needs in one statement and record the view when it is due
    (first time, or an hour after the last). Returns the learner's state of the module: an
    open exam to continue, or the retake rule's say on a new one."""
    row = read_core(q.LESSON_STATE, {"user_id": user_id, "slug": slug}).one()
    if row.last_viewed_at is None or row.last_viewed_at < utcnow() - VIEW_INTERVAL:
        record_lesson_view(user_id, slug)
    return ExamState.from_row(row)


@dataclass(frozen=True)
class ModuleRow:
    module: Module
    status: Status
    best: float | None  # best handed-in exam score, 0..100
    due: dt.date | None
    overdue: bool
    days_left: int | None
    passed_at: dt.datetime | None = None  # the latest passed exam (naive UTC)
    valid_until: dt.date | None = None  # with a validity: the last day that pass counts


def course_overview(user_id: int, course: Course, today: dt.date) -> list[ModuleRow]:
    """Every module with status, best score and deadline: assigned ones first, by Deadline.
    Status and Deadline follow validity.standing (Verlopen and its new Deadline)."""
    assigned = assigned_to(user_id)
    read = set(
        db.session.scalars(sa.select(LessonView.module_slug).where(LessonView.user_id == user_id))
    )
    stats = {
        slug: (count, passed_at, best)
        for slug, count, passed_at, best in db.session.execute(
            sa.select(
                Attempt.module_slug,
                sa.func.count(Attempt.id),
                sa.func.max(sa.case((Attempt.passed.is_(True), Attempt.submitted_at))),
                sa.func.max(Attempt.score * 100.0 / sa.func.nullif(Attempt.max_score, 0)),
            )
            .where(Attempt.user_id == user_id, Attempt.kind == AttemptKind.EXAM.value)
            .group_by(Attempt.module_slug)
        ).all()
    }
    rows = []
    for module in course.modules:
        count, passed_at, best = stats.get(module.slug, (0, None, None))
        item = assigned.get(module.slug)
        now = standing(
            module.slug in read,
            count > 0,
            passed_at,
            item.due_date if item else None,
            item.valid_months if item else None,
            today,
        )
        due = now.due
        rows.append(
            ModuleRow(
                module=module,
                status=now.status,
                best=float(best) if best is not None else None,
                due=due,
                overdue=now.overdue,
                days_left=(due - today).days if due else None,
                passed_at=passed_at,
                valid_until=now.valid_until,
            )
        )
    rows.sort(key=lambda r: (r.due is None, r.due or today, r.module.order))
    return rows


def attempts_of(user_id: int) -> list[Attempt]:
    """All attempts of a learner, newest first, in one query (Mijn voortgang)."""
    return list(
        db.session.scalars(
            sa.select(Attempt)
            .where(Attempt.user_id == user_id)
            .order_by(Attempt.started_at.desc(), Attempt.id.desc())
        )
    )


# --- Mijn voortgang ------------------------------------------------------------------------

PRACTICE_KEPT_OPEN = dt.timedelta(days=1)  # an unfinished Oefenronde older than this is closed
RECENT_SHOWN = 5  # attempts listed per module


@dataclass(frozen=True)
class AttemptLine:
    id: int
    kind: str
    started_at: dt.datetime
    submitted_at: dt.datetime | None
    score: float | None
    max_score: int
    passed: bool | None


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    status: Status
    best: float | None  # best handed-in exam score, 0..100
    due: dt.date | None
    overdue: bool
    days_left: int | None
    attempts: list[AttemptLine]  # newest first, at most RECENT_SHOWN
    open_practice: AttemptLine | None  # an Oefenronde to continue (started within a day)
    closed_practice: int  # unfinished practice rounds older than a day: no longer offered


@dataclass(frozen=True)
class CourseProgress:
    rows: list[ModuleProgress]  # assigned first (by Deadline), then the course order
    assigned: int
    assigned_passed: int
    passed: int


def _null(column) -> sa.Cast:
    return sa.cast(sa.null(), column.type)


def _progress_select(user_id: int) -> sa.CompoundSelect:
    """Everything Mijn voortgang shows, as one statement: the learner's attempts, the lessons
    they read and their Deadlines (one row set, told apart by `row`)."""
    a, v = Attempt.__table__, LessonView.__table__
    attempts = sa.select(
        sa.literal("attempt").label("row"),
        a.c.module_slug,
        a.c.id,
        a.c.kind,
        a.c.started_at,
        a.c.submitted_at,
        a.c.score,
        a.c.max_score,
        a.c.passed,
        sa.cast(sa.null(), sa.Date).label("due_date"),
        sa.cast(sa.null(), sa.Integer).label("valid_months"),
    ).where(a.c.user_id == user_id)
    views = sa.select(
        sa.literal("read"),
        v.c.module_slug,
        *(_null(c) for c in (a.c.id, a.c.kind, a.c.started_at, a.c.submitted_at, a.c.score)),
        *(_null(c) for c in (a.c.max_score, a.c.passed)),
        sa.cast(sa.null(), sa.Date),
        sa.cast(sa.null(), sa.Integer),
    ).where(v.c.user_id == user_id)
    assigned = assigned_select(sa.select(sa.literal(user_id))).subquery()
    deadlines = sa.select(
        sa.literal("due"),
        assigned.c.module_slug,
        *(_null(c) for c in (a.c.id, a.c.kind, a.c.started_at, a.c.submitted_at, a.c.score)),
        *(_null(c) for c in (a.c.max_score, a.c.passed)),
        assigned.c.due_date,
        assigned.c.valid_months,
    )
    return sa.union_all(attempts, views, deadlines)


def course_progress(
    user_id: int, course: Course, today: dt.date, now: dt.datetime
) -> CourseProgress:
    """Mijn voortgang: per module status, best score, Deadline and the latest attempts."""
    attempts: dict[str, list[AttemptLine]] = {}
    read: set[str] = set()
    due: dict[str, dt.date] = {}
    validity: dict[str, int] = {}
    for row in db.session.execute(_progress_select(user_id)):
        if row.row == "attempt":
            attempts.setdefault(row.module_slug, []).append(
                AttemptLine(
                    row.id, row.kind, row.started_at, row.submitted_at, row.score,
                    row.max_score, row.passed,
                )
            )  # fmt: skip
        elif row.row == "read":
            read.add(row.module_slug)
        else:
            if row.module_slug not in due or row.due_date < due[row.module_slug]:
                due[row.module_slug] = row.due_date  # the earliest Deadline counts (assigned.py)
            if row.valid_months is not None:  # and the shortest validity
                validity[row.module_slug] = min(
                    row.valid_months, validity.get(row.module_slug, row.valid_months)
                )
    rows = []
    for module in course.modules:
        lines = sorted(attempts.get(module.slug, []), key=lambda x: (x.started_at, x.id))[::-1]
        exams = [x for x in lines if x.kind == AttemptKind.EXAM.value]
        handed_in = [x for x in exams if x.submitted_at is not None and x.max_score]
        practice_open = [
            x for x in lines if x.kind == AttemptKind.PRACTICE.value and x.submitted_at is None
        ]
        fresh = [x for x in practice_open if now - x.started_at < PRACTICE_KEPT_OPEN]
        passes = [x.submitted_at for x in exams if x.passed and x.submitted_at is not None]
        now_standing = standing(
            module.slug in read,
            bool(exams),
            max(passes, default=None),
            due.get(module.slug),
            validity.get(module.slug),
            today,
        )
        status = now_standing.status
        deadline = now_standing.due
        rows.append(
            ModuleProgress(
                module=module,
                status=status,
                best=max((100.0 * (x.score or 0) / x.max_score for x in handed_in), default=None),
                due=deadline,
                overdue=now_standing.overdue,
                days_left=(deadline - today).days if deadline else None,
                attempts=[x for x in lines if x not in practice_open][:RECENT_SHOWN],
                open_practice=fresh[0] if fresh else None,
                closed_practice=len(practice_open) - len(fresh),
            )
        )
    rows.sort(key=lambda r: (r.due is None, r.due or today, r.module.order))
    assigned = [r for r in rows if r.due is not None]
    return CourseProgress(
        rows=rows,
        assigned=len(assigned),
        assigned_passed=sum(r.status is Status.PASSED for r in assigned),
        passed=sum(r.status is Status.PASSED for r in rows),
    )
