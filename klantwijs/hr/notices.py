"""E-mail when a module is assigned: one mail per person per assignment action.

The notices are queued (table `notices`) in the same transaction as the assignments, so a
double submit or a crash never mails twice or loses one; the view delivers them right away
over one SMTP connection, and `flask reminders send` delivers any left (mail was down, or
more people than one request should mail).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..core.db import db
from ..core.dutch import short_date
from ..core.mail import MailError, absolute_url, build_message, render_mail
from ..course.model import Course
from ..learning.assigned import assigned_modules
from ..models import (
    Assignment,
    Attempt,
    AttemptKind,
    Membership,
    Notice,
    NoticeKind,
    User,
    utcnow,
)
from .mailer import Mailer, MailServerDown

MAX_TRIES = 5  # a notice the server refused this often is left (shown on Herinneringen)
CLAIM_STALE = dt.timedelta(minutes=15)  # a sender that died: its claims expire
BATCH = 200


@dataclass
class Delivery:
    """What a delivery did: mails sent and failed, and whether the server was unreachable."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    server_down: bool = False


def queue_assigned(
    actor: User, changes: list[tuple[int, str, dt.date, str]], team_id: int | None
) -> list[int]:
    """Queue one notice per person reached by this action: `changes` are (assignment id,
    module slug, deadline, "nieuw" | "deadline"); for a team, its active members, else the
    people assigned directly. Modules a person already passed, or that reach them through an
    assignment with an earlier Deadline, are left out. Flushes; the caller commits.
    Returns the new notices' ids."""
    if not changes:
        return []
    db.session.flush()
    ids = {assignment_id for assignment_id, *_ in changes}
    if team_id is not None:
        people = sa.select(Membership.user_id).where(Membership.team_id == team_id)
    else:
        people = sa.select(Assignment.user_id).where(Assignment.id.in_(ids))
    active = sa.select(User.id).where(User.id.in_(people), User.active.is_(True))
    counts = assigned_modules(active)  # the Deadline that counts, per person and module
    slugs = {slug for _, slug, _, _ in changes}
    passed = set(
        db.session.execute(
            sa.select(Attempt.user_id, Attempt.module_slug)
            .where(
                Attempt.user_id.in_(active),
                Attempt.module_slug.in_(slugs),
                Attempt.kind == AttemptKind.EXAM.value,
                Attempt.passed.is_(True),
            )
            .distinct()
        ).tuples()
    )
    change_of = {assignment_id: change for assignment_id, _, _, change in changes}
    items: dict[int, list[dict]] = defaultdict(list)
    for (user_id, slug), counted in sorted(counts.items()):
        if counted.assignment_id not in ids or (user_id, slug) in passed:
            continue
        items[user_id].append(
            {
                "slug": slug,
                "due": counted.due_date.isoformat(),
                "change": change_of[counted.assignment_id],
            }
        )
    notices = [
        Notice(
            user_id=user_id,
            kind=NoticeKind.ASSIGNED.value,
            items=found,
            created_by_id=actor.id,
            error="",
            tries=0,
        )
        for user_id, found in items.items()
    ]
    db.session.add_all(notices)
    db.session.flush()
    return [n.id for n in notices]


def _title(course: Course, slug: str) -> str:
    module = course.get(slug)
    return module.title if module else slug


def assigned_message(course: Course, name: str, email: str, items: list[dict]):
    """The mail: 'Je hebt een nieuwe module: …' with each Deadline and the link."""
    entries = [
        {
            "title": _title(course, item["slug"]),
            "deadline": short_date(dt.date.fromisoformat(item["due"])),
            "link": absolute_url("learn.lesson", slug=item["slug"]),
            "new": item["change"] == "nieuw",
        }
        for item in items
    ]
    new = [e for e in entries if e["new"]]
    if len(new) == 1:
        subject = f"Je hebt een nieuwe module: {new[0]['title']}"
    elif new:
        subject = f"Je hebt {len(new)} nieuwe modules in Klantwijs"
    else:
        subject = "Een nieuwe Deadline in Klantwijs"
    body = render_mail(
        "email/assigned.txt",
        name=name,
        new=new,
        changed=[e for e in entries if not e["new"]],
        home=absolute_url("learn.home"),
    )
    return build_message(email, subject, body)


def _claim(notice_ids: list[int]) -> str:
    """Claim these queued notices for this sender (one UPDATE); returns the claim token."""
    token = secrets.token_hex(16)
    now = utcnow()
    db.session.execute(
        sa.update(Notice)
        .where(
            Notice.id.in_(notice_ids),
            Notice.sent_at.is_(None),
            sa.or_(Notice.claimed_at.is_(None), Notice.claimed_at < now - CLAIM_STALE),
        )
        .values(claim=token, claimed_at=now, tries=Notice.tries + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token


def pending_ids(limit: int | None = None) -> list[int]:
    """Queued assignment notices not sent yet (and not given up on), oldest first."""
    query = (
        sa.select(Notice.id)
        .where(
            Notice.kind == NoticeKind.ASSIGNED.value,
            Notice.sent_at.is_(None),
            Notice.tries < MAX_TRIES,
        )
        .order_by(Notice.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def deliver(
    course: Course,
    notice_ids: list[int],
    mailer: Mailer | None = None,
    progress: Callable[[str], None] | None = None,
) -> Delivery:
    """Send these queued notices in batches over one connection; each batch is claimed and
    recorded in one commit. A failed mail stays queued for the next run."""
    result = Delivery()
    own = mailer is None
    mailer = mailer or Mailer()
    try:
        for start in range(0, len(notice_ids), BATCH):
            if result.server_down:
                break
            _deliver_batch(course, notice_ids[start : start + BATCH], mailer, result)
            if progress:
                progress(
                    f"Toewijzingsmails: {min(start + BATCH, len(notice_ids))} van "
                    f"{len(notice_ids)} verwerkt."
                )
    finally:
        if own:
            mailer.close()
    return result


def _deliver_batch(course: Course, batch: list[int], mailer: Mailer, result: Delivery) -> None:
    token = _claim(batch)
    rows = db.session.execute(
        sa.select(Notice.id, Notice.items, User.name, User.email)
        .join(User, User.id == Notice.user_id)
        .where(Notice.claim == token)
        .order_by(Notice.id)
    ).all()
    sent, untried = [], []
    failed: dict[str, list[int]] = defaultdict(list)  # error → notices
    for notice_id, items, name, email in rows:
        if result.server_down:
            untried.append(notice_id)
            continue
        try:
            mailer.send(assigned_message(course, name, email, items))
        except MailError as exc:
            result.server_down = isinstance(exc, MailServerDown)
            failed[str(exc)[:500]].append(notice_id)
            result.failed.append(f"{email}: {exc}")
            continue
        sent.append(notice_id)
        titles = ", ".join(_title(course, i["slug"]) for i in items)
        result.sent.append(f"{email}: {titles}")
    now = utcnow()
    done = {"claim": None, "claimed_at": None}
    updates = [(sent, {"sent_at": now, **done})]
    updates += [(ids, {"failed_at": now, "error": error, **done}) for error, ids in failed.items()]
    updates.append((untried, {"tries": Notice.tries - 1, **done}))  # not tried: not counted
    for ids, values in updates:
        if ids:
            db.session.execute(
                sa.update(Notice)
                .where(Notice.id.in_(ids))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    db.session.commit()
