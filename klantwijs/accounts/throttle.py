"""The login throttle, kept in the database so every worker and machine shares it.

Failed logins (wrong password or unknown e-mail) are counted three ways over a window:
per account from one address (LOGIN_LIMIT_PER_ACCOUNT: a typist or a guesser at one
keyboard), per address (LOGIN_LIMIT_PER_ADDRESS: one address trying many accounts), and per
account from every address together (LOGIN_LIMIT_PER_ACCOUNT_ANY_ADDRESS, much higher: a
slow backoff against guessing from many addresses). So a stranger's wrong passwords from
their own address never lock the owner out of their account from another address.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa
from limits import parse

from ..core.db import db
from ..models import LoginFailure, utcnow

KEEP = dt.timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    per_account: tuple[int, dt.timedelta]
    per_address: tuple[int, dt.timedelta]
    per_account_any_address: tuple[int, dt.timedelta]

    @classmethod
    def from_config(cls, config) -> Limits:
        def read(name: str) -> tuple[int, dt.timedelta]:
            item = parse(config[name])  # "5 per 10 minutes", Flask-Limiter's notation
            return item.amount, dt.timedelta(seconds=item.get_expiry())

        return cls(
            read("LOGIN_LIMIT_PER_ACCOUNT"),
            read("LOGIN_LIMIT_PER_ADDRESS"),
            read("LOGIN_LIMIT_PER_ACCOUNT_ANY_ADDRESS"),
        )


def _key(email: str) -> str:
    return (email or "").strip().lower()[:254]


def wait_minutes(limits: Limits, email: str, address: str) -> int | None:
    """Minutes until a login for this account from this address may be tried again, or None
    when it may be tried now. One query."""
    email, now = _key(email), utcnow()
    window = max(limits.per_account[1], limits.per_address[1], limits.per_account_any_address[1])
    rows = db.session.execute(
        sa.select(LoginFailure.email, LoginFailure.address, LoginFailure.at).where(
            LoginFailure.at > now - window,
            sa.or_(LoginFailure.email == email, LoginFailure.address == address),
        )
    ).all()
    checks = [
        (limits.per_account, [r.at for r in rows if r.email == email and r.address == address]),
        (limits.per_address, [r.at for r in rows if r.address == address]),
        (limits.per_account_any_address, [r.at for r in rows if r.email == email]),
    ]
    waits = []
    for (amount, period), times in checks:
        recent = sorted(t for t in times if t > now - period)
        if len(recent) >= amount:
            # Free again when the oldest failure that still counts leaves the window.
            free_at = recent[len(recent) - amount] + period
            waits.append(max(1, math.ceil((free_at - now).total_seconds() / 60)))
    return max(waits) if waits else None


def record_failure(email: str, address: str) -> None:
    """Count one failed login; forget failures older than a day."""
    now = utcnow()
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < now - KEEP))
    db.session.add(LoginFailure(email=_key(email), address=(address or "?")[:64], at=now))
    db.session.commit()
