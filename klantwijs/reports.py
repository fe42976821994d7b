"""Voortgang: the status matrix, question insight and CSV, each in a constant number of queries.

Statuses come from status.py, the same rule Mijn cursus uses.
"""

import csv
import datetime as dt
import functools
import io
import threading
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from .content import Course, Module, Question
from .extensions import db, fast_read
from .hr_assignments import assigned_select
from .models import (
    Answer,
    Assignment,
    Attempt,
    AttemptKind,
    AuditEntry,
    LessonView,
    Membership,
    Team,
    User,
)
from .status import LOCAL, Status, is_overdue, module_status

LATE = "Te laat"
# Filter values in the URL → what they match.
STATUS_FILTERS = {
    "niet-begonnen": Status.NOT_STARTED.value,
    "gelezen": Status.READ.value,
    "bezig": Status.IN_PROGRESS.value,
    "geslaagd": Status.PASSED.value,
    "te-laat": LATE,
}
CSV_COLUMNS = [
    "naam",
    "e-mail",
    "team",
    "module",
    "toegewezen op",
    "deadline",
    "status",
    "beste score",
    "geslaagd op",
    "pogingen",
]


def local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored naive-UTC time as Dutch local time (naive)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(LOCAL).replace(tzinfo=None)


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
    def label(self) -> str:
        return LATE if self.overdue else self.status.value

    @property
    def css(self) -> str:
        return "te-laat" if self.overdue else self.status.name.lower().replace("_", "-")


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
    assigned: dict[tuple[int, str], tuple] = {}
    for uid, aid, slug, due, created in db.session.execute(
        sa.select(_assigned(people, module_slug))
    ).tuples():
        key = (uid, slug)
        current = assigned.get(key)
        if current is None or (due, aid) < (current[0], current[1]):
            assigned[key] = (due, aid, created)
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
            found = times[value] = local(value)
        return found

    rows = []
    for user in users:
        uid = user.id
        cells = {}
        for slug in slugs:
            item = assigned.get((uid, slug))
            if item is None:
                continue
            due, _, created = item
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
        rows = [r for r in rows if any(c.label == wanted for c in r.cells.values())]
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
    assigned = _assigned(people, module_slug)
    due = (
        sa.select(
            assigned.c.user_id,
            assigned.c.module_slug,
            sa.func.min(assigned.c.due_date).label("due_date"),
        )
        .group_by(assigned.c.user_id, assigned.c.module_slug)
        .subquery("due")
    )
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
    from .content import Lesson, Quiz

    return Module(
        slug=slug,
        title=f"{slug} (niet meer in de cursus)",
        order=10_000,
        source="",
        summary="",
        lesson=Lesson("", "", (), 0),
        quiz=Quiz(questions=(), version=""),
    )


# --- CSV ---------------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """Stop spreadsheet formulas: a cell starting with = + - @ tab or CR gets a leading '."""
    return "'" + value if value and value[0] in "=+-@\t\r" else value


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


