"""Herhalen, one session: up to SESSION_SIZE due questions, fixed when it starts, asked one per
screen. Each answer is graded at once with the question's own type (questions.py), explained
with the lesson link, and moves the card on in the schedule (spaced.py). Plain functions over
the database, as attempts.py; nothing here touches an attempt.

A learner has at most one open session (a partial unique index); answering a question twice
(two tabs, the Back button) records it once (review_logs is unique per session and card).
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from ..core.db import db
from ..course.model import Course, Module, Question
from ..models import MAX_ID, ReviewCard, ReviewLog, ReviewSession, User
from . import signals, spaced
from .questions import grade, type_of
from .review import Reviewed

# An unfinished session older than this is closed when the learner starts again.
KEPT_OPEN = dt.timedelta(days=1)
LOOK_AHEAD = 3  # due cards read per question asked, to skip questions gone from the course


@dataclass(frozen=True)
class Item:
    number: int
    card_id: int
    module_slug: str
    question_id: str


@dataclass
class Loaded:
    """A learner's session with its answers (card id → log row) and their next due time."""

    session: ReviewSession
    answers: dict[int, ReviewLog] = field(default_factory=dict)
    next_due: dt.datetime | None = None

    @property
    def items(self) -> list[Item]:
        return [
            Item(n, it["card"], it["module"], it["question"])
            for n, it in enumerate(self.session.items, 1)
        ]

    def item(self, number: int) -> Item | None:
        items = self.items
        return items[number - 1] if 1 <= number <= len(items) else None

    @property
    def first_open(self) -> int | None:
        """The number of the first question not answered yet."""
        return next((i.number for i in self.items if i.card_id not in self.answers), None)

    @property
    def next_day(self) -> dt.date | None:
        return spaced.local_day(self.next_due)

    @property
    def right(self) -> int:
        return sum(log.correct for log in self.answers.values())


def question_of(course: Course, item: Item) -> tuple[Module | None, Question | None]:
    module = course.get(item.module_slug)
    return module, (module.quiz.by_id.get(item.question_id) if module else None)


def overview(user_id: int, now: dt.datetime) -> tuple[spaced.DueSummary, int | None, bool]:
    """The Herhalen page in one statement: what is due, the open session, and whether the
    learner wants the weekly e-mail."""
    due_now = ReviewCard.due < spaced.horizon(now)
    open_session = (
        sa.select(ReviewSession.id)
        .where(ReviewSession.user_id == user_id, ReviewSession.finished_at.is_(None))
        .limit(1)
        .scalar_subquery()
    )
    nudges = sa.select(User.review_nudges).where(User.id == user_id).scalar_subquery()
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((due_now, 1), else_=0)), 0),
            sa.func.count(ReviewCard.id),
            sa.func.min(ReviewCard.due),
            open_session,
            nudges,
        ).where(ReviewCard.user_id == user_id)
    ).one()
    return spaced.DueSummary(int(row[0]), int(row[1]), row[2]), row[3], bool(row[4])


def load(user_id: int, session_id: int) -> Loaded | None:
    """The learner's own session, its answers and their next due time in one statement;
    None for anyone else's or unknown ids."""
    if not 0 < session_id <= MAX_ID:
        return None
    next_due = (
        sa.select(sa.func.min(ReviewCard.due))
        .where(ReviewCard.user_id == user_id)
        .scalar_subquery()
        .label("next_due")
    )
    rows = db.session.execute(
        sa.select(ReviewSession, ReviewLog, next_due)
        .outerjoin(ReviewLog, ReviewLog.session_id == ReviewSession.id)
        .where(ReviewSession.id == session_id, ReviewSession.user_id == user_id)
    ).all()
    if not rows:
        return None
    loaded = Loaded(rows[0][0], next_due=rows[0][2])
    for _, log, _ in rows:
        if log is not None:
            loaded.answers[log.card_id] = log
    return loaded


def _open_session(user_id: int) -> ReviewSession | None:
    return db.session.scalar(
        sa.select(ReviewSession).where(
            ReviewSession.user_id == user_id, ReviewSession.finished_at.is_(None)
        )
    )


