"""Reminders: who gets one (the schedule), `flask reminders send`, and Stuur nu.

The schedule per person and assigned module that is not passed: every day from
REMINDER_DAYS before its Deadline; on and after the Deadline on the days of
REMINDER_OVERDUE_DAYS (default the day itself, +3 and +7), then no more. A person gets one
e-mail listing what is due for them. At most one reminder per assignment, person and day:
a ReminderSent row is claimed before the mail goes out (and released when it failed), so
running it twice, on two servers, or pressing Stuur nu after the run sends nothing new.

A run sends over one SMTP connection (hr/mailer.py) in batches: each batch is claimed in one
commit and recorded (Notice rows for Herinneringen, released claims) in another.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..audit import audit, describe
from ..core.db import db
from ..core.dutch import days_left_text, short_date
from ..core.mail import MailError, absolute_url, build_message, render_mail
from ..course.model import Course
from ..learning.assigned import Assigned, assigned_modules
from ..learning.validity import standing
from ..models import (
    Assignment,
    Attempt,
    AttemptKind,
    Notice,
    NoticeKind,
    ReminderSent,
    User,
    utcnow,
)
from . import notices
from .errors import HrError
from .mailer import Mailer, MailServerDown

BATCH = 100  # people per claim and per commit
SUBJECT = "Herinnering: je Klantwijs-modules"


@dataclass(frozen=True)
class Schedule:
    """When reminders go out: `before` days ahead of a Deadline, and on these days after it."""

    before: int = 3
    overdue: tuple[int, ...] = (0, 3, 7)

    @classmethod
    def from_config(cls, config) -> Schedule:
        return cls(
            int(config.get("REMINDER_DAYS", 3)),
            tuple(config.get("REMINDER_OVERDUE_DAYS", (0, 3, 7))),
        )

    def due_today(self, due_date: dt.date, today: dt.date, overdue_sent: int) -> bool:
        """Whether a module with this Deadline gets a reminder today, given how many went
        out on or after its Deadline already."""
        if due_date > today:
            return (due_date - today).days <= self.before
        if overdue_sent >= len(self.overdue):
            return False
        return today >= due_date + dt.timedelta(days=self.overdue[overdue_sent])


@dataclass
class Due:
    user: sa.Row  # id, name, email
    items: list[Assigned]


def due_reminders(
    today: dt.date, schedule: Schedule, user_id: int | None = None, any_deadline: bool = False
) -> list[Due]:
    """Active people with modules the schedule reminds them of today (not passed, not
    reminded today), by e-mail address. `any_deadline` (Stuur nu): every open module,
    whatever the schedule. Four queries, whatever the number of people."""
    people = sa.select(User.id).where(User.active.is_(True))
    if user_id is not None:
        people = people.where(User.id == user_id)
    assigned = assigned_modules(people)
    if not any_deadline:
        limit = today + dt.timedelta(days=schedule.before)
        assigned = {k: a for k, a in assigned.items() if a.due_date <= limit}
    if not assigned:
        return []
    last_pass = {
        (user_id, slug): passed_at
        for user_id, slug, passed_at in db.session.execute(
            sa.select(Attempt.user_id, Attempt.module_slug, sa.func.max(Attempt.submitted_at))
            .where(
                Attempt.kind == AttemptKind.EXAM.value,
                Attempt.passed.is_(True),
                Attempt.submitted_at.is_not(None),
                Attempt.user_id.in_(people),
            )
            .group_by(Attempt.user_id, Attempt.module_slug)
        ).tuples()
    }
    reminded = _reminded(people)
    open_items, renewed = [], []
    for item in assigned.values():
        # learning/validity.py: passed and still valid is done; Verlopen is open again,
        # with its new Deadline (reminders for it counted afresh, _renewed below)
        now = standing(
            False, False, last_pass.get((item.user_id, item.module_slug)), item.due_date,
            item.valid_months, today,
        )  # fmt: skip
        if now.passed:
            continue
        if now.due != item.due_date:
            item = dataclasses.replace(item, due_date=now.due)
            renewed.append(item)
        open_items.append(item)
    reminded.update(_renewed(renewed))
    per_user: dict[int, list[Assigned]] = defaultdict(list)
    for item in open_items:
        overdue_sent, last = reminded.get((item.assignment_id, item.user_id), (0, None))
        if last == today:
            continue
        if any_deadline or schedule.due_today(item.due_date, today, overdue_sent):
            per_user[item.user_id].append(item)
    if not per_user:
        return []
    users = {
        row.id: row
        for row in db.session.execute(
            sa.select(User.id, User.name, User.email).where(User.id.in_(people))
        )
        if row.id in per_user
    }
    return [
        Due(users[uid], sorted(items, key=lambda a: (a.due_date, a.module_slug)))
        for uid, items in sorted(per_user.items(), key=lambda kv: users[kv[0]].email)
    ]


def _renewed(items: list[Assigned]) -> dict[tuple[int, int], tuple[int, dt.date | None]]:
    """For Verlopen modules: reminders sent on or after their new Deadline, and the last day
    (earlier ones belong to the period before). One query, only when there are any."""
    if not items:
        return {}
    found: dict[tuple[int, int], tuple[int, dt.date | None]] = {
        (i.assignment_id, i.user_id): (0, None) for i in items
    }
    due = {(i.assignment_id, i.user_id): i.due_date for i in items}
    rows = db.session.execute(
        sa.select(ReminderSent.assignment_id, ReminderSent.user_id, ReminderSent.sent_on).where(
            ReminderSent.user_id.in_({i.user_id for i in items}),
            ReminderSent.assignment_id.in_({i.assignment_id for i in items}),
        )
    ).tuples()
    for assignment_id, user_id, sent_on in rows:
        key = (assignment_id, user_id)
        if key in found:
            count, last = found[key]
            found[key] = (count + (sent_on >= due[key]), max(filter(None, (last, sent_on))))
    return found


def _reminded(people: sa.Select) -> dict[tuple[int, int], tuple[int, dt.date]]:
    """Per (assignment, person): reminders sent on or after its Deadline, and the last day."""
    query = (
        sa.select(
            ReminderSent.assignment_id,
            ReminderSent.user_id,
            sa.func.sum(sa.case((ReminderSent.sent_on >= Assignment.due_date, 1), else_=0)),
            sa.func.max(ReminderSent.sent_on),
        )
        .join(Assignment, Assignment.id == ReminderSent.assignment_id)
        .where(ReminderSent.user_id.in_(people))
        .group_by(ReminderSent.assignment_id, ReminderSent.user_id)
    )
    return {(a, u): (int(n or 0), last) for a, u, n, last in db.session.execute(query)}


def titles(due: Due, course: Course, today: dt.date) -> list[dict]:
    """What a reminder lists: title, Deadline and how long until it, per module."""
    found = []
    for item in due.items:
        module = course.get(item.module_slug)
        found.append(
            {
                "title": module.title if module else item.module_slug,
                "deadline": short_date(item.due_date),
                "when": days_left_text((item.due_date - today).days),
            }
        )
    return found


def summary(due: Due, course: Course, today: dt.date) -> str:
    """'Alfa (Deadline 03-12-2026, nog 2 dagen); Bèta (…)': for the CLI and the Logboek."""
    return "; ".join(
        f"{t['title']} (Deadline {t['deadline']}, {t['when']})" for t in titles(due, course, today)
    )


def reminder_text(due: Due, course: Course, today: dt.date) -> str:
    return render_mail(
        "email/reminder.txt",
        name=due.user.name,
        items=titles(due, course, today),
        link=absolute_url("learn.home"),
    )


def _claim_rows(due: Due, today: dt.date) -> list[ReminderSent]:
    return [
        ReminderSent(assignment_id=item.assignment_id, user_id=due.user.id, sent_on=today)
        for item in due.items
    ]


def _claim(batch: list[Due], today: dt.date) -> list[Due]:
    """Claim today's reminders of a batch in one commit; when another run (or Stuur nu)
    claimed some of them first, claim person by person and skip theirs."""
    db.session.add_all([row for due in batch for row in _claim_rows(due, today)])
    try:
        db.session.commit()
        return batch
    except IntegrityError:
        db.session.rollback()
    claimed = []
    for due in batch:
        db.session.add_all(_claim_rows(due, today))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        claimed.append(due)
    return claimed


def _items(due: Due) -> list[dict]:
    return [{"slug": i.module_slug, "due": i.due_date.isoformat()} for i in due.items]


def _record(
    today: dt.date, sent: list[Due], failed: list[tuple[Due, str]], actor: User | None = None
) -> None:
    """Release the claims of failed mails (the next run tries again) and write a Notice per
    mail tried, in one commit."""
    if failed:
        pairs = [(i.assignment_id, due.user.id) for due, _ in failed for i in due.items]
        db.session.execute(
            sa.delete(ReminderSent).where(
                ReminderSent.sent_on == today,
                sa.tuple_(ReminderSent.assignment_id, ReminderSent.user_id).in_(pairs),
            )
        )
    now = utcnow()
    by = actor.id if actor else None

    def notice(d, **outcome) -> Notice:
        return Notice(
            user_id=d.user.id,
            kind=NoticeKind.REMINDER.value,
            items=_items(d),
            created_by_id=by,
            tries=1,
            **outcome,
        )

    db.session.add_all(
        [notice(d, sent_at=now, error="") for d in sent]
        + [notice(d, failed_at=now, error=error[:500]) for d, error in failed]
    )
    db.session.commit()


@dataclass
class Run:
    """What `flask reminders send` did."""

    due: int = 0
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    notices: notices.Delivery = field(default_factory=notices.Delivery)
    server_down: bool = False


def send_reminders(
    course: Course,
    today: dt.date,
    schedule: Schedule,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Run:
    """Deliver queued assignment mails, then today's reminders, over one connection."""
    progress = progress or (lambda _line: None)
    dues = due_reminders(today, schedule)
    run = Run(due=len(dues))
    if dry_run:
        run.sent = [f"{d.user.email}: {summary(d, course, today)}" for d in dues]
        return run
    with Mailer() as mailer:
        waiting = notices.pending_ids()
        if waiting:
            run.notices = notices.deliver(course, waiting, mailer, progress)
            run.server_down = run.notices.server_down
        for start in range(0, len(dues), BATCH):
            if run.server_down:
                break
            _send_batch(course, today, dues[start : start + BATCH], mailer, run)
            progress(f"Herinneringen: {min(start + BATCH, len(dues))} van {len(dues)} verwerkt.")
    return run


