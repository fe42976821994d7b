"""Learner operations on attempts: start, answer and hand in exams; practise mistakes; the
review of a handed-in attempt.

Plain functions over the database (no request objects), so tests call them without HTTP.
"""

from __future__ import annotations

import secrets
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.attributes import set_committed_value

from ..core.db import db, read_core
from ..course.model import Module, Question
from ..models import MAX_ID, Answer, Attempt, AttemptKind, utcnow
from . import queries as q
from . import signals
from .draw import draw_questions
from .questions import MistakenAnswer, grade, type_of
from .review import Reviewed, answered

RECENT_ATTEMPTS = 3
PRACTICE_SIZE = 5


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
    attempt = _new_attempt(user_id, module, AttemptKind.EXAM.value)
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


def answers_of(attempt: Attempt) -> dict[str, Saved]:
    """question id → the saved answer, in one query."""
    return {
        row.question_id: Saved(row.answer_id, row.question_id, row.response, row.score)
        for row in read_core(q.ANSWERS_OF, {"attempt_id": attempt.id})
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
    answers = {
        row.question_id: Saved(row.answer_id, row.question_id, row.response, row.score)
        for row in rows
        if row.answer_id is not None
    }
    return rows[0].Attempt, answers


def _claim_open(attempt_id: int) -> bool:
    """Lock the attempt row while it is open; False once it was handed in."""
    return (
        db.session.connection().execute(q.LOCK_OPEN_ATTEMPT, {"attempt_id": attempt_id}).rowcount
        == 1
    )


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
    if connection.execute(q.GRADE_OPEN_ATTEMPT, {"attempt_id": attempt.id, **graded}).rowcount != 1:
        db.session.rollback()
        return False
    scored = [
        {"answer_id": answers[qid].id, "score": round(value, 4)} for qid, value in scores.items()
    ]
    if scored:  # one executemany
        connection.execute(q.SCORE_ANSWER, scored)
    db.session.commit()
    for name, value in graded.items():  # what the database now holds, without re-reading it
        set_committed_value(attempt, name, value)
    signals.attempt_submitted.send(
        current_app._get_current_object(), attempt=attempt, module=module, answers=answers
    )
    return True


def check_practice_answer(attempt: Attempt, module: Module, question: Question, response) -> bool:
    """Practice (Controleer): save the answer with its score, so the page explains it at once.
    Once every question of the round was tried, the round is handed in. False when the round
    was already handed in; MistakenAnswer when there is nothing to check."""
    if response is None:
        raise MistakenAnswer("Kies eerst een antwoord; daarna zie je of het goed is.")
    attempt_id, total = attempt.id, len(attempt.question_ids)
    if not save_answer(attempt_id, question.id, response, grade(question, response)):
        return False
    answers = answers_of(attempt)
    if sum(a.score is not None for a in answers.values()) == total:  # every question tried
        submit_attempt(attempt, module, answers)
    return True


def review_answer(number: int, question: Question, answer: Saved | None) -> Reviewed:
    """One question explained by its type; no answer scores 0."""
    response = answer.response if answer else None
    score = answer.score if answer else 0.0
    if score is None:
        score = grade(question, response) if answered(response) else 0.0
    return type_of(question).review(number, question, response, score)


def review_attempt(attempt: Attempt, module: Module, answers: dict[str, Saved]) -> list[Reviewed]:
    """The result page: each question of the attempt that is still in the quiz, explained."""
    return [
        review_answer(n, module.quiz.by_id[qid], answers.get(qid))
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
