"""Herhalen: the spaced-review schedule of a learner's passed questions, kept by FSRS.

When an exam is passed, each of its questions becomes a card whose first review is the exam
answer itself (right → Good, wrong → Again), so FSRS gives it a first due date a day or a few
days later. Each review moves the card on the same way (review_session.py). The scheduler has
no (re)learning steps of minutes, because a question is asked at most once a day, so every
interval is whole days; fuzzing is off, so the same answers give the same dates for everyone
(tests pin them). Reviews are rows of their own: they never change an exam, a result or a
status.

A question counts as due all day: "due" means due before the next Dutch midnight.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask
from fsrs import Card, Rating, Scheduler, State
from sqlalchemy.dialects import postgresql, sqlite

from ..core.db import db, is_postgresql
from ..core.dutch import LOCAL, to_local
from ..course.model import Course, Module
from ..models import Answer, Attempt, AttemptKind, ReviewCard, utcnow
from .questions import grade

MAX_INTERVAL_DAYS = 365  # a passed question comes back at least once a year
SCHEDULER = Scheduler(
    learning_steps=(),
    relearning_steps=(),
    maximum_interval=MAX_INTERVAL_DAYS,
    enable_fuzzing=False,
)
SESSION_SIZE = 10  # questions asked in one review session
SECONDS_PER_QUESTION = 24  # what the Herhalen card promises: 5 vragen, 2 minuten


def rating_for(correct: bool) -> Rating:
    """The maintainers' advice for quizzes: right → Good, wrong → Again."""
    return Rating.Good if correct else Rating.Again


def is_correct(score: float) -> bool:
    """Only a fully right answer counts as remembered (a partly right order is wrong)."""
    return score >= 1


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC)


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value else None


def card_of(row) -> Card:
    """The fsrs Card of a review_cards row."""
    return Card(
        card_id=row.id,
        state=State(row.state),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=_aware(row.due),
        last_review=_aware(row.last_review) if row.last_review else None,
    )


def card_fields(card: Card) -> dict:
    """The review_cards columns of an fsrs Card (naive UTC, as every stored time)."""
    return {
        "state": card.state.value,
        "step": card.step,
        "stability": card.stability,
        "difficulty": card.difficulty,
        "due": _naive(card.due),
        "last_review": _naive(card.last_review),
    }


def first_schedule(correct: bool, passed_at: dt.datetime) -> dict:
    """A new card, reviewed once by the passed exam's answer."""
    card = Card(card_id=1, due=_aware(passed_at))  # an id, so fsrs does not make one up
    reviewed, _ = SCHEDULER.review_card(card, rating_for(correct), _aware(passed_at))
    return card_fields(reviewed)


def next_schedule(row, correct: bool, now: dt.datetime) -> dict:
    """The card's columns after one review at `now`."""
    reviewed, _ = SCHEDULER.review_card(card_of(row), rating_for(correct), _aware(now))
    return card_fields(reviewed)


def horizon(now: dt.datetime) -> dt.datetime:
    """The next Dutch midnight after `now` (naive UTC): what is due before it is due today."""
    local = now.replace(tzinfo=dt.UTC).astimezone(LOCAL)
    tomorrow = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL)
    return tomorrow.astimezone(dt.UTC).replace(tzinfo=None)


# --- Questions enter the schedule when an exam is passed -----------------------------------


def _insert_missing(rows: list[dict]) -> int:
    """Insert cards; a question already in the person's schedule keeps its card."""
    if not rows:
        return 0
    dialect = postgresql if is_postgresql() else sqlite
    statement = (
        dialect.insert(ReviewCard)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["user_id", "module_slug", "question_id"])
    )
    return db.session.execute(statement).rowcount or 0


def _cards_for(
    user_id: int, module: Module, passed_at: dt.datetime, scores: Iterable[tuple[str, float]]
) -> list[dict]:
    now = utcnow()
    schedules = {right: first_schedule(right, passed_at) for right in (True, False)}
    return [
        {
            "user_id": user_id,
            "module_slug": module.slug,
            "question_id": qid,
            "passed_at": passed_at,
            "created_at": now,
            **schedules[is_correct(score)],
        }
        for qid, score in scores
        if qid in module.quiz.by_id
    ]


