"""Learner operations: read a lesson, start, answer and hand in attempts, practise, overview.

Plain functions over the database (no request objects), so tests call them without HTTP.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from .content import Course, Module
from .extensions import db, fast_read
from .grading import grade
from .models import MAX_ID, Answer, Assignment, Attempt, AttemptKind, LessonView, Membership, utcnow
from .quiz_draw import draw_questions
from .status import Status, is_overdue, module_status

RECENT_ATTEMPTS = 3
PRACTICE_SIZE = 5


def _dialect():
    return postgresql if db.engine.dialect.name == "postgresql" else sqlite


VIEW_INTERVAL = dt.timedelta(hours=1)
_ATTEMPTS, _VIEWS = Attempt.__table__, LessonView.__table__
# Core on the tables (not the ORM classes): this runs on every lesson page.
_LESSON_STATE = sa.select(
    sa.select(_ATTEMPTS.c.id)
    .where(
        _ATTEMPTS.c.user_id == sa.bindparam("user_id"),
        _ATTEMPTS.c.module_slug == sa.bindparam("slug"),
        _ATTEMPTS.c.kind == AttemptKind.EXAM.value,
        _ATTEMPTS.c.submitted_at.is_(None),
    )
    .limit(1)
    .scalar_subquery(),
    sa.select(_VIEWS.c.last_viewed_at)
    .where(
        _VIEWS.c.user_id == sa.bindparam("user_id"), _VIEWS.c.module_slug == sa.bindparam("slug")
    )
    .scalar_subquery(),
)

_ANSWERS = Answer.__table__
# Built once: these run on every question page, answer and hand-in.
_ATTEMPT_OF = sa.select(Attempt).where(
    Attempt.id == sa.bindparam("attempt_id"), Attempt.user_id == sa.bindparam("user_id")
)
_ANSWERS_OF = sa.select(
    _ANSWERS.c.id, _ANSWERS.c.question_id, _ANSWERS.c.response, _ANSWERS.c.score
).where(_ANSWERS.c.attempt_id == sa.bindparam("attempt_id"))
_ATTEMPT_WITH_ANSWERS = (
    sa.select(Attempt, *_ANSWERS_OF.selected_columns)
    .outerjoin(_ANSWERS, _ANSWERS.c.attempt_id == Attempt.id)
    .where(Attempt.id == sa.bindparam("attempt_id"), Attempt.user_id == sa.bindparam("user_id"))
)
_OPEN = (_ATTEMPTS.c.id == sa.bindparam("attempt_id")) & _ATTEMPTS.c.submitted_at.is_(None)
_CLAIM = sa.update(_ATTEMPTS).where(_OPEN).values(max_score=_ATTEMPTS.c.max_score)
_GRADE = sa.update(_ATTEMPTS).where(_OPEN)
_SCORE = (
    sa.update(_ANSWERS)
    .where(_ANSWERS.c.id == sa.bindparam("answer_id"))
    .values(score=sa.bindparam("score"))
)
# The same SQL on SQLite and PostgreSQL. Written as text because SQLAlchemy never caches
# the compiled form of its dialect inserts with ON CONFLICT (inherit_cache = False): built
# with them, every saved answer was compiled anew. A checked practice answer (with a
# score) is never overwritten.
_UPSERT_ANSWER = sa.text(
    "INSERT INTO answers (attempt_id, question_id, response, score, updated_at)"
    " VALUES (:attempt_id, :question_id, :response, :score, :updated_at)"
    " ON CONFLICT (attempt_id, question_id) DO UPDATE SET response = excluded.response,"
    " score = excluded.score, updated_at = excluded.updated_at WHERE answers.score IS NULL"
).bindparams(
    sa.bindparam("response", type_=_ANSWERS.c.response.type),
    sa.bindparam("score", type_=_ANSWERS.c.score.type),
    sa.bindparam("updated_at", type_=_ANSWERS.c.updated_at.type),
)
_UNANSWER = sa.delete(_ANSWERS).where(
    _ANSWERS.c.attempt_id == sa.bindparam("attempt_id"),
    _ANSWERS.c.question_id == sa.bindparam("question_id"),
    _ANSWERS.c.score.is_(None),
)


def record_lesson_view(user_id: int, slug: str) -> None:
    """Remember that the lesson was opened: one upsert, first and last time kept.

    last_viewed_at moves at most once an hour, so re-reading a lesson rarely writes a row."""
    now = utcnow()
    stmt = (
        _dialect()
        .insert(LessonView)
        .values(user_id=user_id, module_slug=slug, first_viewed_at=now, last_viewed_at=now)
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "module_slug"],
        set_={"last_viewed_at": now},
        where=LessonView.last_viewed_at < now - VIEW_INTERVAL,
    )
    db.session.execute(stmt)
    db.session.commit()


def open_lesson(user_id: int, slug: str) -> bool:
    """Read what the lesson page needs in one statement and record the view when it is due
    (first time, or an hour after the last). True when an exam of this module is open."""
    open_exam_id, last_viewed = fast_read(_LESSON_STATE, {"user_id": user_id, "slug": slug}).one()
    if last_viewed is None or last_viewed < utcnow() - VIEW_INTERVAL:
        record_lesson_view(user_id, slug)
    return open_exam_id is not None


def get_attempt(user_id: int, attempt_id: int) -> Attempt | None:
    """The attempt when it belongs to this learner; None for anyone else's or unknown ids."""
    if not 0 < attempt_id <= MAX_ID:
        return None
    return db.session.scalar(_ATTEMPT_OF, {"attempt_id": attempt_id, "user_id": user_id})


