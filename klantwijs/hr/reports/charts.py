"""Pictures for Voortgang and Vragen-inzicht: what the SVG charts in templates/hr/_charts.html
draw, computed here, so the templates only place rectangles.

- per module a stacked bar of its statuses (Geslaagd, Bezig, Gelezen, Niet begonnen, Te
  laat), from the counts Voortgang's own statement finds (matrix.build_report_page);
- for the course, the modules passed per week over the last 26 weeks (a first pass counts,
  in the week of its Dutch date);
- in Vragen-inzicht the ten questions answered right least often.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from ...core.db import db
from ...core.dutch import LOCAL
from ...course.model import Module
from ...learning.status import Status
from ...models import ReportCell
from .insight import QuestionInsight
from .matrix import people_select

# The order of a bar's parts: done first, late last.
ORDER = (
    Status.PASSED,
    Status.IN_PROGRESS,
    Status.READ,
    Status.NOT_STARTED,
    Status.EXPIRED,  # recertification (learning/validity.py)
    Status.OVERDUE,
)
WEEKS = 26  # about six months
WEAKEST = 10


@dataclass(frozen=True)
class Part:
    status: Status
    count: int
    x: float  # 0..100: where the part starts in the bar
    width: float  # 0..100


@dataclass(frozen=True)
class StackedBar:
    slug: str
    title: str
    total: int
    parts: list[Part]


def _scope(team_id: int | None, team_ids: list[int] | None) -> sa.Select | None:
    return people_select(team_id, None, team_ids) if (team_id or team_ids is not None) else None


def status_bars(modules: list[Module], counts: dict[str, dict[str, int]]) -> list[StackedBar]:
    """A bar per module: how many people assigned to it show each status, from the counts
    Voortgang's own statement found (matrix.build_report_page: module → status slug → n)."""
    bars = []
    for module in modules:
        found = counts.get(module.slug)
        if not found:
            continue
        total = sum(found.values())
        parts, x = [], 0.0
        for status in ORDER:
            n = found.get(status.slug, 0)
            width = 100 * n / total
            parts.append(Part(status, n, round(x, 3), round(width, 3)))
            x += width
        bars.append(StackedBar(module.slug, module.title, total, parts))
    return bars


@dataclass(frozen=True)
class Week:
    start: dt.date  # a Monday
    count: int
    height: float  # 0..100, of the busiest week


def _utc(day: dt.date) -> dt.datetime:
    """Midnight of a Dutch day, as the naive UTC time the database stores."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=LOCAL)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _week_of(column, bounds: list[dt.datetime], first: int, end: int):
    """SQL: the number of the week (first ≤ n < end) a time in [bounds[first], bounds[end])
    falls in, by halving: about five comparisons a row instead of up to 26."""
    if end - first == 1:
        return sa.literal(first)
    middle = (first + end) // 2
    return sa.case(
        (column < bounds[middle], _week_of(column, bounds, first, middle)),
        else_=_week_of(column, bounds, middle, end),
    )


def passes_per_week(
    today: dt.date,
    team_id: int | None = None,
    module_slug: str | None = None,
    team_ids: list[int] | None = None,
) -> list[Week]:
    """Modules passed for the first time per week (Monday to Sunday, Dutch time), the last
    WEEKS weeks up to this one: the first passes kept in report_cells (migration 0011), of
    assigned modules and others. One query; the weeks are numbered in SQL by comparing with
    their start times, so it reads the same on SQLite and PostgreSQL."""
    monday = today - dt.timedelta(days=today.weekday())
    starts = [monday - dt.timedelta(weeks=WEEKS - 1 - n) for n in range(WEEKS)]
    bounds = [_utc(day) for day in [*starts, monday + dt.timedelta(weeks=1)]]
    firsts = sa.select(ReportCell.passed_at).where(ReportCell.passed_at.is_not(None))
    scope = _scope(team_id, team_ids)
    if scope is not None:
        firsts = firsts.where(ReportCell.user_id.in_(scope))
    if module_slug:
        firsts = firsts.where(ReportCell.module_slug == module_slug)
    firsts = firsts.subquery("firsts")
    week = _week_of(firsts.c.passed_at, bounds, 0, WEEKS)
    counts = dict(
        db.session.execute(
            sa.select(week, sa.func.count())
            .where(firsts.c.passed_at >= bounds[0], firsts.c.passed_at < bounds[-1])
            .group_by(week)
        )
        .tuples()
        .all()
    )
    busiest = max(counts.values(), default=0)
    return [
        Week(start, int(counts.get(n, 0)), 100 * counts.get(n, 0) / busiest if busiest else 0)
        for n, start in enumerate(starts)
    ]


def weakest(rows: list[QuestionInsight], n: int = WEAKEST) -> list[QuestionInsight]:
    """The n questions answered right least often (only questions someone answered); ties:
    the most answered first, then the order of the quiz."""
    order = {id(r): i for i, r in enumerate(rows)}
    answered = [r for r in rows if r.answered]
    return sorted(answered, key=lambda r: (r.right / r.answered, -r.answered, order[id(r)]))[:n]
