"""Voortgang: people × assigned modules with a status per cell, and totals per module, in a
constant number of queries. Statuses come from learning/status.py and assignments from
learning/assigned.py: the same rules Mijn cursus uses.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from ...core.db import db
from ...core.dutch import to_local
from ...course.model import Course, Module
from ...learning.assigned import assigned_select, earliest_due_select, pick_earliest
from ...learning.status import Status, is_overdue, module_status, shown_status
from ...models import Attempt, AttemptKind, LessonView, Membership, Team, User

# Filter values in the URL → the status they match.
STATUS_FILTERS = {status.slug: status for status in Status}


@dataclass(slots=True)
class Cell:
    status: Status
    overdue: bool
    due_date: dt.date
    assigned_at: dt.datetime
    best_percent: int | None
    passed_at: dt.datetime | None
    attempts: int

    @property
    def shown(self) -> Status:
        return shown_status(self.status, self.overdue)

    @property
    def label(self) -> str:
        return self.shown.value

    @property
    def underneath(self) -> Status | None:
        """Under Te laat: how far the person got, when they started at all."""
        if self.overdue and self.status is not Status.NOT_STARTED:
            return self.status
        return None


@dataclass
class Row:
    user_id: int
    name: str
    email: str
    active: bool
    teams: list[str]
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass
class Total:
    assigned: int = 0
    passed: int = 0
    late: int = 0

    def percent(self, part: int) -> int:
        return round(100 * part / self.assigned) if self.assigned else 0


@dataclass
class Report:
    modules: list[Module]
    rows: list[Row]
    totals: dict[str, Total]


def _people(team_id: int | None, user_id: int | None) -> sa.Select:
    query = sa.select(User.id)
    if team_id is not None:
        query = query.where(
            User.id.in_(sa.select(Membership.user_id).where(Membership.team_id == team_id))
        )
    if user_id is not None:
        query = query.where(User.id == user_id)
    return query


def _assigned(people: sa.Select, module_slug: str | None) -> sa.Subquery:
    """Every (person, module, assignment) row that reaches these people, as a subquery."""
    rows = assigned_select(people).subquery("assigned_rows")
    query = sa.select(rows)
    if module_slug:
        query = query.where(rows.c.module_slug == module_slug)
    return query.subquery("assigned")


def _sort_key(user) -> tuple[str, str]:
    return (user.name.lower(), user.email)


def _modules(course: Course, slugs: set[str]) -> list[Module]:
    modules = [m for m in course.modules if m.slug in slugs]
    known = {m.slug for m in modules}
    return modules + [_missing_module(s) for s in sorted(slugs - known)]


def _cells(
    people: sa.Select, users: list, module_slug: str | None, today: dt.date
) -> tuple[list[str], list[Row]]:
    """Rows (with cells) for these people, in the order of `users`: four queries.

    Returns the slugs assigned to them and their rows; people with no assigned module
    get no row. Times are converted to Dutch time once per distinct value.
    """
    assigned = pick_earliest(db.session.execute(sa.select(_assigned(people, module_slug))).tuples())
    teams: dict[int, list[str]] = defaultdict(list)
    for uid, name in db.session.execute(
        sa.select(Membership.user_id, Team.name)
        .join(Team, Team.id == Membership.team_id)
        .where(Membership.user_id.in_(people))
        .order_by(Team.name)
    ).tuples():
        teams[uid].append(name)
    percent = sa.case(
        (Attempt.max_score > 0, Attempt.score * 100.0 / Attempt.max_score), else_=sa.null()
    )
    stats = {
        (uid, slug): (submitted, best, passed_at)
        for uid, slug, submitted, best, passed_at in db.session.execute(
            sa.select(
                Attempt.user_id,
                Attempt.module_slug,
                sa.func.count(Attempt.submitted_at),
                sa.func.max(percent),
                sa.func.min(
                    sa.case((Attempt.passed.is_(True), Attempt.submitted_at), else_=sa.null())
                ),
            )
            .where(Attempt.kind == AttemptKind.EXAM.value, Attempt.user_id.in_(people))
            .group_by(Attempt.user_id, Attempt.module_slug)
        ).tuples()
    }
    read = {
        (uid, slug)  # plain tuples: hashing a Row costs more
        for uid, slug in db.session.execute(
            sa.select(LessonView.user_id, LessonView.module_slug).where(
                LessonView.user_id.in_(people)
            )
        )
    }
    slugs = sorted({slug for _, slug in assigned})
    times: dict = {}

    def local_once(value):
        if value is None:
            return None
        found = times.get(value)
        if found is None:
            found = times[value] = to_local(value)
        return found

    rows = []
    for user in users:
        uid = user.id
        cells = {}
        for slug in slugs:
            item = assigned.get((uid, slug))
            if item is None:
                continue
            due, created = item.due_date, item.assigned_at
            stat = stats.get((uid, slug))
            attempts, best, passed_at = stat if stat is not None else (0, None, None)
            state = module_status(
                read=(uid, slug) in read, attempted=stat is not None, passed=passed_at is not None
            )
            cells[slug] = Cell(
                state,
                is_overdue(state, due, today),
                due,
                local_once(created),
                None if best is None else round(best),
                local_once(passed_at),
                attempts,
            )
        if cells:
            rows.append(Row(uid, user.name, user.email, user.active, teams.get(uid, []), cells))
    return slugs, rows


def build_report(
    course: Course,
    today: dt.date,
    team_id: int | None = None,
    module_slug: str | None = None,
    status: str | None = None,
    user_id: int | None = None,
) -> Report:
    """People × assigned modules in five queries, whatever the number of people."""
    people = _people(team_id, user_id)
    users = sorted(
        db.session.execute(
            sa.select(User.id, User.name, User.email, User.active).where(User.id.in_(people))
        ).all(),
        key=_sort_key,
    )
    slugs, rows = _cells(people, users, module_slug, today)
    modules = _modules(course, set(slugs))
    totals = {m.slug: Total() for m in modules}
    for row in rows:
        for slug, cell in row.cells.items():
            total = totals[slug]
            total.assigned += 1
            total.passed += cell.status is Status.PASSED
            total.late += cell.overdue
    if status:
        wanted = STATUS_FILTERS[status]
        rows = [r for r in rows if any(c.shown is wanted for c in r.cells.values())]
    return Report(modules=modules, rows=rows, totals=totals)


@dataclass
class Page:
    """One page of the report: its rows, the totals over everyone, how many people in all."""

    report: Report
    count: int
    page: int
    pages: int


def build_report_page(
    course: Course,
    today: dt.date,
    page: int,
    per_page: int,
    team_id: int | None = None,
    module_slug: str | None = None,
    status: str | None = None,
) -> Page:
    """The rows of one page only, with totals per module over everyone.

    Without a status filter: the people of the page are picked first (one query for
    everyone's names, sorted as the full report sorts them), then only their cells are
    built; the totals come from one GROUP BY per module. With a status filter every status
    is needed to know who is on which page, so the whole report is built and sliced.
    Either way a constant number of queries.
    """
    if status:
        full = build_report(course, today, team_id, module_slug, status)
        pages = max(1, -(-len(full.rows) // per_page))
        page = min(max(page, 1), pages)
        rows = full.rows[(page - 1) * per_page : page * per_page]
        shown = Report(modules=full.modules, rows=rows, totals=full.totals)
        return Page(shown, len(full.rows), page, pages)
    people = _people(team_id, None)
    assigned = _assigned(people, module_slug)
    everyone = sorted(
        db.session.execute(
            sa.select(User.id, User.name, User.email, User.active).where(
                User.id.in_(people), User.id.in_(sa.select(assigned.c.user_id))
            )
        ).all(),
        key=_sort_key,
    )
    pages = max(1, -(-len(everyone) // per_page))
    page = min(max(page, 1), pages)
    users = everyone[(page - 1) * per_page : page * per_page]
    ids = sa.select(User.id).where(User.id.in_([u.id for u in users]))
    _, rows = _cells(ids, users, module_slug, today)
    totals_by_slug = _totals(people, module_slug, today)
    modules = _modules(course, set(totals_by_slug))
    totals = {m.slug: totals_by_slug[m.slug] for m in modules}
    return Page(Report(modules=modules, rows=rows, totals=totals), len(everyone), page, pages)


def _totals(people: sa.Select, module_slug: str | None, today: dt.date) -> dict[str, Total]:
    """Per assigned module over everyone: assigned, passed, late. One GROUP BY query.

    The earliest deadline counts when a module reaches a person twice (as in the cells).
    """
    due = earliest_due_select(_assigned(people, module_slug))
    passed = (
        sa.exists()
        .where(
            Attempt.user_id == due.c.user_id,
            Attempt.module_slug == due.c.module_slug,
            Attempt.kind == AttemptKind.EXAM.value,
            Attempt.passed.is_(True),
            Attempt.submitted_at.is_not(None),
        )
        .correlate(due)
    )
    cells = sa.select(
        due.c.module_slug, due.c.due_date, sa.case((passed, 1), else_=0).label("passed")
    ).subquery("cells")
    late = sa.case((sa.and_(cells.c.passed == 0, cells.c.due_date < today), 1), else_=0)
    query = sa.select(
        cells.c.module_slug,
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(cells.c.passed), 0),
        sa.func.coalesce(sa.func.sum(late), 0),
    ).group_by(cells.c.module_slug)
    return {
        slug: Total(assigned=n, passed=int(p), late=int(late))
        for slug, n, p, late in db.session.execute(query).tuples()
    }


def _missing_module(slug: str) -> Module:
    """A stand-in for an assigned module whose files were removed from the course."""
    return Module.missing(slug)
