"""Database tables. Content (lessons, questions) lives in files; rows refer to it by slug and id."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .core.db import db

MAX_ID = 2**31 - 1  # the largest id both SQLite and PostgreSQL integer columns hold


def utcnow() -> dt.datetime:
    """Naive UTC, the same on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Role(enum.StrEnum):
    LEARNER = "learner"
    HR = "hr"
    ADMIN = "admin"


ROLE_VALUES = tuple(r.value for r in Role)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(f"role IN {ROLE_VALUES!r}", name="role_known"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # None until an invited person sets a password.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(10), default=Role.LEARNER.value)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped at logout and password change: older session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Herhalen: may `flask reminders send` mail "Je hebt N vragen om te herhalen" (weekly)?
    review_nudges: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_hr(self) -> bool:
        return self.role in (Role.HR.value, Role.ADMIN.value)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )


class Membership(db.Model):
    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    team: Mapped[Team] = relationship(back_populates="memberships")


class Assignment(db.Model):
    """A module assigned with a deadline to a whole team (also later members) or one person."""

    __tablename__ = "assignments"
    __table_args__ = (
        sa.CheckConstraint("(team_id IS NULL) <> (user_id IS NULL)", name="team_or_user"),
        sa.CheckConstraint(
            "valid_months IS NULL OR valid_months IN (6, 12, 24, 36)", name="valid_months_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_slug: Mapped[str] = mapped_column(sa.String(64), index=True)
    team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    due_date: Mapped[dt.date]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # Recertification: a pass counts this many months, then the module is Verlopen
    # (learning/validity.py; the choices are VALIDITY_CHOICES there). None: for good.
    valid_months: Mapped[int | None]


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


class LessonView(db.Model):
    __tablename__ = "lesson_views"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    module_slug: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    first_viewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_viewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Invitation(db.Model):
    """A single-use link to set a password (invitation or reset); only its hash is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class AuditEntry(db.Model):
    """Who changed what and when, for every HR action that changes data."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(64))
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class ReminderSent(db.Model):
    """At most one reminder per assignment, person and day."""

    __tablename__ = "reminders_sent"

    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sent_on: Mapped[dt.date] = mapped_column(primary_key=True)


class TeamLead(db.Model):
    """A Teamleider: sees Voortgang, person pages and Vragen-inzicht of this team's members
    and assigns modules to the team, nothing else in Beheer. Set by HR and admins."""

    __tablename__ = "team_leads"

    # user_id first: "which teams does the signed-in person lead" is the lookup every
    # request makes (accounts/session.py), the team page's list the other one.
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class NoticeKind(enum.StrEnum):
    ASSIGNED = "toegewezen"  # a module was assigned (or its Deadline changed)
    REMINDER = "herinnering"  # the daily run or Stuur nu


class Notice(db.Model):
    """An e-mail to one person. "toegewezen": one per person per assignment action, queued
    with the assignments and sent right after (or by the next `flask reminders send`);
    "herinnering": written when a reminder was sent or failed. Herinneringen reads them."""

    __tablename__ = "notices"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('toegewezen', 'herinnering')", name="kind_known"),
        # The latest notice of a kind per person (Herinneringen).
        sa.Index("ix_notices_user_kind_created", "user_id", "kind", "created_at"),
        # What is still to be sent.
        sa.Index("ix_notices_kind_sent_at", "kind", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    # [{"slug": ..., "due": "2026-12-31", "change": "nieuw" | "deadline"}]: titles are looked
    # up when the mail is written, so a renamed module reads right.
    items: Mapped[list[dict]] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Who assigned, or pressed Stuur nu; None for the daily run.
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    sent_at: Mapped[dt.datetime | None]
    failed_at: Mapped[dt.datetime | None]
    error: Mapped[str] = mapped_column(sa.Text, default="")
    tries: Mapped[int] = mapped_column(default=0)
    # A sender's claim on a queued notice, so two senders never mail it twice.
    claim: Mapped[str | None] = mapped_column(sa.String(32))
    claimed_at: Mapped[dt.datetime | None]


class LoginFailure(db.Model):
    """A failed login (wrong password or unknown e-mail), for the login throttle that every
    worker shares. Rows older than a day are deleted as new failures come in."""

    __tablename__ = "login_failures"
    __table_args__ = (
        sa.Index("ix_login_failures_email_at", "email", "at"),
        sa.Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    address: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class XapiStatement(db.Model):
    """An xAPI statement in the outbox: written next to the learner's change, delivered to
    the Learning Record Store later by `flask xapi send`. The statement's UUID is fixed when
    the row is written, so sending it again never makes a second statement in the LRS."""

    __tablename__ = "xapi_outbox"
    __table_args__ = (
        # What `flask xapi send` reads: the undelivered rows whose retry time has come.
        sa.Index("ix_xapi_outbox_pending", "sent_at", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    # Deleting a person drops their undelivered statements with them.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    verb: Mapped[str] = mapped_column(sa.String(32))
    statement: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    tries: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")


class OidcIdentity(db.Model):
    """A person's account at an OpenID provider: the (issuer, sub) pair finds them at every
    single sign-on, also after their e-mail address changed. One per person and issuer."""

    __tablename__ = "oidc_identities"
    __table_args__ = (
        sa.UniqueConstraint("issuer", "subject"),
        sa.UniqueConstraint("user_id", "issuer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    issuer: Mapped[str] = mapped_column(sa.String(255))
    # The provider's `sub` claim: at most 255 ASCII characters (OpenID Connect Core 2).
    subject: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class GroupTeam(db.Model):
    """A directory group (a value of the OIDC_GROUPS_CLAIM claim) whose members belong to a
    team; set in Beheer, followed at every single sign-on."""

    __tablename__ = "group_teams"
    __table_args__ = (sa.UniqueConstraint("group_name", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_name: Mapped[str] = mapped_column(sa.String(255))
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


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
