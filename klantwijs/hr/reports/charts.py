"""Pictures for Voortgang and Vragen-inzicht: what the SVG charts in templates/hr/_charts.html
draw, computed here (one query each), so the templates only place rectangles.

- per module a stacked bar of its statuses (Geslaagd, Bezig, Gelezen, Niet begonnen, Te
  laat), counted by Voortgang's own rule in SQL (facts.shown_sql);
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
from ...models import Attempt, AttemptKind
from .facts import cell_facts, shown_sql
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


def status_bars(
    modules: list[Module],
    today: dt.date,
    team_id: int | None = None,
    module_slug: str | None = None,
    team_ids: list[int] | None = None,
) -> list[StackedBar]:
    """A bar per module: how many people assigned to it show each status. One query."""
    facts = cell_facts(_scope(team_id, team_ids), module_slug).cte("chart_facts")
    shown = shown_sql(facts, today)
    counts: dict[str, dict[str, int]] = {}
    for slug, status, n in db.session.execute(
        sa.select(facts.c.module_slug, shown, sa.func.count()).group_by(facts.c.module_slug, shown)
    ).tuples():
        counts.setdefault(slug, {})[status] = int(n)
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


def passes_per_week(
    today: dt.date,
    team_id: int | None = None,
    module_slug: str | None = None,
    team_ids: list[int] | None = None,
) -> list[Week]:
    """Modules passed for the first time per week (Monday to Sunday, Dutch time), the last
    WEEKS weeks up to this one. One query; the weeks are numbered in SQL by comparing with
    their start times, so it reads the same on SQLite and PostgreSQL."""
    monday = today - dt.timedelta(days=today.weekday())
    starts = [monday - dt.timedelta(weeks=WEEKS - 1 - n) for n in range(WEEKS)]
    bounds = [_utc(day) for day in [*starts, monday + dt.timedelta(weeks=1)]]
    firsts = sa.select(
        Attempt.user_id,
        Attempt.module_slug,
        sa.func.min(Attempt.submitted_at).label("passed_at"),
    ).where(
        Attempt.kind == AttemptKind.EXAM.value,
        Attempt.passed.is_(True),
        Attempt.submitted_at.is_not(None),
    )
    scope = _scope(team_id, team_ids)
    if scope is not None:
        firsts = firsts.where(Attempt.user_id.in_(scope))
    if module_slug:
        firsts = firsts.where(Attempt.module_slug == module_slug)
    firsts = firsts.group_by(Attempt.user_id, Attempt.module_slug).subquery("firsts")
    week = sa.case(
        *[(firsts.c.passed_at < bound, n) for n, bound in enumerate(bounds[1:])],
        else_=WEEKS,
    )
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