def open_exam(user_id: int, slug: str) -> Attempt | None:
    return db.session.scalar(
        sa.select(Attempt)
        .where(
            Attempt.user_id == user_id,
            Attempt.module_slug == slug,
            Attempt.kind == AttemptKind.EXAM.value,
            Attempt.submitted_at.is_(None),
        )
        .order_by(Attempt.id.desc())
        .limit(1)
    )


def _new_attempt(user_id: int, module: Module, kind: str, question_ids=None) -> Attempt:
    seed = secrets.randbits(62)
    attempt = Attempt(
        user_id=user_id,
        module_slug=module.slug,
        kind=kind,
        content_version=module.quiz.version,
        seed=seed,
        question_ids=question_ids or draw_questions(module.quiz, seed),
    )
    attempt.max_score = len(attempt.question_ids)
    db.session.add(attempt)
    db.session.commit()
    return attempt


def start_exam(user_id: int, module: Module) -> tuple[Attempt, bool]:
    """The open attempt for this module, or a new one; True when an outdated one was dropped.

    An open attempt drawn from an older version of the quiz file is restarted: its questions
    may no longer exist, so grading it against today's file would be unfair.
    """
    attempt = open_exam(user_id, module.slug)
    if attempt is not None and attempt.content_version == module.quiz.version:
        return attempt, False
    restarted = attempt is not None
    if restarted:
        db.session.delete(attempt)
        db.session.flush()
    return _new_attempt(user_id, module, AttemptKind.EXAM.value), restarted


def is_outdated(attempt: Attempt, module: Module) -> bool:
    return attempt.submitted_at is None and attempt.content_version != module.quiz.version


class Saved(NamedTuple):
    """A saved answer as the quiz pages read it."""

    id: int
    question_id: str
    response: Any
    score: float | None


def answers_of(attempt: Attempt) -> dict[str, Saved]:
    """question id → the saved answer, in one query."""
    return {
        row.question_id: Saved(*row) for row in fast_read(_ANSWERS_OF, {"attempt_id": attempt.id})
    }


def attempt_with_answers(user_id: int, attempt_id: int) -> tuple[Attempt | None, dict[str, Saved]]:
    """The learner's own attempt and its saved answers in one statement (None for anyone
    else's or unknown ids): what the question page, the overview, the result and hand-in read."""
    if not 0 < attempt_id <= MAX_ID:
        return None, {}
    rows = db.session.execute(
        _ATTEMPT_WITH_ANSWERS, {"attempt_id": attempt_id, "user_id": user_id}
    ).all()
    if not rows:
        return None, {}
    answers = {row[2]: Saved(*row[1:]) for row in rows if row[1] is not None}
    return rows[0][0], answers


