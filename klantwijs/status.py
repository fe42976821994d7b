"""A module's status for one person, derived from rows (never stored): one rule for every page."""

import datetime as dt
import enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    LOCAL = ZoneInfo("Europe/Amsterdam")
except ZoneInfoNotFoundError:  # pragma: no cover - a system without tz data shows UTC
    LOCAL = dt.UTC


def local_today() -> dt.date:
    """Today in the Netherlands: a Deadline ends at midnight there, for learners and HR alike."""
    return dt.datetime.now(LOCAL).date()


class Status(enum.StrEnum):
    NOT_STARTED = "Niet begonnen"
    READ = "Gelezen"
    IN_PROGRESS = "Bezig"
    PASSED = "Geslaagd"


def module_status(read: bool, attempted: bool, passed: bool) -> Status:
    """Passed beats attempted (any exam attempt, open or handed in) beats read."""
    if passed:
        return Status.PASSED
    if attempted:
        return Status.IN_PROGRESS
    if read:
        return Status.READ
    return Status.NOT_STARTED


def is_overdue(status: Status, due_date: dt.date | None, today: dt.date) -> bool:
    """Te laat: a deadline has passed and the module is not passed."""
    return due_date is not None and due_date < today and status is not Status.PASSED
