"""The xAPI outbox: learning signals become rows in xapi_outbox, never a call to the LRS.

The senders in learning/ announce a change after committing it (learning/signals.py); the
receivers here only insert statements, on a connection of their own, so the learner's
request neither waits for the LRS nor fails with it. `flask xapi send` delivers the rows.
A statement id that is already queued is skipped (ON CONFLICT DO NOTHING).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite

from ...core.db import db
from ...course.model import Module
from ...learning import signals
from ...learning.questions import grade
from ...models import AttemptKind, User, XapiStatement, utcnow
from .statements import Person, Statements


def statements_for(app: Flask) -> Statements:
    return Statements(app.config["BASE_URL"])


def _person(connection, app: Flask, user_id: int) -> Person:
    """The account id; name and e-mail only when XAPI_ACTOR_MBOX=1 (one SELECT then)."""
    if not app.config.get("XAPI_ACTOR_MBOX"):
        return Person(user_id)
    row = connection.execute(
        sa.select(User.email, User.name).where(User.id == user_id)
    ).one_or_none()
    return Person(user_id, row.email, row.name) if row else Person(user_id)


def queue(connection, user_id: int, statements: list[dict]) -> None:
    """Insert statements into the outbox; ids already there are left as they are."""
    if not statements:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    now = utcnow()
    rows = [
        {
            "statement_id": s["id"],
            "user_id": user_id,
            "verb": s["verb"]["display"]["en-US"],
            "statement": s,
            "created_at": now,
            "next_try_at": now,
            "tries": 0,
            "last_error": "",
        }
        for s in statements
    ]
    connection.execute(
        dialect.insert(XapiStatement).on_conflict_do_nothing(index_elements=["statement_id"]),
        rows,
    )


def _record(app: Flask, user_id: int, build) -> None:
    """Build and queue statements in a transaction of their own; a failure is logged and
    never reaches the learner."""
    try:
        with db.engine.begin() as connection:
            queue(connection, user_id, build(_person(connection, app, user_id)))
    except Exception:  # noqa: BLE001 - the learner's change is saved; only the record is lost
        app.logger.exception("xAPI: kon statement niet in de outbox zetten")


def on_lesson_read(app: Flask, user_id: int, module_slug: str, **_) -> None:
    module = app.extensions["course"].get(module_slug)
    if module is None:
        return
    moment = utcnow()
    _record(app, user_id, lambda p: [statements_for(app).lesson_read(p, module, moment)])


def on_attempt_started(app: Flask, attempt, module: Module, **_) -> None:
    if attempt.kind != AttemptKind.EXAM.value:
        return
    _record(
        app,
        attempt.user_id,
        lambda p: [statements_for(app).attempt_started(p, module, attempt.id, attempt.started_at)],
    )


def on_attempt_submitted(app: Flask, attempt, module: Module, answers=None, **_) -> None:
    """answered per question of the exam (graded by the question's type), then passed or
    failed. Practice rounds (Oefen je fouten) are not exams and send nothing."""
    if attempt.kind != AttemptKind.EXAM.value or attempt.submitted_at is None:
        return
    answers = answers or {}
    recorder = statements_for(app)
    ids = (attempt.id, attempt.started_at)

    def build(person: Person) -> list[dict]:
        out = []
        for qid in attempt.question_ids:
            question = module.quiz.by_id.get(qid)
            if question is None:
                continue
            saved = answers.get(qid)
            response = saved.response if saved is not None else None
            score = grade(question, response) if response is not None else 0.0
            out.append(
                recorder.answered(
                    person, module, question, response, score, *ids, attempt.submitted_at
                )
            )
        out.append(
            recorder.attempt_result(
                person,
                module,
                *ids,
                attempt.submitted_at,
                attempt.score or 0,
                attempt.max_score,
                bool(attempt.passed),
            )
        )
        return out

    _record(app, attempt.user_id, build)


# Spaced review (a later issue): when learning/signals.py gains `review_done` (user_id,
# module_slug), connect this receiver in connect() below; Statements.review_done is ready.
def on_review_done(app: Flask, user_id: int, module_slug: str, **_) -> None:
    module = app.extensions["course"].get(module_slug)
    if module is None:
        return
    moment = utcnow()
    _record(app, user_id, lambda p: [statements_for(app).review_done(p, module, moment)])


def connect(app: Flask) -> None:
    """Record this app's learning signals (only called when XAPI_ENDPOINT is set)."""
    signals.lesson_read.connect(on_lesson_read, sender=app)
    signals.attempt_started.connect(on_attempt_started, sender=app)
    signals.attempt_submitted.connect(on_attempt_submitted, sender=app)


def pending_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(XapiStatement).where(XapiStatement.sent_at.is_(None))
    )
