"""Certificaat: a one-page PDF for a learner who passed every module assigned to them (or the
whole course when nothing is assigned), and its public verification by code.

What a certificate says (name, modules, pass dates, validity) is copied into its row when it
is issued, so the verification page shows exactly what the PDF said: an edited PDF is caught
by comparison. Downloading again with nothing changed gives the same certificate (same code);
a new pass, a renewed validity or a new name gives a new one. An admin can revoke one
(audited); the verification page then says so.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from ..audit import audit, describe
from ..core.db import db
from ..course.model import Course
from ..models import MAX_ID, Attempt, AttemptKind, Certificate, User, utcnow
from .assigned import assigned_select, pick_earliest
from .status import Status
from .validity import passed_on, standing

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud or typed without doubt
CODE = re.compile(r"[A-HJ-NP-Z2-9]{12}")
MAX_REASON = 200


def new_code() -> str:
    """ABCD-EFGH-JKLM: 60 random bits, in three groups of four."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(raw: str | None) -> str | None:
    """A code as typed (any case, spaces or dashes) in its stored form; None when it cannot
    be one."""
    if not raw or len(raw) > 40:
        return None
    compact = re.sub(r"[\s-]", "", raw).upper()
    if not CODE.fullmatch(compact):
        return None
    return f"{compact[:4]}-{compact[4:8]}-{compact[8:]}"


@dataclass(frozen=True)
class Line:
    """One module as the certificate page sees it."""

    slug: str
    title: str
    order: int
    status: Status
    passed_at: dt.datetime | None
    valid_until: dt.date | None


def covered(course: Course, assigned_slugs: set[str]) -> list[str]:
    """The one rule for what a certificate covers: the modules assigned to the person that
    are in the course, or the whole course when nothing is assigned."""
    slugs = [m.slug for m in course.modules]
    mine = [s for s in slugs if s in assigned_slugs]
    return mine or slugs


def complete(statuses: dict[str, Status], assigned_slugs: set[str], course: Course) -> bool:
    """Every covered module passed (and still valid)."""
    needed = covered(course, assigned_slugs)
    return bool(needed) and all(statuses.get(s) is Status.PASSED for s in needed)


def certificate_lines(user_id: int, course: Course, today: dt.date) -> list[Line]:
    """The covered modules with status, latest pass and validity, in course order: one
    statement (the person's assignments and latest passes)."""
    a = Attempt.__table__
    assigned = assigned_select(sa.select(sa.literal(user_id))).subquery()
    rows = db.session.execute(
        sa.union_all(
            sa.select(
                sa.literal("due").label("row"),
                *assigned.c,
                sa.cast(sa.null(), sa.DateTime).label("passed_at"),
            ),
            sa.select(
                sa.literal("pass"),
                a.c.user_id,
                sa.cast(sa.null(), sa.Integer),
                a.c.module_slug,
                sa.cast(sa.null(), sa.Date),
                sa.cast(sa.null(), sa.DateTime),
                sa.cast(sa.null(), sa.Integer),
                sa.func.max(a.c.submitted_at),
            )
            .where(
                a.c.user_id == user_id,
                a.c.kind == AttemptKind.EXAM.value,
                a.c.passed.is_(True),
                a.c.submitted_at.is_not(None),
            )
            .group_by(a.c.user_id, a.c.module_slug),
        )
    ).all()
    items = {
        slug: item
        for (_, slug), item in pick_earliest(tuple(r[1:7]) for r in rows if r[0] == "due").items()
    }
    passes = {r[3]: r[7] for r in rows if r[0] == "pass"}
    lines = []
    for slug in covered(course, set(items)):
        module, item, passed_at = course.get(slug), items.get(slug), passes.get(slug)
        now = standing(
            False,
            passed_at is not None,
            passed_at,
            item.due_date if item else None,
            item.valid_months if item else None,
            today,
        )
        lines.append(Line(slug, module.title, module.order, now.status, passed_at, now.valid_until))
    return lines


def _content(lines: list[Line]) -> list[dict]:
    return [
        {
            "slug": line.slug,
            "title": line.title,
            "passed_on": passed_on(line.passed_at).isoformat(),
            "valid_until": line.valid_until.isoformat() if line.valid_until else None,
        }
        for line in lines
    ]


def issue(user: User, course: Course, today: dt.date) -> Certificate | None:
    """The learner's certificate for what they passed now; None while a covered module is
    not passed (or Verlopen). The same content gives the same certificate back."""
    lines = certificate_lines(user.id, course, today)
    if not lines or any(line.status is not Status.PASSED for line in lines):
        return None
    content = _content(lines)
    for earlier in db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.user_id == user.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.id.desc())
        .limit(5)
    ):
        if earlier.name == user.name and earlier.modules == content:
            return earlier
    for _ in range(3):
        certificate = Certificate(
            code=new_code(), user_id=user.id, name=user.name, modules=content, issued_at=utcnow()
        )
        db.session.add(certificate)
        try:
            db.session.commit()
            return certificate
        except sa.exc.IntegrityError:  # a code taken already: 1 in 2**60, draw again
            db.session.rollback()
    raise RuntimeError("no free certificate code")


def certificates_of(user_id: int) -> list[Certificate]:
    """A learner's certificates, newest first."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.id.desc())
        )
    )


def own_certificate(user_id: int, code: str | None) -> Certificate | None:
    """The learner's own certificate with this code; None for anyone else's."""
    code = normalise_code(code)
    if code is None:
        return None
    return db.session.scalar(
        sa.select(Certificate).where(Certificate.code == code, Certificate.user_id == user_id)
    )


def find(code: str | None) -> Certificate | None:
    """Any certificate by its code (the public verification page)."""
    code = normalise_code(code)
    if code is None:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code))


def modules_on(certificate: Certificate, today: dt.date) -> list[dict]:
    """The certificate's modules with dates as dates, and whether each validity ran out."""
    found = []
    for entry in certificate.modules:
        until = dt.date.fromisoformat(entry["valid_until"]) if entry.get("valid_until") else None
        found.append(
            {
                "title": entry["title"],
                "passed_on": dt.date.fromisoformat(entry["passed_on"]),
                "valid_until": until,
                "expired": until is not None and until < today,
            }
        )
    return found


class RevokeRefused(Exception):
    """Intrekken could not be done; the message is Dutch."""


def revoke(actor: User, certificate_id: int, reason: str) -> Certificate:
    """Intrekken: the certificate stays findable by its code and says it is revoked.
    Audited in the same transaction."""
    certificate = (
        db.session.get(Certificate, certificate_id) if 0 < certificate_id <= MAX_ID else None
    )
    if certificate is None:
        raise LookupError(certificate_id)
    if certificate.revoked_at is not None:
        raise RevokeRefused("Dit certificaat is al ingetrokken.")
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revoke_reason = reason.strip()[:MAX_REASON]
    audit(
        actor,
        "certificaat ingetrokken",
        f"{certificate.code} van {certificate.name}"
        + (f": {certificate.revoke_reason}" if certificate.revoke_reason else "")
        + f" (door {describe(actor)})",
    )
    db.session.commit()
    return certificate


def search(code_or_name: str, limit: int = 50) -> list[Certificate]:
    """Beheer: certificates by code, or by part of the name on them; the newest first."""
    query = sa.select(Certificate).order_by(Certificate.id.desc()).limit(limit)
    text = (code_or_name or "").strip()
    code = normalise_code(text)
    if code:
        query = query.where(Certificate.code == code)
    elif text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Certificate.name.ilike(f"%{escaped}%", escape="\\"))
    return list(db.session.scalars(query))
