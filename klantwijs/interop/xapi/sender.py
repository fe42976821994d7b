"""Delivering the outbox to the Learning Record Store (`flask xapi send`, from cron).

Statements go out in batches with a POST to XAPI_ENDPOINT/statements (HTTP basic auth with
XAPI_KEY and XAPI_SECRET). A delivered row gets sent_at; a failed one stays queued with its
error and waits longer after each failure (1, 2, 4 … minutes, at most 6 hours). When the LRS
cannot be reached the run stops, so a dead LRS is not hammered. Sending a row twice is
harmless: its statement id is fixed, and an LRS answers a known identical statement with 204.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import sqlalchemy as sa

from ...core.db import db, is_postgresql
from ...models import XapiStatement, utcnow
from .statements import VERSION

BATCH = 50
TIMEOUT_SECONDS = 20
MAX_WAIT = dt.timedelta(hours=6)


class Unreachable(Exception):
    """The LRS did not answer (connection refused, timeout, 5xx): try again later."""


class Refused(Exception):
    """The LRS answered that it will not take these statements (4xx)."""


@dataclass
class Report:
    sent: list[XapiStatement] = field(default_factory=list)
    failed: list[tuple[XapiStatement, str]] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped early (LRS unreachable)


def statements_url(endpoint: str) -> str:
    return endpoint.rstrip("/") + "/statements"


def post(endpoint: str, key: str, secret: str, statements: list[dict]) -> None:
    """POST statements to the LRS; Unreachable or Refused when it does not take them."""
    request = urllib.request.Request(
        statements_url(endpoint),
        data=json.dumps(statements, ensure_ascii=False).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Experience-API-Version": VERSION,
            "Authorization": "Basic "
            + base64.b64encode(f"{key}:{secret}".encode()).decode("ascii"),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace").strip()
        message = f"HTTP {exc.code}: {detail}" if detail else f"HTTP {exc.code}"
        if exc.code >= 500 or exc.code == 429:
            raise Unreachable(message) from None
        raise Refused(message) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Unreachable(f"LRS niet bereikbaar: {reason}") from None


def backoff(tries: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** max(0, tries - 1)), MAX_WAIT)


def _pending(limit: int, now: dt.datetime, force: bool, after: int) -> list[XapiStatement]:
    """The next undelivered rows after id `after` (one pass over the queue per run)."""
    query = sa.select(XapiStatement).where(
        XapiStatement.sent_at.is_(None), XapiStatement.id > after
    )
    if not force:
        query = query.where(XapiStatement.next_try_at <= now)
    query = query.order_by(XapiStatement.id).limit(limit)
    if is_postgresql():  # a second cron run on another server takes other rows
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def _failed(row: XapiStatement, error: str, now: dt.datetime, report: Report) -> None:
    row.tries += 1
    row.last_error = error[:2000]
    row.next_try_at = now + backoff(row.tries)
    report.failed.append((row, error))


def send_pending(
    endpoint: str, key: str, secret: str, *, force: bool = False, limit: int = 10_000
) -> Report:
    """Deliver queued statements whose retry time has come (all of them with force)."""
    report = Report()
    now = utcnow()
    remaining, after = limit, 0
    while remaining > 0 and report.stopped is None:
        rows = _pending(min(BATCH, remaining), now, force, after)
        if not rows:
            break
        remaining -= len(rows)
        after = rows[-1].id
        try:
            post(endpoint, key, secret, [row.statement for row in rows])
        except Unreachable as exc:
            for row in rows:
                _failed(row, str(exc), now, report)
            report.stopped = str(exc)
        except Refused:
            # One bad statement refuses the batch: send each alone to find it.
            for row in rows:
                try:
                    post(endpoint, key, secret, [row.statement])
                except Unreachable as exc:
                    _failed(row, str(exc), now, report)
                    report.stopped = str(exc)
                    break
                except Refused as exc:
                    _failed(row, str(exc), now, report)
                else:
                    row.sent_at = utcnow()
                    report.sent.append(row)
        else:
            for row in rows:
                row.sent_at = utcnow()
                row.last_error = ""
                report.sent.append(row)
        db.session.commit()
    return report


def queue_counts() -> dict[str, int]:
    """Delivered, waiting and waiting-after-a-failure rows, for `flask xapi status`."""
    sent, waiting, failing = db.session.execute(
        sa.select(
            sa.func.count(XapiStatement.sent_at),
            sa.func.count().filter(XapiStatement.sent_at.is_(None)),
            sa.func.count().filter(XapiStatement.sent_at.is_(None), XapiStatement.tries > 0),
        )
    ).one()
    return {"sent": sent, "waiting": waiting, "failing": failing}
