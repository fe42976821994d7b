"""A module's status for one person, derived from rows (never stored): one rule for every page.

The Status carries its Dutch label and its CSS class, so a status looks the same on Mijn
cursus, in Voortgang, in the CSV and in filters (static/css/app.css styles each class).
"""

import datetime as dt
import enum


class Status(enum.StrEnum):
    NOT_STARTED = "Niet begonnen"
    READ = "Gelezen"
    IN_PROGRESS = "Bezig"
    PASSED = "Geslaagd"
    OVERDUE = "Te laat"  # shown instead of the others while a Deadline passed without a pass
    EXPIRED = "Verlopen"  # passed, but the assignment's validity ran out (validity.py)

    @property
    def slug(self) -> str:
        """niet-begonnen, gelezen, bezig, geslaagd, te-laat, verlopen: URL filter value and
        CSS class."""
        return self.value.lower().replace(" ", "-")

    @property
    def css(self) -> str:
        return f"status-{self.slug}"


def module_status(read: bool, attempted: bool, passed: bool, expired: bool = False) -> Status:
    """Passed beats attempted (any exam attempt, open or handed in) beats read; a pass whose
    validity ran out is Verlopen until the next pass (validity.standing decides `expired`)."""
    if passed and expired:
        return Status.EXPIRED
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


def shown_status(status: Status, overdue: bool) -> Status:
    """What a badge shows: Te laat wins over the status underneath."""
    return Status.OVERDUE if overdue else status