def enroll_attempt(attempt: Attempt, module: Module, responses: dict) -> int:
    """A passed exam's questions enter the schedule (not yet committed): one INSERT."""
    if attempt.kind != AttemptKind.EXAM.value or not attempt.passed or not attempt.submitted_at:
        return 0
    scores = []
    for qid in attempt.question_ids:
        question = module.quiz.by_id.get(qid)
        if question is not None:
            response = responses.get(qid)
            scores.append((qid, grade(question, response) if response is not None else 0.0))
    return _insert_missing(_cards_for(attempt.user_id, module, attempt.submitted_at, scores))


def on_attempt_submitted(app: Flask, attempt, module: Module, answers=None, **_) -> None:
    """Receiver of signals.attempt_submitted: after a pass, its questions enter the
    schedule. A failure is logged and never reaches the learner (their result is saved)."""
    if attempt.kind != AttemptKind.EXAM.value or not attempt.passed:
        return
    responses = {qid: saved.response for qid, saved in (answers or {}).items()}
    try:
        enroll_attempt(attempt, module, responses)
        db.session.commit()
    except Exception:  # noqa: BLE001 - enroll_passed() picks the questions up later
        db.session.rollback()
        app.logger.exception("Herhalen: vragen van poging %s niet ingepland", attempt.id)


def enroll_passed(course: Course, user_ids: sa.Select | None = None) -> int:
    """Every passed module without cards yet enters the schedule from its latest passed
    exam (passes from before Herhalen existed, or a receiver that failed). Three queries
    and one INSERT, committed. Run by `flask reminders send` and when a review starts."""
    no_cards = ~sa.exists().where(
        ReviewCard.user_id == Attempt.user_id, ReviewCard.module_slug == Attempt.module_slug
    )
    query = sa.select(Attempt.id, Attempt.user_id, Attempt.module_slug, Attempt.submitted_at).where(
        Attempt.kind == AttemptKind.EXAM.value,
        Attempt.passed.is_(True),
        Attempt.submitted_at.is_not(None),
        no_cards,
    )
    if user_ids is not None:
        query = query.where(Attempt.user_id.in_(user_ids))
    latest: dict[tuple[int, str], tuple] = {}
    for row in db.session.execute(query).tuples():
        key = (row[1], row[2])
        if key not in latest or row[3] > latest[key][3]:
            latest[key] = row
    if not latest:
        return 0
    ids = [row[0] for row in latest.values()]
    question_ids = dict(
        db.session.execute(sa.select(Attempt.id, Attempt.question_ids).where(Attempt.id.in_(ids)))
        .tuples()
        .all()
    )
    scores: dict[int, dict[str, float]] = {}
    for attempt_id, qid, score in db.session.execute(
        sa.select(Answer.attempt_id, Answer.question_id, Answer.score).where(
            Answer.attempt_id.in_(ids)
        )
    ).tuples():
        scores.setdefault(attempt_id, {})[qid] = score or 0.0
    rows = []
    for attempt_id, user_id, slug, submitted_at in latest.values():
        module = course.get(slug)
        if module is not None:
            got = scores.get(attempt_id, {})
            pairs = [(qid, got.get(qid, 0.0)) for qid in question_ids.get(attempt_id) or []]
            rows += _cards_for(user_id, module, submitted_at, pairs)
    added = _insert_missing(rows)
    db.session.commit()
    return added


# --- How much is due -----------------------------------------------------------------------


@dataclass(frozen=True)
class DueSummary:
    """The Herhalen card on Mijn cursus and the Herhalen page."""

    due: int  # questions due today
    scheduled: int  # questions in the schedule at all
    next_due: dt.datetime | None  # the earliest due time (naive UTC)

    @property
    def minutes(self) -> int:
        return minutes_for(self.due)

    @property
    def next_day(self) -> dt.date | None:
        """The Dutch day the next question is due."""
        return local_day(self.next_due)


def local_day(value: dt.datetime | None) -> dt.date | None:
    return to_local(value).date() if value else None


def minutes_for(count: int) -> int:
    """About how long a review of this many questions takes (at most one session of 10)."""
    return max(1, math.ceil(min(count, SESSION_SIZE) * SECONDS_PER_QUESTION / 60))


def due_summary(user_id: int, now: dt.datetime) -> DueSummary:
    """How many questions are due today, how many are scheduled, and the next due time:
    one statement (the ix_review_cards_user_due index)."""
    due_now = ReviewCard.due < horizon(now)
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((due_now, 1), else_=0)), 0),
            sa.func.count(ReviewCard.id),
            sa.func.min(ReviewCard.due),
        ).where(ReviewCard.user_id == user_id)
    ).one()
    return DueSummary(int(row[0]), int(row[1]), row[2])
