"""Accounts: people, their links to choose a password, failed logins, single sign-on."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import db
from .base import utcnow

if TYPE_CHECKING:  # relationship targets, resolved by name at mapper set-up
    from .teams import Membership


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
        # Voortgang's order (hr/reports/facts.py SORT): a page of people read in order. Not
        # on SQLite, whose planner then walks it for the whole CSV (3x slower, bench/README).
        sa.Index("ix_users_sort", sa.func.lower(sa.text("name")), "email", "id").ddl_if(
            dialect="postgresql"
        ),
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
