"""`flask reminders send`: e-mail people whose assigned module is due soon or late.

At most one reminder per assignment, person and day: a ReminderSent row is claimed before the
mail goes out, so running it twice (or from two servers) sends nothing new.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..core.db import db
from ..core.dutch import days_left_text, short_date
from ..core.mail import MailError, absolute_url, build_message, render_mail, send_messages
from ..course.model import Course
from ..learning.assigned import Assigned, assigned_modules
from ..models import Attempt, AttemptKind, ReminderSent, User


@dataclass
class Due:
    user: User
    items: list[Assigned]


def due_reminders(today: dt.date, days: int) -> list[Due]:
    """Active people with assigned modules due within `days` or overdue, not passed, not yet
    reminded today. Four queries."""
    people = sa.select(User.id).where(User.active.is_(True))
    assigned = assigned_modules(people)
    limit = today + dt.timedelta(days=days)
    candidates = [a for a in assigned.values() if a.due_date <= limit]
    if not candidates:
        return []
    passed = set(
        db.session.execute(
            sa.select(Attempt.user_id, Attempt.module_slug)
            .where(
                Attempt.kind == AttemptKind.EXAM.value,
                Attempt.passed.is_(True),
                Attempt.submitted_at.is_not(None),
                Attempt.user_id.in_(people),
            )
            .distinct()
        ).tuples()
    )
    sent = set(
        db.session.execute(
            sa.select(ReminderSent.assignment_id, ReminderSent.user_id).where(
                ReminderSent.sent_on == today
            )
        ).tuples()
    )
    per_user: dict[int, list[Assigned]] = defaultdict(list)
    for item in candidates:
        if (item.user_id, item.module_slug) in passed:
            continue
        if (item.assignment_id, item.user_id) in sent:
            continue
        per_user[item.user_id].append(item)
    if not per_user:
        return []
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(per_user)))}
    return [
        Due(users[uid], sorted(items, key=lambda a: (a.due_date, a.module_slug)))
        for uid, items in sorted(per_user.items(), key=lambda kv: users[kv[0]].email)
    ]


def reminder_text(due: Due, course: Course, today: dt.date) -> str:
    items = []
    for item in due.items:
        module = course.get(item.module_slug)
        items.append(
            {
                "title": module.title if module else item.module_slug,
                "deadline": short_date(item.due_date),
                "when": days_left_text((item.due_date - today).days),
            }
        )
    return render_mail(
        "email/reminder.txt", name=due.user.name, items=items, link=absolute_url("learn.home")
    )


def _claim(due: Due, today: dt.date) -> bool:
    """Insert today's ReminderSent rows; False when another run already claimed them."""
    for item in due.items:
        db.session.add(
            ReminderSent(assignment_id=item.assignment_id, user_id=due.user.id, sent_on=today)
        )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _release(due: Due, today: dt.date) -> None:
    db.session.execute(
        sa.delete(ReminderSent).where(
            ReminderSent.user_id == due.user.id,
            ReminderSent.sent_on == today,
            ReminderSent.assignment_id.in_([i.assignment_id for i in due.items]),
        )
    )
    db.session.commit()


def send_reminders(
    course: Course, today: dt.date, days: int, dry_run: bool = False
) -> tuple[list[str], list[str]]:
    """Send one e-mail per person listing their due modules; return (sent lines, failures)."""
    sent, failed = [], []
    for due in due_reminders(today, days):
        modules = ", ".join(f"{i.module_slug} ({i.due_date.isoformat()})" for i in due.items)
        if dry_run:
            sent.append(f"{due.user.email}: {modules} (niet verstuurd: --dry-run)")
            continue
        message = build_message(
            due.user.email, "Herinnering: je Klantwijs-modules", reminder_text(due, course, today)
        )
        user_id, email = due.user.id, due.user.email
        if not _claim(due, today):
            continue
        try:
            send_messages([message])
        except MailError as exc:
            _release(due, today)
            failed.append(f"{email}: {exc}")
            continue
        sent.append(f"{email} (#{user_id}): {modules}")
    return sent, failed
