"""Voortgang's cells read in batches for the streamed CSV: constant memory whatever the
number of people (hr/reports/csv.py turns the lines into CSV)."""

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from ...core.db import db
from ...core.dutch import to_local
from ...course.model import Course, Module
from ...learning.assigned import assigned_select
from ...learning.retention import Retention, retention_per_person
from ...models import Attempt, AttemptKind, LessonView, Membership, Team, User
from .facts import SORT, pass_times
from .matrix import STATUS_FILTERS, Cell, make_cell, missing_module, people_select


@dataclass(frozen=True, slots=True)
class CellLine:
    """One person × assigned module, as the CSV lists it."""

    name: str
    email: str
    active: bool
    teams: str  # team names, sorted, joined with ", "
    module: Module
    cell: Cell
    retained: Retention | None = None  # this person's review answers 30+ days after passing


def _team_names(dialect: str) -> sa.Subquery:
    """(user_id, names): each person's team names, sorted and joined with ", "."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        names = sa.func.string_agg(Team.name, aggregate_order_by(sa.literal(", "), Team.name))
        return (
            sa.select(Membership.user_id, names.label("names"))
            .join(Team, Team.id == Membership.team_id)
            .group_by(Membership.user_id)
            .subquery("team_names")
        )
    # SQLite (3.40 has no ORDER BY inside an aggregate) concatenates in the inner order.
    ordered = (
        sa.select(Membership.user_id, Team.name)
        .join(Team, Team.id == Membership.team_id)
        .order_by(Membership.user_id, Team.name)
        .subquery("ordered")
    )
    return (
        sa.select(ordered.c.user_id, sa.func.group_concat(ordered.c.name, ", ").label("names"))
        .group_by(ordered.c.user_id)
        .subquery("team_names")
    )


def _cell_lines(
    course: Course, people: sa.Select | None, module_slug: str | None, dialect: str
) -> sa.Select:
    """Every assigned cell with what the CSV shows, sorted by person, then course order."""
    rows = assigned_select(people).subquery("assigned_rows")
    ranked = sa.select(
        rows.c.user_id,
        rows.c.module_slug,
        rows.c.due_date,
        rows.c.created_at,
        sa.func.row_number()
        .over(
            partition_by=(rows.c.user_id, rows.c.module_slug),
            order_by=(rows.c.due_date, rows.c.assignment_id),
        )
        .label("n"),
        sa.func.min(rows.c.valid_months)  # the shortest validity (learning/assigned.py)
        .over(partition_by=(rows.c.user_id, rows.c.module_slug))
        .label("valid_months"),
    )
    if module_slug:
        ranked = ranked.where(rows.c.module_slug == module_slug)
    ranked = ranked.subquery("ranked_assignments")
    percent = sa.case(
        (Attempt.max_score > 0, Attempt.score * 100.0 / Attempt.max_score),
        else_=sa.null(),
    )
    stats = sa.select(
        Attempt.user_id,
        Attempt.module_slug,
        sa.func.count(Attempt.submitted_at).label("attempts"),
        sa.func.max(percent).label("best"),
        *pass_times(),
    ).where(Attempt.kind == AttemptKind.EXAM.value)
    if people is not None:
        stats = stats.where(Attempt.user_id.in_(people))
    stats = stats.group_by(Attempt.user_id, Attempt.module_slug).subquery("stats")
    teams = _team_names(dialect)
    retained = retention_per_person(people, module_slug)
    position = sa.case(
        {m.slug: n for n, m in enumerate(course.modules)},
        value=ranked.c.module_slug,
        else_=len(course.modules),
    )
    return (
        sa.select(
            User.name,
            User.email,
            User.active,
            teams.c.names,
            ranked.c.module_slug,
            ranked.c.due_date,
            ranked.c.created_at,
            stats.c.user_id.is_not(None),
            stats.c.attempts,
            stats.c.best,
            stats.c.passed_at,
            LessonView.user_id.is_not(None),
            stats.c.last_passed_at,
            ranked.c.valid_months,
            retained.c.answers,
            retained.c.right,
        )
        .select_from(ranked)
        .join(User, User.id == ranked.c.user_id)
        .outerjoin(teams, teams.c.user_id == ranked.c.user_id)
        .outerjoin(
            stats,
            sa.and_(
                stats.c.user_id == ranked.c.user_id,
                stats.c.module_slug == ranked.c.module_slug,
            ),
        )
        .outerjoin(
            LessonView,
            sa.and_(
                LessonView.user_id == ranked.c.user_id,
                LessonView.module_slug == ranked.c.module_slug,
            ),
        )
        .outerjoin(
            retained,
            sa.and_(
                retained.c.user_id == ranked.c.user_id,
                retained.c.module_slug == ranked.c.module_slug,
            ),
        )
        .where(ranked.c.n == 1)
        .order_by(*SORT, position, ranked.c.module_slug)
    )


STREAM_BATCH = 1000  # rows fetched from the database at a time


def stream_cells(
    course: Course,
    today: dt.date,
    team_id: int | None = None,
    module_slug: str | None = None,
    status: str | None = None,
    team_ids: list[int] | None = None,
    connection: sa.Connection | None = None,
) -> Iterator[CellLine]:
    """Every person × assigned module in Voortgang's order, one statement read in batches of
    STREAM_BATCH rows (a server-side cursor on PostgreSQL): memory does not grow with the
    number of people. The statement runs at the first next(); after that the rows need no
    app or request context, so a response can stream them on its own `connection`.
    `status`: only cells showing it. `team_ids`: only people in these teams (None: all)."""
    people = (
        None if team_id is None and team_ids is None else people_select(team_id, None, team_ids)
    )
    wanted = STATUS_FILTERS[status] if status else None
    modules: dict[str, Module] = {m.slug: m for m in course.modules}
    local = functools.lru_cache(maxsize=4096)(to_local)
    source = connection or db.session
    dialect = (connection or db.engine).dialect.name
    statement = _cell_lines(course, people, module_slug, dialect)
    result = source.execute(statement.execution_options(yield_per=STREAM_BATCH))
    for (
        name,
        email,
        active,
        teams,
        slug,
        due,
        created,
        started,
        tries,
        best,
        passed_at,
        read,
        last_passed_at,
        valid_months,
        review_answers,
        review_right,
    ) in result.tuples():
        cell = make_cell(
            bool(read),
            bool(started),
            due,
            local(created),
            best,
            None if passed_at is None else local(passed_at),
            tries or 0,
            today,
            last_passed_at,
            valid_months,
        )
        if wanted is not None and cell.shown is not wanted:
            continue
        module = modules.get(slug)
        if module is None:
            module = modules[slug] = missing_module(slug)
        retained = Retention(int(review_answers), int(review_right)) if review_answers else None
        yield CellLine(name, email, bool(active), teams or "", module, cell, retained)