def start(user_id: int, course: Course, now: dt.datetime) -> ReviewSession | None:
    """The open session (started within KEPT_OPEN), or a new one of the questions due today,
    the longest due first; None when nothing is due. Passed modules not yet in the schedule
    enter it first. Cards of questions gone from the course are dropped."""
    current = _open_session(user_id)
    if current is not None:
        if now - current.started_at < KEPT_OPEN:
            return current
        current.finished_at = now
    spaced.enroll_passed(course, sa.select(sa.literal(user_id)))
    due = db.session.scalars(
        sa.select(ReviewCard)
        .where(ReviewCard.user_id == user_id, ReviewCard.due < spaced.horizon(now))
        .order_by(ReviewCard.due, ReviewCard.id)
        .limit(spaced.SESSION_SIZE * LOOK_AHEAD)
    ).all()
    items, gone = [], []
    for card in due:
        _, question = question_of(course, Item(0, card.id, card.module_slug, card.question_id))
        if question is None:
            gone.append(card.id)
        elif len(items) < spaced.SESSION_SIZE:
            items.append({"card": card.id, "module": card.module_slug, "question": question.id})
    if gone:
        db.session.execute(sa.delete(ReviewCard).where(ReviewCard.id.in_(gone)))
    if not items:
        db.session.commit()
        return None
    session = ReviewSession(user_id=user_id, seed=secrets.randbits(62), items=items, started_at=now)
    db.session.add(session)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # uq_review_sessions_one_open: another tab started one
        db.session.rollback()
        return _open_session(user_id)
    return session


class Answered(enum.Enum):
    RECORDED = "recorded"
    ALREADY = "already answered"  # or the session was closed
    GONE = "question gone"  # the question left the course since the session started


def answer(
    user_id: int, loaded: Loaded, number: int, course: Course, response, now: dt.datetime
) -> Answered:
    """Grade one answer, record it and move its card on: right → Good, wrong → Again. The
    session closes with its last answer. One transaction; the exam results stay as they are."""
    session = loaded.session
    item = loaded.item(number)
    module, question = question_of(course, item)
    if session.finished_at is not None or item.card_id in loaded.answers:
        return Answered.ALREADY
    card = db.session.scalar(
        sa.select(ReviewCard)
        .where(ReviewCard.id == item.card_id, ReviewCard.user_id == user_id)
        .with_for_update()
    )
    if card is None or question is None:
        db.session.rollback()
        return Answered.GONE
    score = round(grade(question, response), 4)
    correct = spaced.is_correct(score)
    db.session.add(
        ReviewLog(
            session_id=session.id,
            card_id=card.id,
            user_id=user_id,
            module_slug=module.slug,
            question_id=question.id,
            response=response,
            score=score,
            correct=correct,
            rating=spaced.rating_for(correct).value,
            reviewed_at=now,
            days_since_pass=max(0, (now - card.passed_at).days),
        )
    )
    try:
        db.session.flush()  # the unique (session, card) row claims the answer
    except sa.exc.IntegrityError:
        db.session.rollback()
        return Answered.ALREADY
    for name, value in spaced.next_schedule(card, correct, now).items():
        setattr(card, name, value)
    answered = db.session.scalar(
        sa.select(sa.func.count()).where(ReviewLog.session_id == session.id)
    )
    finished = answered >= len(session.items)
    if finished:
        session.finished_at = now
    db.session.commit()
    app = current_app._get_current_object()
    signals.review_answered.send(
        app, user_id=user_id, module_slug=module.slug, question_id=question.id, correct=correct
    )
    if finished:
        for slug in dict.fromkeys(it["module"] for it in session.items):
            signals.review_done.send(app, user_id=user_id, module_slug=slug)
    return Answered.RECORDED


def explained(number: int, question: Question, log: ReviewLog) -> Reviewed:
    """The feedback on one answer: the type's own review with the right answer shown (the
    module was passed, so the reveal rule allows it) and the lesson section."""
    return type_of(question).review(number, question, log.response, log.score, reveal=True)


def set_nudges(user_id: int, wanted: bool) -> None:
    """The learner's choice: the weekly "Je hebt N vragen om te herhalen" e-mail on or off."""
    db.session.execute(sa.update(User).where(User.id == user_id).values(review_nudges=wanted))
    db.session.commit()
