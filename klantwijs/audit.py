"""The audit log: who did what, written in the same transaction as the change itself.

Shared by accounts (passwords set through a link, role changes) and Beheer (every HR action).
"""

from __future__ import annotations

from .core.db import db
from .models import AuditEntry, User


def audit(actor: User | None, action: str, detail: str) -> AuditEntry:
    """Record who did what; the caller commits together with the change itself."""
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action, detail=detail[:20000])
    db.session.add(entry)
    return entry


def describe(user: User) -> str:
    return f"{user.name} <{user.email}>"
