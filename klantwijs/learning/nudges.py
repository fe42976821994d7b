"""Herhalen by e-mail: "Je hebt N vragen om te herhalen", sent by `flask reminders send`.

Only to active people who allow it (users.review_nudges, switched on /herhalen), who have
questions due today, and at most once every NUDGE_EVERY. Idempotent like the reminders: a
review_nudges row (person, day) is claimed before the mail goes out, so a second run, or a run
on a second server, sends nothing new; a mail that fails releases its claim for the next run.
Beheer calls this (hr/cli.py) with its own mail connection; learning never imports Beheer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..core.db import db
from ..core.dutch import LOCAL
from ..core.mail import MailError, absolute_url, build_message, render_mail
from ..course.model import Course
from ..models import ReviewCard, ReviewNudge, User
from . import spaced

NUDGE_EVERY = dt.timedelta(days=7)


@dataclass(frozen=True)
class Nudge:
    user_id: int
    email: str
    name: str
    due: int


@dataclass
class NudgeRun:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    stopped: bool = False  # the mail server could not be reached: the rest waits


def _end_of(day: dt.date) -> dt.datetime:
    """The Dutch midnight after `day`, as naive UTC: what is due before it is due that day."""
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=LOCAL)
    return spaced.horizon(noon.astimezone(dt.UTC).replace(tzinfo=None))


def due_nudges(today: dt.date) -> list[Nudge]:
    """Who gets the e-mail today, with how many questions are due: one query."""
    recent = (
        sa.exists()
        .where(
            ReviewNudge.user_id == User.id,
            ReviewNudge.sent_on > today - NUDGE_EVERY,
            ReviewNudge.sent_on <= today,
        )
        .correlate(User)
    )
    rows = db.session.execute(
        sa.select(User.id, User.email, User.name, sa.func.count(ReviewCard.id))
        .join(ReviewCard, ReviewCard.user_id == User.id)
        .where(
            User.active.is_(True),
            User.review_nudges.is_(True),
            ReviewCard.due < _end_of(today),
            ~recent,
        )
        .group_by(User.id, User.email, User.name)
        .order_by(User.email)
    ).tuples()
    return [Nudge(*row) for row in rows]


def nudge_message(nudge: Nudge) -> EmailMessage:
    body = render_mail(
        "email/review_nudge.txt",
        name=nudge.name,
        due=nudge.due,
        minutes=spaced.minutes_for(nudge.due),
        size=spaced.SESSION_SIZE,
        link=absolute_url("review.index"),
    )
    noun = "vraag" if nudge.due == 1 else "vragen"
    return build_message(nudge.email, f"Je hebt {nudge.due} {noun} om te herhalen", body)


def _claim(nudge: Nudge, today: dt.date) -> bool:
    db.session.add(ReviewNudge(user_id=nudge.user_id, sent_on=today, due_count=nudge.due))
    try:
        db.session.commit()
    except IntegrityError:  # another run claimed it
        db.session.rollback()
        return False
    return True


def _release(nudge: Nudge, today: dt.date) -> None:
    db.session.execute(
        sa.delete(ReviewNudge).where(
            ReviewNudge.user_id == nudge.user_id, ReviewNudge.sent_on == today
        )
    )
    db.session.commit()


def send_nudges(
    course: Course,
    today: dt.date,
    send: Callable[[EmailMessage], None],
    dry_run: bool = False,
    fatal: tuple[type[BaseException], ...] = (),
) -> NudgeRun:
    """Mail everyone due_nudges() finds, each claimed first. `send` raises MailError for a
    mail that failed; an exception in `fatal` (the server is down) stops the run. Passed
    modules without cards enter the schedule first (not in a dry run, which writes nothing)."""
    run = NudgeRun()
    if not dry_run:
        spaced.enroll_passed(course)
    for nudge in due_nudges(today):
        line = f"{nudge.email} (#{nudge.user_id}): {nudge.due} vragen om te herhalen"
        if dry_run:
            run.sent.append(line)
            continue
        message = nudge_message(nudge)
        if not _claim(nudge, today):
            continue
        try:
            send(message)
        except MailError as exc:
            _release(nudge, today)
            run.failed.append(f"{nudge.email}: {exc}")
            if isinstance(exc, fatal):
                run.stopped = True
                break
            continue
        run.sent.append(line)
    return run