def report_csv(report: Report, status: str | None = None) -> str:
    """One line per person and assigned module; UTF-8 BOM and ; so Dutch Excel opens it."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    wanted = STATUS_FILTERS.get(status or "")
    for row in report.rows:
        for module in report.modules:
            cell = row.cells.get(module.slug)
            if cell is None or (wanted and cell.label != wanted):
                continue
            name = row.name if row.active else f"{row.name} (inactief)"
            writer.writerow(
                [
                    neutralise(v)
                    for v in (
                        name,
                        row.email,
                        ", ".join(row.teams),
                        module.title,
                        _date(cell.assigned_at),
                        _date(cell.due_date),
                        cell.label,
                        "" if cell.best_percent is None else f"{cell.best_percent}%",
                        _date(cell.passed_at),
                        str(cell.attempts),
                    )
                ]
            )
    return out.getvalue()


# --- Person detail ---------------------------------------------------------------------------


def attempts_of(user_id: int) -> list[Attempt]:
    return list(
        db.session.scalars(
            sa.select(Attempt)
            .where(Attempt.user_id == user_id)
            .order_by(Attempt.started_at.desc(), Attempt.id.desc())
        )
    )


# --- Vragen-inzicht ---------------------------------------------------------------------------


@dataclass
class QuestionInsight:
    question: Question
    answered: int = 0
    right: int = 0
    wrong_choice: str | None = None
    wrong_count: int = 0

    @property
    def percent_right(self) -> int | None:
        return round(100 * self.right / self.answered) if self.answered else None


def _wrong_choice(question: Question, response) -> list[str]:
    """The wrong things one answer chose: option texts, or the whole order for ordering."""
    if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
        return []
    if question.type == "ordering":
        steps = {s.id: s.text for s in question.steps}
        if tuple(response) == question.correct_order or not all(r in steps for r in response):
            return []
        return [" → ".join(steps[r] for r in response)]
    options = {o.id: o for o in question.options}
    return [
        options[r].text for r in dict.fromkeys(response) if r in options and not options[r].correct
    ]


def question_insight(module: Module, team_id: int | None = None) -> list[QuestionInsight]:
    """Per question of a module: share right and the wrong option chosen most. One query."""
    query = (
        sa.select(Answer.question_id, Answer.response, Answer.score)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(
            Attempt.module_slug == module.slug,
            Attempt.kind == AttemptKind.EXAM.value,
            Attempt.submitted_at.is_not(None),
        )
    )
    if team_id is not None:
        query = query.where(
            Attempt.user_id.in_(sa.select(Membership.user_id).where(Membership.team_id == team_id))
        )
    insights = {q.id: QuestionInsight(q) for q in module.quiz.questions}
    wrong: dict[str, Counter] = defaultdict(Counter)
    for question_id, response, score in db.session.execute(query):
        insight = insights.get(question_id)
        if insight is None:
            continue
        insight.answered += 1
        if score is not None and score >= 0.999:
            insight.right += 1
        else:
            wrong[question_id].update(_wrong_choice(insight.question, response))
    for question_id, counter in wrong.items():
        if counter:
            choice, count = min(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            insights[question_id].wrong_choice = choice
            insights[question_id].wrong_count = count
    return list(insights.values())


# --- Cache of built reports -------------------------------------------------------------------


@functools.cache  # built once: it is the same statement on every request
def _changes() -> sa.Select:
    """One cheap SELECT whose result changes whenever anything the report shows changes.

    Counts and highest ids catch inserts and deletes. Attempts are only deleted when an
    outdated open attempt is restarted, together with an insert, so their highest id
    catches both; handing in is an UPDATE that sets score, passed and submitted_at at once
    and is never undone, so the latest submitted_at and how many attempts carry it catch
    every hand-in (also two in the same microsecond). Each of these three is a single
    MIN/MAX-style lookup that both databases answer from an index, whatever the number of
    attempts (counting them all cost 2 ms per report on SQLite with 23,000 attempts). People: count,
    active flags, name and e-mail lengths; teams: count and name lengths; memberships:
    count and sums of ids; assignments: count, highest id and latest deadline. The audit
    log's highest id catches every Beheer action (deadline changed, person (de)activated,
    team renamed, members moved, ...). Lesson views only count once per person and module.
    The other parts read small tables or an index.
    """

    count = sa.func.count
    mx = sa.func.max

    def total(expr):
        return sa.func.coalesce(sa.func.sum(expr), 0)

    latest = sa.select(mx(Attempt.submitted_at)).scalar_subquery()
    parts = [
        sa.select(
            sa.select(mx(Attempt.id)).scalar_subquery(),
            latest,
            sa.select(count()).where(Attempt.submitted_at >= latest).scalar_subquery(),
        ),
        sa.select(count()).select_from(LessonView),
        sa.select(count(), mx(Assignment.id), mx(Assignment.due_date)).select_from(Assignment),
        sa.select(count(), total(Membership.user_id), total(Membership.team_id)).select_from(
            Membership
        ),
        sa.select(
            count(),
            mx(User.id),
            total(sa.case((User.active.is_(True), 1), else_=0)),
            total(sa.func.length(User.name) + sa.func.length(User.email)),
        ),
        sa.select(count(), total(sa.func.length(Team.name))).select_from(Team),
        sa.select(mx(AuditEntry.id)),
    ]
    subqueries = [part.subquery(f"part{n}") for n, part in enumerate(parts)]
    joined = subqueries[0]
    for subquery in subqueries[1:]:
        joined = joined.join(subquery, sa.true())  # each part is one row
    return sa.select(*[c for subquery in subqueries for c in subquery.c]).select_from(joined)


def fingerprint() -> tuple:
    """The data's current state as a tuple (one statement), for ReportCache keys."""
    return tuple(fast_read(_changes(), {}).one())


class ReportCache:
    """A small per-process LRU of built reports, keyed by what was asked plus fingerprint().

    Each gunicorn process keeps its own; because the key holds the data's fingerprint,
    read from the database on every request, a change made through any process is seen
    at once (the old entry is simply never hit again and ages out).
    """

    def __init__(self, size: int = 32):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key, build):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
