"""Voortgang: the status matrix, question insight and CSV, each in a constant number of queries.

Statuses come from status.py, the same rule Mijn cursus uses.
"""

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from .content import Course, Module, Question
from .extensions import db
from .hr_assignments import assigned_modules
from .models import Answer, Attempt, AttemptKind, LessonView, Membership, Team, User
from .status import Status, is_overdue, module_status

try:
    LOCAL = ZoneInfo("Europe/Amsterdam")  # the same day boundary as Mijn cursus
except ZoneInfoNotFoundError:  # pragma: no cover - system without tz data
    LOCAL = dt.UTC

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


def local_today() -> dt.date:
    """Today in the Netherlands: a Deadline ends at midnight there, not in UTC."""
    return dt.datetime.now(LOCAL).date()


def local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored naive-UTC time as Dutch local time (naive)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(LOCAL).replace(tzinfo=None)


@dataclass
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
    assigned = assigned_modules(people)
    if module_slug:
        assigned = {k: v for k, v in assigned.items() if k[1] == module_slug}
    users = db.session.execute(
        sa.select(User.id, User.name, User.email, User.active).where(User.id.in_(people))
    ).all()
    teams: dict[int, list[str]] = defaultdict(list)
    for uid, name in db.session.execute(
        sa.select(Membership.user_id, Team.name)
        .join(Team, Team.id == Membership.team_id)
        .where(Membership.user_id.in_(people))
        .order_by(Team.name)
    ):
        teams[uid].append(name)
    percent = sa.case(
        (Attempt.max_score > 0, Attempt.score * 100.0 / Attempt.max_score), else_=sa.null()
    )
    stats = {
        (r.user_id, r.module_slug): r
        for r in db.session.execute(
            sa.select(
                Attempt.user_id,
                Attempt.module_slug,
                sa.func.count(Attempt.id).label("started"),
                sa.func.count(Attempt.submitted_at).label("submitted"),
                sa.func.max(percent).label("best"),
                sa.func.min(
                    sa.case((Attempt.passed.is_(True), Attempt.submitted_at), else_=sa.null())
                ).label("passed_at"),
            )
            .where(Attempt.kind == AttemptKind.EXAM.value, Attempt.user_id.in_(people))
            .group_by(Attempt.user_id, Attempt.module_slug)
        )
    }
    read = set(
        db.session.execute(
            sa.select(LessonView.user_id, LessonView.module_slug).where(
                LessonView.user_id.in_(people)
            )
        ).tuples()
    )
    slugs = {slug for _, slug in assigned}
    modules = [m for m in course.modules if m.slug in slugs]
    known = {m.slug for m in modules}
    modules += [_missing_module(s) for s in sorted(slugs - known)]
    totals = {m.slug: Total() for m in modules}
    rows = []
    for user in sorted(users, key=lambda u: (u.name.lower(), u.email)):
        row = Row(user.id, user.name, user.email, user.active, teams.get(user.id, []))
        for module in modules:
            item = assigned.get((user.id, module.slug))
            if item is None:
                continue
            stat = stats.get((user.id, module.slug))
            passed_at = stat.passed_at if stat else None
            state = module_status(
                read=(user.id, module.slug) in read,
                attempted=stat is not None,
                passed=passed_at is not None,
            )
            cell = Cell(
                status=state,
                overdue=is_overdue(state, item.due_date, today),
                due_date=item.due_date,
                assigned_at=local(item.assigned_at),
                best_percent=round(stat.best) if stat and stat.best is not None else None,
                passed_at=local(passed_at),
                attempts=stat.submitted if stat else 0,
            )
            row.cells[module.slug] = cell
            total = totals[module.slug]
            total.assigned += 1
            total.passed += state is Status.PASSED
            total.late += cell.overdue
        if row.cells:
            rows.append(row)
    if status:
        wanted = STATUS_FILTERS[status]
        rows = [r for r in rows if any(c.label == wanted for c in r.cells.values())]
    return Report(modules=modules, rows=rows, totals=totals)


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
