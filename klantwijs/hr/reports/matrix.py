"""Voortgang: people × assigned modules with a status per cell, and totals per module, in a
constant number of queries. Statuses come from learning/status.py and assignments from
learning/assigned.py: the same rules Mijn cursus uses.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ...core.db import db
from ...core.dutch import to_local
from ...course.model import Course, Module
from ...learning.assigned import assigned_select, pick_earliest
from ...learning.retention import Retention, retention_by_module
from ...learning.status import Status, is_overdue, module_status, shown_status
from ...learning.validity import standing
from ...models import Attempt, AttemptKind, LessonView, Membership, Team, User
from .facts import SORT, cell_facts, shown_sql, status_sql

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
    retained: Retention | None = None  # review answers right 30+ days after passing

    def percent(self, part: int) -> int:
        return round(100 * part / self.assigned) if self.assigned else 0


@dataclass
class Report:
    modules: list[Module]
    rows: list[Row]
    totals: dict[str, Total]


def people_select(
    team_id: int | None, user_id: int | None, team_ids: list[int] | None = None
) -> sa.Select:
    query = sa.select(User.id)
    if team_ids is not None:  # a Teamleider: the people in their teams only
        query = query.where(
            User.id.in_(sa.select(Membership.user_id).where(Membership.team_id.in_(team_ids)))
        )
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


def _modules(course: Course, slugs: set[str]) -> list[Module]:
    modules = [m for m in course.modules if m.slug in slugs]
    known = {m.slug for m in modules}
    return modules + [missing_module(s) for s in sorted(slugs - known)]


def make_cell(
    read: bool,
    attempted: bool,
    due: dt.date,
    assigned_at: dt.datetime | None,
    best: float | None,
    passed_at: dt.datetime | None,
    attempts: int,
    today: dt.date,
    last_passed_at: dt.datetime | None = None,
    valid_months: int | None = None,
) -> Cell:
    """One cell from its facts, by the status rule (learning/status.py): the page's cells and
    every CSV line are made here. `assigned_at` and `passed_at` are already Dutch time.
    With a validity (recertification, learning/validity.py) the latest pass (naive UTC)
    decides: Verlopen and its new Deadline, and the latest pass is the one shown."""
    state = module_status(read=read, attempted=attempted, passed=passed_at is not None)
    overdue = is_overdue(state, due, today)
    if valid_months and last_passed_at is not None:
        now = standing(read, attempted, last_passed_at, due, valid_months, today)
        state, due, overdue, passed_at = now.status, now.due, now.overdue, to_local(last_passed_at)
    return Cell(
        state,
        overdue,
        due,
        assigned_at,
        None if best is None else round(best),
        passed_at,
        attempts,
    )


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
        (Attempt.max_score > 0, Attempt.score * 100.0 / Attempt.max_score),
        else_=sa.null(),
    )
    stats = {
        (uid, slug): (submitted, best, passed_at, last_pass)
        for uid, slug, submitted, best, passed_at, last_pass in db.session.execute(
            sa.select(
                Attempt.user_id,
                Attempt.module_slug,
                sa.func.count(Attempt.submitted_at),
                sa.func.max(percent),
                sa.func.min(
                    sa.case(
                        (Attempt.passed.is_(True), Attempt.submitted_at),
                        else_=sa.null(),
                    )
                ),
                sa.func.max(
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
            stat = stats.get((uid, slug))
            attempts, best, passed_at, last_pass = (
                stat if stat is not None else (0, None, None, None)
            )
            cells[slug] = make_cell(
                (uid, slug) in read,
                stat is not None,
                item.due_date,
                local_once(item.assigned_at),
                best,
                local_once(passed_at),
                attempts,
                today,
                last_pass,
                item.valid_months,
            )
        if cells:
            rows.append(Row(uid, user.name, user.email, user.active, teams.get(uid, []), cells))
    return slugs, rows


def _users_in_order(people: sa.Select | None) -> sa.Select:
    """The people, sorted as Voortgang lists them: by name (case-insensitive), e-mail, id."""
    query = sa.select(User.id, User.name, User.email, User.active)
    if people is not None:
        query = query.where(User.id.in_(people))
    return query.order_by(*SORT)


def build_report(
    course: Course,
    today: dt.date,
    team_id: int | None = None,
    module_slug: str | None = None,
    status: str | None = None,
    user_id: int | None = None,
    team_ids: list[int] | None = None,
) -> Report:
    """People × assigned modules, every row built (a person's page; small selections). Five
    queries. `team_ids`: only people in these teams (None: everyone). Voortgang's pages use
    build_report_page and the CSV stream_cells: neither builds everyone's rows."""
    people = people_select(team_id, user_id, team_ids)
    users = db.session.execute(_users_in_order(people)).all()
    slugs, rows = _cells(people, users, module_slug, today)
    modules = _modules(course, set(slugs))
    retained = retention_by_module(people, module_slug)
    totals = {m.slug: Total(retained=retained.get(m.slug)) for m in modules}
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
    """One page of the report: its rows, the totals over everyone, how many people in all,
    and per module how many cells show each status (slug → count; the charts)."""

    report: Report
    count: int
    page: int
    pages: int
    status_counts: dict[str, dict[str, int]] = field(default_factory=dict)


def _status_counts(people: sa.Select | None, module_slug: str | None, today: dt.date):
    """One statement: per module how many cells show each status (module, slug, n), every
    cell's facts read once from report_cells (facts.py)."""
    facts = cell_facts(people, module_slug).subquery("facts")
    shown = shown_sql(facts, today)
    return sa.select(facts.c.module_slug, shown, sa.func.count()).group_by(
        facts.c.module_slug, shown
    )


def _page_of_people(
    people: sa.Select | None,
    module_slug: str | None,
    status: str | None,
    today: dt.date,
    page: int,
    per_page: int,
) -> sa.Select:
    """One statement: the people of the asked page who have a cell (with the status asked
    for), sorted and limited in the database (ix_users_sort), each row with how many such
    people there are and the page shown (a page past the end gives the last one)."""

    def chosen(user: type[User] | sa.Alias):
        cells = cell_facts(people, module_slug).subquery("cells")
        wanted = [cells.c.user_id == user.id]
        if status:
            wanted.append(status_sql(cells, status, today))
        return sa.exists().where(*wanted)

    everyone = aliased(User, name="everyone")
    counted = (
        sa.select(sa.func.count().label("n"))
        .select_from(everyone)
        .where(chosen(everyone))
        .cte("counted")  # counted once, however often `total` is used below
    )
    total = sa.select(counted.c.n).scalar_subquery()
    asked = max(page, 1)
    # The last page when `page` is past it (both databases: no GREATEST/LEAST in SQLite).
    last = (total + per_page - 1) // per_page
    shown_page = sa.case((sa.and_(last > 0, last < asked), last), else_=asked)
    return (
        sa.select(User.id, User.name, User.email, User.active, total, shown_page)
        .where(chosen(User))
        .order_by(*SORT)
        .limit(per_page)
        .offset((shown_page - 1) * per_page)
    )


def build_report_page(
    course: Course,
    today: dt.date,
    page: int,
    per_page: int,
    team_id: int | None = None,
    module_slug: str | None = None,
    status: str | None = None,
    team_ids: list[int] | None = None,
) -> Page:
    """The rows of one page only, with totals per module over everyone.

    One statement counts, in the database, how many cells of each module show each status
    (the totals and the charts), one finds the sorted, limited page of people with their
    count; then only the page's cells are built (learning's rules, four small queries). A
    constant number of queries, and nothing in Python grows with the number of people.
    `team_ids`: only people in these teams (None: everyone).
    """
    people = (
        None if team_id is None and team_ids is None else people_select(team_id, None, team_ids)
    )
    counts: dict[str, dict[str, int]] = {}
    for slug, shown, n in db.session.execute(_status_counts(people, module_slug, today)):
        counts.setdefault(slug, {})[shown] = int(n)
    users, count, shown_page = [], 0, 1
    for rank, row in enumerate(
        db.session.execute(
            _page_of_people(people, module_slug, status, today, page, per_page)
        ).tuples()
    ):
        count, shown_page = int(row[4]), int(row[5])
        rank += (shown_page - 1) * per_page + 1
        users.append(PageUser(row[0], row[1], row[2], bool(row[3]), rank))
    pages = max(1, -(-count // per_page))
    ids = sa.select(User.id).where(User.id.in_([u.id for u in users]))
    _, rows = _cells(ids, users, module_slug, today)
    modules = _modules(course, set(counts))
    retained = retention_by_module(people, module_slug)  # Herhalen (learning/retention.py)
    totals = {}
    for module in modules:
        found = counts[module.slug]
        # A valid pass is never late (learning/validity.py): Geslaagd and Te laat are apart.
        totals[module.slug] = Total(
            assigned=sum(found.values()),
            passed=found.get(Status.PASSED.slug, 0),
            late=found.get(Status.OVERDUE.slug, 0),
            retained=retained.get(module.slug),
        )
    return Page(Report(modules=modules, rows=rows, totals=totals), count, shown_page, pages, counts)


# --- Every cell, streamed in order (the CSV) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageUser:
    id: int
    name: str
    email: str
    active: bool
    rank: int


def missing_module(slug: str) -> Module:
    """A stand-in for an assigned module whose files were removed from the course."""
    return Module.missing(slug)
