"""Recertification, the one rule: how long a pass counts, and what a module is once it ran out.

An assignment may carry a validity ("geldig 12 maanden", Assignment.valid_months). A pass of
such a module counts until `valid_until` = the Dutch day of the latest passed exam plus that
many months; the day after, the module is **Verlopen**: the learner has it back on Mijn cursus
with a new Deadline (RECERTIFY_DAYS after valid_until, never before the assignment's own),
reminders and Voortgang treat it as open, and a new pass starts a new period.

`standing()` applies the rule for one person and module (Mijn cursus, Mijn voortgang,
Voortgang's cells, reminders, the Certificaat); `still_valid_sql()` and `late_sql()` are the
same rule for SQL aggregates (Voortgang's totals), built from the same dates, and a test holds
the two to each other.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from ..core.dutch import LOCAL, to_local
from .status import Status, is_overdue, module_status, shown_status

VALIDITY_CHOICES = (6, 12, 24, 36)  # months; the database's check constraint says the same
RECERTIFY_DAYS = 30  # once Verlopen: the new Deadline is this many days after valid_until


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day when it is shorter (31 → 30, 29 feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def passed_on(passed_at: dt.datetime) -> dt.date:
    """The Dutch day of a pass (stored as naive UTC)."""
    return to_local(passed_at).date()


def valid_until(passed_at: dt.datetime, months: int) -> dt.date:
    """The last day a pass counts."""
    return add_months(passed_on(passed_at), months)


def new_deadline(expired_on: dt.date, due_date: dt.date | None) -> dt.date:
    """The Deadline of a Verlopen module: RECERTIFY_DAYS after its last valid day, and never
    before the assignment's own Deadline."""
    renewed = expired_on + dt.timedelta(days=RECERTIFY_DAYS)
    return max(renewed, due_date) if due_date else renewed


@dataclass(frozen=True)
class Standing:
    """A module for one person today: status underneath, the Deadline that counts now,
    whether it is late, and how long a pass counts."""

    status: Status
    due: dt.date | None
    overdue: bool
    valid_until: dt.date | None  # the last day the latest pass counts (with a validity)

    @property
    def shown(self) -> Status:
        return shown_status(self.status, self.overdue)

    @property
    def passed(self) -> bool:
        """Passed and still valid."""
        return self.status is Status.PASSED


def standing(
    read: bool,
    attempted: bool,
    last_passed_at: dt.datetime | None,
    due_date: dt.date | None,
    valid_months: int | None,
    today: dt.date,
) -> Standing:
    """The one rule: status from the rows (status.py), Verlopen once the latest pass ran
    out, and then the new Deadline."""
    until = valid_until(last_passed_at, valid_months) if last_passed_at and valid_months else None
    expired = until is not None and until < today
    status = module_status(read, attempted, last_passed_at is not None, expired=expired)
    due = new_deadline(until, due_date) if expired else due_date
    return Standing(status, due, is_overdue(status, due, today), until)


# --- The same rule in SQL, for aggregates over many people ---------------------------------


def _first_day_valid_on(day: dt.date, months: int) -> dt.date:
    """The earliest pass day whose validity reaches `day` (valid_until >= day)."""
    guess = add_months(day, -months) - dt.timedelta(days=3)
    while add_months(guess, months) < day:
        guess += dt.timedelta(days=1)
    return guess


def _utc_midnight(day: dt.date) -> dt.datetime:
    """The start of a Dutch day as naive UTC, comparable with stored times."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=LOCAL)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def passes_valid_on(day: dt.date, months: int) -> dt.datetime:
    """A pass at or after this (naive UTC) time still counts on `day`."""
    return _utc_midnight(_first_day_valid_on(day, months))


def _ran_out_before(last_passed_at, valid_months, day: dt.date):
    """SQL: the latest pass ran out before `day` (False without a validity or a pass)."""
    return sa.case(
        *(
            (valid_months == months, last_passed_at < passes_valid_on(day, months))
            for months in VALIDITY_CHOICES
        ),
        else_=sa.false(),
    )


def still_valid_sql(last_passed_at, valid_months, today: dt.date):
    """SQL: passed, and the pass still counts today (Status.PASSED in standing())."""
    return sa.and_(
        last_passed_at.is_not(None),
        sa.not_(_ran_out_before(last_passed_at, valid_months, today)),
    )


def late_sql(last_passed_at, valid_months, due_date, today: dt.date):
    """SQL: Te laat in standing(): never passed and the Deadline is gone, or Verlopen and the
    new Deadline (RECERTIFY_DAYS after valid_until, not before due_date) is gone too."""
    renewed_gone = today - dt.timedelta(days=RECERTIFY_DAYS)
    return sa.or_(
        sa.and_(last_passed_at.is_(None), due_date < today),
        sa.and_(
            last_passed_at.is_not(None),
            due_date < today,
            _ran_out_before(last_passed_at, valid_months, renewed_gone),
        ),
    )
