"""Learner operations on attempts: start, answer and hand in exams; practise mistakes; the
review of a handed-in attempt.

Plain functions over the database (no request objects), so tests call them without HTTP.
Writes to an open attempt first take its row lock (queries.LOCK_OPEN_ATTEMPT), so a save and
a hand-in never interleave: hand-in claims the attempt, then reads and grades its answers in
the same transaction, and a save that comes later is refused.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from collections.abc import Collection
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.attributes import set_committed_value

from ..core.db import db, read_core
from ..course.model import Course, Module, Question
from ..models import MAX_ID, Answer, Attempt, AttemptKind, utcnow
from . import queries as q
from . import signals
from .draw import draw_questions
from .questions import MistakenAnswer, grade, type_of
from .retakes import ExamState, RetakeLock, retake_lock
from .review import Reviewed, answered

RECENT_ATTEMPTS = 3
PRACTICE_SIZE = 5
PRACTICE_TRIES = 2  # a wrong practice answer may be checked once more; then the key is shown


class RetakeRefused(Exception):
    """Start de toets refused by the retake rule; `lock.message` says why, in Dutch."""

    def __init__(self, lock: RetakeLock):
        self.lock = lock
        super().__init__(lock.message)


def get_attempt(user_id: int, attempt_id: int) -> Attempt | None:
    """The attempt when it belongs to this learner; None for anyone else's or unknown ids."""
    if not 0 < attempt_id <= MAX_ID:
        return None
    return db.session.scalar(
        sa.select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user_id)
    )


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


def exam_state(user_id: int, slug: str) -> ExamState:
    """The learner's state of one module in one statement (open exam, latest exam, passed,
    practised since): what the quiz intro and Start de toets decide by."""
    return ExamState.from_row(read_core(q.EXAM_STATE, {"user_id": user_id, "slug": slug}).one())


def _new_attempt(
    user_id: int, module: Module, kind: str, question_ids=None, avoid: Collection[str] = ()
) -> Attempt:
    seed = secrets.randbits(62)
    attempt = Attempt(
        user_id=user_id,
        module_slug=module.slug,
        kind=kind,
        content_version=module.quiz.version,
        seed=seed,
        question_ids=question_ids or draw_questions(module.quiz, seed, avoid),
    )
    attempt.max_score = len(attempt.question_ids)
    db.session.add(attempt)
    db.session.commit()
    return attempt


def start_exam(
    user_id: int, module: Module, now: dt.datetime | None = None
) -> tuple[Attempt, bool]:
    """The open attempt for this module, or a new one; True when an outdated one was dropped.

    An open attempt drawn from an older version of the quiz file is restarted: its questions
    may no longer exist, so grading it against today's file would be unfair. A new exam
    follows the retake rule (retakes.py; RetakeRefused) and draws around the previous exam's
    questions. Requests racing to start meet the database's one-open-exam index: the losers
    get the winner's attempt.
    """
    state = exam_state(user_id, module.slug)
    restarted = False
    if state.open_exam_id is not None:
        if state.open_exam_version == module.quiz.version:
            attempt = db.session.get(Attempt, state.open_exam_id)
            if attempt is not None:
                return attempt, False
        else:
            db.session.execute(
                sa.delete(Attempt).where(
                    Attempt.id == state.open_exam_id, Attempt.submitted_at.is_(None)
                )
            )
            restarted = True
    else:
        lock = retake_lock(state, module.quiz, now or utcnow())
        if lock is not None:
            db.session.rollback()
            raise RetakeRefused(lock)
    try:
        attempt = _new_attempt(
            user_id, module, AttemptKind.EXAM.value, avoid=state.last_exam_question_ids
        )
    except sa.exc.IntegrityError:  # uq_attempts_one_open_exam: another request started one
        db.session.rollback()
        winner = open_exam(user_id, module.slug)
        if winner is None:
            raise
        return winner, False
    signals.attempt_started.send(current_app._get_current_object(), attempt=attempt, module=module)
    return attempt, restarted


def is_outdated(attempt: Attempt, module: Module) -> bool:
    return attempt.submitted_at is None and attempt.content_version != module.quiz.version


class Saved(NamedTuple):
    """A saved answer as the quiz pages read it."""

    id: int
    question_id: str
    response: Any
    score: float | None
    tries: int = 0  # practice: how often Controleer checked it

    @property
    def final(self) -> bool:
        """Practice: right, or checked twice; the page then explains it in full."""
        return self.tries >= PRACTICE_TRIES or (
            self.tries > 0 and self.score is not None and self.score >= 1
        )

    @property
    def to_retry(self) -> bool:
        """Practice: checked once and not right; the learner tries again."""
        return self.tries > 0 and not self.final


