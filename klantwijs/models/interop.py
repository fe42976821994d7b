"""Interop: the xAPI outbox."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import db
from .base import utcnow


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