def _claim_open(attempt_id: int) -> bool:
    """Lock the attempt row while it is open (a no-op update); False once it was handed in."""
    return db.session.connection().execute(_CLAIM, {"attempt_id": attempt_id}).rowcount == 1


def save_answer(attempt_id: int, question_id: str, response, score: float | None = None) -> bool:
    """Store the latest response (None removes it); refused (False) after hand-in.

    One upsert after the lock; an answer that already has a score (a practice question that
    was checked) is never overwritten.
    """
    if not _claim_open(attempt_id):
        db.session.rollback()
        return False
    connection = db.session.connection()
    if response is None:
        connection.execute(_UNANSWER, {"attempt_id": attempt_id, "question_id": question_id})
    else:
        connection.execute(
            _UPSERT_ANSWER,
            {
                "attempt_id": attempt_id,
                "question_id": question_id,
                "response": response,
                "score": score,
                "updated_at": utcnow(),
            },
        )
    db.session.commit()
    return True


def submit_attempt(
    attempt: Attempt, module: Module, answers: dict[str, Saved] | None = None
) -> bool:
    """Grade and close the attempt exactly once; False when it was already handed in.

    The conditional UPDATE ... WHERE submitted_at IS NULL is the guard: a second tab, the
    Back button or a concurrent request finds no open row and changes nothing.
    `answers` as read with the attempt (attempt_with_answers), else read here.
    """
    answers = answers_of(attempt) if answers is None else answers
    quiz = module.quiz
    scores = {}
    for qid in attempt.question_ids:
        answer = answers.get(qid)
        question = quiz.by_id.get(qid)
        if answer is not None and question is not None:
            scores[qid] = (
                answer.score if answer.score is not None else grade(question, answer.response)
            )
    total = round(sum(scores.values()), 4)
    maximum = len(attempt.question_ids)
    passed = maximum > 0 and total / maximum * 100 >= quiz.pass_mark - 1e-9
    graded = {"submitted_at": utcnow(), "score": total, "max_score": maximum, "passed": passed}
    connection = db.session.connection()
    if connection.execute(_GRADE, {"attempt_id": attempt.id, **graded}).rowcount != 1:
        db.session.rollback()
        return False
    scored = [
        {"answer_id": answers[qid].id, "score": round(value, 4)} for qid, value in scores.items()
    ]
    if scored:  # one executemany
        connection.execute(_SCORE, scored)
    db.session.commit()
    for name, value in graded.items():  # what the database now holds, without re-reading it
        set_committed_value(attempt, name, value)
    return True


def missed_questions(user_id: int, module: Module) -> list[str]:
    """Questions scored below full marks (or left open) in the latest handed-in exams."""
    attempts = db.session.scalars(
        sa.select(Attempt)
        .where(
            Attempt.user_id == user_id,
            Attempt.module_slug == module.slug,
            Attempt.kind == AttemptKind.EXAM.value,
            Attempt.submitted_at.is_not(None),
        )
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc())
        .limit(RECENT_ATTEMPTS)
    ).all()
    if not attempts:
        return []
    scores = {
        (a.attempt_id, a.question_id): a.score
        for a in db.session.scalars(
            sa.select(Answer).where(Answer.attempt_id.in_([a.id for a in attempts]))
        )
    }
    missed: list[str] = []
    for attempt in attempts:
        for qid in attempt.question_ids:
            if (
                qid in module.quiz.by_id
                and qid not in missed
                and (scores.get((attempt.id, qid)) or 0) < 1
            ):
                missed.append(qid)
    return missed[:PRACTICE_SIZE]


def start_practice(user_id: int, module: Module) -> Attempt | None:
    """A short practice round of missed questions; None when nothing was missed."""
    missed = missed_questions(user_id, module)
    if not missed:
        return None
    return _new_attempt(user_id, module, AttemptKind.PRACTICE.value, missed)


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
    team_ids = sa.select(Membership.team_id).where(Membership.user_id == user_id)
    due_dates = dict(
        db.session.execute(
            sa.select(Assignment.module_slug, sa.func.min(Assignment.due_date))
            .where(sa.or_(Assignment.user_id == user_id, Assignment.team_id.in_(team_ids)))
            .group_by(Assignment.module_slug)
        ).all()
    )
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