def answers_of(attempt: Attempt) -> dict[str, Saved]:
    """question id → the saved answer, in one query."""
    return _saved(read_core(q.ANSWERS_OF, {"attempt_id": attempt.id}))


def _saved(rows) -> dict[str, Saved]:
    return {
        row.question_id: Saved(row.answer_id, row.question_id, row.response, row.score, row.tries)
        for row in rows
        if row.answer_id is not None
    }


def attempt_with_answers(user_id: int, attempt_id: int) -> tuple[Attempt | None, dict[str, Saved]]:
    """The learner's own attempt and its saved answers in one statement (None for anyone
    else's or unknown ids): what the question page, the overview, the result and hand-in read."""
    if not 0 < attempt_id <= MAX_ID:
        return None, {}
    rows = db.session.execute(
        q.ATTEMPT_WITH_ANSWERS, {"attempt_id": attempt_id, "user_id": user_id}
    ).all()
    if not rows:
        return None, {}
    return rows[0].Attempt, _saved(rows)


def result_with_state(
    user_id: int, attempt_id: int
) -> tuple[Attempt | None, dict[str, Saved], ExamState | None]:
    """attempt_with_answers, and the learner's state of its module (reveal and retake rules),
    still in one statement: the result page."""
    if not 0 < attempt_id <= MAX_ID:
        return None, {}, None
    rows = db.session.execute(
        q.RESULT_WITH_STATE, {"attempt_id": attempt_id, "user_id": user_id}
    ).all()
    if not rows:
        return None, {}, None
    return rows[0].Attempt, _saved(rows), ExamState.from_row(rows[0])


def _claim_open(attempt_id: int) -> bool:
    """Lock the attempt row while it is open; False once it was handed in."""
    return (
        db.session.connection().execute(q.LOCK_OPEN_ATTEMPT, {"attempt_id": attempt_id}).rowcount
        == 1
    )


def save_answer(attempt_id: int, question_id: str, response) -> bool:
    """Store the latest response (None removes it); refused (False) after hand-in.

    One upsert after the lock. A checked practice answer keeps its score and tries; once it
    is final (right, or checked twice) it never changes.
    """
    if not _claim_open(attempt_id):
        db.session.rollback()
        return False
    connection = db.session.connection()
    if response is None:
        connection.execute(
            q.DELETE_UNCHECKED_ANSWER, {"attempt_id": attempt_id, "question_id": question_id}
        )
    else:
        connection.execute(
            q.UPSERT_ANSWER,
            {
                "attempt_id": attempt_id,
                "question_id": question_id,
                "response": response,
                "updated_at": utcnow(),
            },
        )
    db.session.commit()
    return True


def _grade_claimed(attempt: Attempt, module: Module, answers: dict[str, Saved]) -> dict:
    """Grade the answers read after the claim and close the attempt (not yet committed).

    Every saved answer to a question of the attempt gets its score, so the total is the sum
    of the stored scores and the review shows what was counted."""
    quiz = module.quiz
    scores = {}
    for qid in attempt.question_ids:
        answer = answers.get(qid)
        question = quiz.by_id.get(qid)
        if answer is not None and question is not None:
            scores[qid] = round(
                answer.score if answer.score is not None else grade(question, answer.response), 4
            )
    total = round(sum(scores.values()), 4)
    maximum = len(attempt.question_ids)
    passed = maximum > 0 and total / maximum * 100 >= quiz.pass_mark - 1e-9
    graded = {"submitted_at": utcnow(), "score": total, "max_score": maximum, "passed": passed}
    connection = db.session.connection()
    closed = connection.execute(q.GRADE_OPEN_ATTEMPT, {"attempt_id": attempt.id, **graded})
    if closed.rowcount != 1:  # the callers hold the claim: this cannot happen
        raise RuntimeError(f"attempt {attempt.id} was graded without its claim")
    # In question order: the question_tallies trigger (migration 0010) then locks its rows in
    # one order in every hand-in, so two hand-ins of a module can never deadlock.
    scored = [{"answer_id": answers[qid].id, "score": v} for qid, v in sorted(scores.items())]
    if scored:  # one executemany
        connection.execute(q.SCORE_ANSWER, scored)
    return graded


