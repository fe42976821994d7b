"""Dutch time and numbers, in one place for learners, Beheer, reports and e-mails.

Times are stored as naive UTC; a Deadline is a date that ends at midnight in the Netherlands.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    LOCAL = ZoneInfo("Europe/Amsterdam")
except ZoneInfoNotFoundError:  # pragma: no cover - a system without tz data shows UTC
    LOCAL = dt.UTC

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def local_today() -> dt.date:
    """Today in the Netherlands: a Deadline ends at midnight there, for learners and HR alike."""
    return dt.datetime.now(LOCAL).date()


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored naive-UTC time as Dutch local time (naive)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(LOCAL).replace(tzinfo=None)


def dutch_date(value: dt.date | dt.datetime | None) -> str:
    """26 november 2026 (dates) or 26 november 2026, 14:05 (naive UTC datetimes, shown local)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = to_local(value)
        return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def short_time(value: dt.datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """A stored UTC time in Dutch local time, compact (Beheer tables)."""
    return to_local(value).strftime(fmt) if value else ""


def short_date(value: dt.date | None) -> str:
    """dd-mm-yyyy, as Beheer tables and e-mails show a Deadline."""
    return value.strftime("%d-%m-%Y") if value else ""


def days_left_text(days: int) -> str:
    """How long until a Deadline: 'Te laat', 'vandaag', 'nog 1 dag', 'nog 3 dagen'."""
    if days < 0:
        return "Te laat"
    if days == 0:
        return "vandaag"
    return "nog 1 dag" if days == 1 else f"nog {days} dagen"


def format_points(value: float | None) -> str:
    """Dutch number: 8, 7,5 or 6,33."""
    rounded = round(value or 0, 2)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.2f}".rstrip("0").replace(".", ",")


def percentage(score: float | None, maximum: int) -> int:
    return round((score or 0) / maximum * 100) if maximum else 0


def plural(count: int, one: str, many: str) -> str:
    """'1 vraag' / '3 vragen'."""
    return f"{count} {one if count == 1 else many}"