def _send_batch(course: Course, today: dt.date, batch: list[Due], mailer: Mailer, run: Run):
    sent, failed = [], []
    for due in _claim(batch, today):
        if run.server_down:
            failed.append((due, "niet geprobeerd: de mailserver was onbereikbaar"))
            continue
        message = build_message(due.user.email, SUBJECT, reminder_text(due, course, today))
        try:
            mailer.send(message)
        except MailError as exc:
            run.server_down = isinstance(exc, MailServerDown)
            failed.append((due, str(exc)))
            run.failed.append(f"{due.user.email}: {exc}")
            continue
        sent.append(due)
        run.sent.append(f"{due.user.email} (#{due.user.id}): {summary(due, course, today)}")
    _record(today, sent, failed)


def send_now(actor: User, user: User, course: Course, today: dt.date) -> str:
    """Stuur nu: one reminder to this person now, listing every open module not reminded
    today. Audited. Returns what it listed; raises HrError (Dutch) when refused or failed."""
    if not user.active:
        raise HrError(f"{user.name} is gedeactiveerd en krijgt geen herinneringen.")
    dues = due_reminders(today, Schedule(), user_id=user.id, any_deadline=True)
    if not dues:
        if db.session.scalar(
            sa.select(ReminderSent.user_id)
            .where(ReminderSent.user_id == user.id, ReminderSent.sent_on == today)
            .limit(1)
        ):
            raise HrError(
                f"{user.name} kreeg vandaag al een herinnering. Je kunt morgen weer een sturen."
            )
        raise HrError(f"{user.name} heeft geen openstaande modules: er is niets te herinneren.")
    due = dues[0]
    listed = summary(due, course, today)
    if not _claim([due], today):
        raise HrError(
            f"{user.name} kreeg vandaag al een herinnering. Je kunt morgen weer een sturen."
        )
    message = build_message(due.user.email, SUBJECT, reminder_text(due, course, today))
    try:
        with Mailer() as mailer:
            mailer.send(message)
    except MailError as exc:
        audit(actor, "herinnering.mislukt", f"{describe(user)}: {listed} ({exc})")
        _record(today, [], [(due, str(exc))], actor)
        raise HrError(
            f"De herinnering aan {user.name} kon niet worden verstuurd ({exc}). "
            "Probeer het later opnieuw."
        ) from exc
    audit(actor, "herinnering.verstuurd", f"{describe(user)} (Stuur nu): {listed}")
    _record(today, [due], [], actor)
    return listed
