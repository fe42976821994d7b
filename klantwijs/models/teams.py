"""Beheer: teams, memberships, team leads, assignments, the audit log, reminders and notices."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import db
from .base import utcnow

if TYPE_CHECKING:  # relationship targets, resolved by name at mapper set-up
    from .accounts import User


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
