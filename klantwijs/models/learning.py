"""Learning: attempts and answers, lesson views, spaced review, certificates."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import db
from .base import utcnow


class AttemptKind(enum.StrEnum):
    EXAM = "exam"
    PRACTICE = "practice"


class Attempt(db.Model):
    """One try at a module's quiz; the server fixes the questions and their order at start."""

    __tablename__ = "attempts"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('exam', 'practice')", name="kind_known"),
        sa.CheckConstraint(
            "(submitted_at IS NULL) = (score IS NULL)", name="graded_when_submitted"
        ),
        # Finds a learner's open attempt of a module from the index alone.
        sa.Index("ix_attempts_user_module_submitted", "user_id", "module_slug", "submitted_at"),
        # Lets the HR report's freshness check count handed-in attempts from the index alone.
        sa.Index("ix_attempts_submitted_at", "submitted_at"),
        # Voortgang: per person and module, started and the latest pass, from the index alone.
        sa.Index(
            "ix_attempts_exam_progress",
            "user_id",
            "module_slug",
            "passed",
            "submitted_at",
            sqlite_where=sa.text("kind = 'exam'"),
            postgresql_where=sa.text("kind = 'exam'"),
        ),
        # At most one open exam per learner and module, whatever races between requests.
        sa.Index(
            "uq_attempts_one_open_exam",
            "user_id",
            "module_slug",
            unique=True,
            sqlite_where=sa.text("submitted_at IS NULL AND kind = 'exam'"),
            postgresql_where=sa.text("submitted_at IS NULL AND kind = 'exam'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    module_slug: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(10), default=AttemptKind.EXAM.value)
    # Hash of the quiz file the attempt was drawn from.
    content_version: Mapped[str] = mapped_column(sa.String(64))
    # Seed for shuffling options and steps; question ids in the order shown.
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    question_ids: Mapped[list[str]] = mapped_column(sa.JSON)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    score: Mapped[float | None]
    max_score: Mapped[int] = mapped_column(default=0)
    passed: Mapped[bool | None]

    answers: Mapped[list[Answer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan"
    )


class Answer(db.Model):
    """The learner's latest response to one question of an attempt (content ids, not shown ids)."""

    __tablename__ = "answers"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(sa.String(64))
    response: Mapped[Any] = mapped_column(sa.JSON)
    # 0..1, set when the attempt is graded (practice: when answered).
    score: Mapped[float | None]
    # Practice: how often Controleer checked this answer (a wrong first try may try again).
    tries: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="answers")


class QuestionTally(db.Model):
    """Vragen-inzicht for everyone: per module, question and response given (its JSON text),
    how many handed-in exam answers and how many of them had full marks. Kept by triggers on
    answers (migration 0010) in the hand-in's own transaction, so the page reads a few
    hundred rows instead of every answer. Derived data: a restore rebuilds it."""

    __tablename__ = "question_tallies"

    module_slug: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    question_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    response: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    answered: Mapped[int]
    correct: Mapped[int]


class ReportCell(db.Model):
    """Voortgang's facts per person × module: the Deadline that counts and the shortest
    validity (learning/assigned.py's rule), started, lesson read, first and latest pass.
    Kept by triggers on attempts, lesson views, assignments and memberships (migration
    0011) in the transaction of each change; `due_date` is None where nothing assigns the
    module (any more). Derived data: a restore rebuilds it."""

    __tablename__ = "report_cells"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    module_slug: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    due_date: Mapped[dt.date | None]
    valid_months: Mapped[int | None]
    started: Mapped[bool]
    lesson_read: Mapped[bool]
    passed_at: Mapped[dt.datetime | None]
    last_passed_at: Mapped[dt.datetime | None]


class LessonView(db.Model):
    __tablename__ = "lesson_views"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    module_slug: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    first_viewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_viewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewCard(db.Model):
    """One question of a passed module in a learner's spaced-review schedule (Herhalen): the
    FSRS card state (learning/spaced.py). Reviews never touch attempts, so never a result."""

    __tablename__ = "review_cards"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "module_slug", "question_id"),
        sa.CheckConstraint("state IN (1, 2, 3)", name="state_known"),
        # How many are due for this person (Mijn cursus, Herhalen) from the index alone.
        sa.Index("ix_review_cards_user_due", "user_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    module_slug: Mapped[str] = mapped_column(sa.String(64))
    question_id: Mapped[str] = mapped_column(sa.String(64))
    # fsrs.Card: state 1 learning, 2 review, 3 relearning; step, stability, difficulty.
    state: Mapped[int]
    step: Mapped[int | None]
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[dt.datetime]
    last_review: Mapped[dt.datetime | None]
    # The exam pass that put the question in the schedule (retention counts from here).
    passed_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewSession(db.Model):
    """Herhalen: up to 10 due questions, fixed when the session starts, one per screen."""

    __tablename__ = "review_sessions"
    __table_args__ = (
        # At most one open session per learner, whatever races between two tabs.
        sa.Index(
            "uq_review_sessions_one_open",
            "user_id",
            unique=True,
            sqlite_where=sa.text("finished_at IS NULL"),
            postgresql_where=sa.text("finished_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    # In the order asked: [{"card": review_cards.id, "module": slug, "question": id}]
    items: Mapped[list[dict]] = mapped_column(sa.JSON)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


class ReviewLog(db.Model):
    """One answer in a review session: graded, rated (right → Good, wrong → Again) and kept
    for Voortgang's retention figure. Answering a question twice records it once."""

    __tablename__ = "review_logs"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "card_id"),
        sa.CheckConstraint("rating IN (1, 2, 3, 4)", name="rating_known"),
        # Retention per module for a set of people (hr/reports via learning/retention.py).
        sa.Index("ix_review_logs_user_module", "user_id", "module_slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("review_sessions.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_cards.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    module_slug: Mapped[str] = mapped_column(sa.String(64))
    question_id: Mapped[str] = mapped_column(sa.String(64))
    response: Mapped[Any] = mapped_column(sa.JSON)
    score: Mapped[float]
    correct: Mapped[bool]
    rating: Mapped[int]
    reviewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Whole days between the pass that scheduled the question and this answer.
    days_since_pass: Mapped[int]


class ReviewNudge(db.Model):
    """A "Je hebt N vragen om te herhalen" mail, claimed before it is sent: at most one per
    person every 7 days, also when `flask reminders send` runs twice or on two servers."""

    __tablename__ = "review_nudges"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sent_on: Mapped[dt.date] = mapped_column(primary_key=True)
    due_count: Mapped[int]


class Certificate(db.Model):
    """A Certificaat as issued: the name, modules and dates are copied in, so the public
    verification page shows what the PDF said (an edited PDF is caught by comparison)."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # [{"slug", "title", "passed_on": "2026-12-01", "valid_until": "2027-12-01" | None}]
    modules: Mapped[list[dict]] = mapped_column(sa.JSON)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    revoke_reason: Mapped[str] = mapped_column(sa.Text, default="")
