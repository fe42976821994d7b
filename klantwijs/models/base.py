"""What every table shares: the largest id both databases hold, and naive-UTC time."""

import datetime as dt

MAX_ID = 2**31 - 1  # the largest id both SQLite and PostgreSQL integer columns hold


def utcnow() -> dt.datetime:
    """Naive UTC, the same on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
