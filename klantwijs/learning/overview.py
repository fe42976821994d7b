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
from .assigned import assigned_to
from .retakes import ExamState
from .status import Status, is_overdue, module_status

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


def course_overview(user_id: int, course: Course, today: dt.date) -> list[ModuleRow]:
    """Every module with status, best score and deadline: assigned ones first, by Deadline."""
    due_dates = {slug: item.due_date for slug, item in assigned_to(user_id).items()}
    read = set(
        db.session.scalars(sa.select(LessonView.module_slug).where(LessonView.user_id == user_id))
    )
    stats = {
        slug: (count, passed, best)
        for slug, count, passed, best in db.session.execute(
            sa.select(
                Attempt.module_slug,
                sa.func.count(Attempt.id),
                sa.func.max(sa.case((Attempt.passed.is_(True), 1), else_=0)),
                sa.func.max(Attempt.score * 100.0 / sa.func.nullif(Attempt.max_score, 0)),
            )
            .where(Attempt.user_id == user_id, Attempt.kind == AttemptKind.EXAM.value)
            .group_by(Attempt.module_slug)
        ).all()
    }
    rows = []
    for module in course.modules:
        count, passed, best = stats.get(module.slug, (0, 0, None))
        status = module_status(module.slug in read, count > 0, bool(passed))
        due = due_dates.get(module.slug)
        rows.append(
            ModuleRow(
                module=module,
                status=status,
                best=float(best) if best is not None else None,
                due=due,
                overdue=is_overdue(status, due, today),
                days_left=(due - today).days if due else None,
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