def _after_grading(attempt: Attempt, module: Module, answers: dict[str, Saved], graded: dict):
    """After the commit: the attempt holds what the database holds; tell the recorders."""
    for name, value in graded.items():  # without re-reading it
        set_committed_value(attempt, name, value)
    signals.attempt_submitted.send(
        current_app._get_current_object(), attempt=attempt, module=module, answers=answers
    )


def submit_attempt(attempt: Attempt, module: Module) -> bool:
    """Grade and close the attempt exactly once; False when it was already handed in.

    Claim first (the row lock), then read the answers and grade them, in one transaction: a
    second tab, the Back button or a concurrent request finds no open row and changes
    nothing, and a save racing the hand-in is either graded or refused, never left out.
    """
    if not _claim_open(attempt.id):
        db.session.rollback()
        return False
    answers = answers_of(attempt)
    graded = _grade_claimed(attempt, module, answers)
    db.session.commit()
    _after_grading(attempt, module, answers, graded)
    return True


class HandIn(enum.Enum):
    GRADED = "graded"
    ALREADY = "already handed in"
    OUTDATED = "outdated"  # the quiz file changed since the start: nothing graded
    NOT_FOUND = "not found"  # not this learner's exam


def hand_in(user_id: int, attempt_id: int, course: Course) -> tuple[HandIn, str | None]:
    """Inleveren: claim the learner's open exam, read its answers, grade them, one
    transaction (submit_attempt, plus the owner check in the claim). Returns the outcome and
    the module's slug."""
    if not 0 < attempt_id <= MAX_ID:
        return HandIn.NOT_FOUND, None
    claimed = (
        db.session.connection()
        .execute(q.CLAIM_OWN_OPEN_EXAM, {"attempt_id": attempt_id, "owner_id": user_id})
        .rowcount
        == 1
    )
    attempt, answers = attempt_with_answers(user_id, attempt_id)
    module = course.get(attempt.module_slug) if attempt is not None else None
    if attempt is None or module is None or attempt.kind != AttemptKind.EXAM.value:
        db.session.rollback()
        return HandIn.NOT_FOUND, None
    slug = attempt.module_slug
    if not claimed or is_outdated(attempt, module):
        db.session.rollback()
        return (HandIn.ALREADY if not claimed else HandIn.OUTDATED), slug
    graded = _grade_claimed(attempt, module, answers)
    db.session.commit()
    _after_grading(attempt, module, answers, graded)
    return HandIn.GRADED, slug


def check_practice_answer(attempt: Attempt, module: Module, question: Question, response) -> bool:
    """Practice (Controleer): store the answer with its score and count the try, so the page
    explains it at once (a wrong first try may be checked once more). Once every question of
    the round is final, the round is handed in, in the same transaction. False when the round
    was already handed in; MistakenAnswer when there is nothing to check."""
    if response is None:
        raise MistakenAnswer("Kies eerst een antwoord; daarna zie je of het goed is.")
    if not _claim_open(attempt.id):
        db.session.rollback()
        return False
    db.session.connection().execute(
        q.CHECK_ANSWER,
        {
            "attempt_id": attempt.id,
            "question_id": question.id,
            "response": response,
            "score": round(grade(question, response), 4),
            "updated_at": utcnow(),
        },
    )
    answers = answers_of(attempt)
    graded = None
    if all(qid in answers and answers[qid].final for qid in attempt.question_ids):
        graded = _grade_claimed(attempt, module, answers)
    db.session.commit()
    if graded is not None:
        _after_grading(attempt, module, answers, graded)
    return True


def review_answer(
    number: int, question: Question, answer: Saved | None, reveal: bool = True
) -> Reviewed:
    """One question explained by its type; no answer scores 0. Without `reveal`, the right
    answer shows only where the learner got it fully right (review.py)."""
    response = answer.response if answer else None
    score = answer.score if answer else 0.0
    if score is None:
        score = grade(question, response) if answered(response) else 0.0
    return type_of(question).review(number, question, response, score, reveal)


def review_attempt(
    attempt: Attempt, module: Module, answers: dict[str, Saved], reveal: bool = True
) -> list[Reviewed]:
    """The result page: each question of the attempt that is still in the quiz, explained.
    `reveal`: every right answer is shown (the module was passed, or a finished practice
    round); otherwise only those the learner got right."""
    return [
        review_answer(n, module.quiz.by_id[qid], answers.get(qid), reveal)
        for n, qid in enumerate(attempt.question_ids, 1)
        if qid in module.quiz.by_id
    ]


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
