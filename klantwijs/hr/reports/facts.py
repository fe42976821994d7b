"""Every cell's status in SQL: the same rule as matrix.make_cell() (learning/status.py) over
every person × assigned module at once, for what must look at all cells — the totals per
module, the status filters, sorting and paging in the database, and the charts."""

import datetime as dt

import sqlalchemy as sa

from ...learning.assigned import assigned_select
from ...learning.status import Status
from ...learning.validity import late_sql, still_valid_sql
from ...models import Attempt, AttemptKind, LessonView, User

# --- Every cell's status in SQL: totals, status filters and paging in the database ----------
#
# The same rule as make_cell() (learning/status.py), over every person × assigned module at
# once, for what must look at all cells: the totals per module and who has a cell with the
# status asked for. A test holds the two to each other for every combination of facts.
# Read from indexes: assignments × memberships, ix_attempts_exam_progress (exam attempts:
# started, latest pass) and the lesson views' primary key.

SORT = (sa.func.lower(User.name), User.email, User.id)


# Which facts a status filter needs beyond the deadline and the latest pass.
NEEDS = {
    Status.IN_PROGRESS.slug: ("started",),
    Status.READ.slug: ("started", "read"),
    Status.NOT_STARTED.slug: ("started", "read"),
}


def pass_times() -> tuple:
    """The first and the latest passed hand-in of an exam group, as passed_at and
    last_passed_at (for aggregates over Attempt grouped by person and module)."""
    passed = sa.case((Attempt.passed.is_(True), Attempt.submitted_at), else_=sa.null())
    return sa.func.min(passed).label("passed_at"), sa.func.max(passed).label("last_passed_at")


def cell_facts(
    people: sa.Select | None,
    module_slug: str | None,
    needs: tuple[str, ...] = ("started", "read"),
) -> sa.Select:
    """(user_id, module_slug, due_date, passed_at[, started][, read]) for every assigned
    cell; `started` and `read` only when asked for (each costs a join over every cell)."""
    rows = assigned_select(people).subquery("assigned_rows")
    cells = sa.select(
        rows.c.user_id,
        rows.c.module_slug,
        sa.func.min(rows.c.due_date).label("due_date"),
        sa.func.min(rows.c.valid_months).label("valid_months"),  # the shortest (assigned.py)
    ).group_by(rows.c.user_id, rows.c.module_slug)
    if module_slug:
        cells = cells.where(rows.c.module_slug == module_slug)
    cells = cells.subquery("cells")
    progress = sa.select(
        Attempt.user_id,
        Attempt.module_slug,
        *pass_times(),
    ).where(Attempt.kind == AttemptKind.EXAM.value)
    if "started" not in needs:  # only the passes, then
        progress = progress.where(Attempt.passed.is_(True))
    if people is not None:
        progress = progress.where(Attempt.user_id.in_(people))
    if module_slug:
        progress = progress.where(Attempt.module_slug == module_slug)
    progress = progress.group_by(Attempt.user_id, Attempt.module_slug).subquery("progress")
    columns = [
        cells.c.user_id,
        cells.c.module_slug,
        cells.c.due_date,
        progress.c.passed_at,
        cells.c.valid_months,
        progress.c.last_passed_at,
    ]
    if "started" in needs:
        columns.append(progress.c.user_id.is_not(None).label("started"))
    if "read" in needs:
        columns.append(LessonView.user_id.is_not(None).label("read"))
    query = (
        sa.select(*columns)
        .select_from(cells)
        .outerjoin(
            progress,
            sa.and_(
                progress.c.user_id == cells.c.user_id,
                progress.c.module_slug == cells.c.module_slug,
            ),
        )
    )
    if "read" in needs:
        query = query.outerjoin(
            LessonView,
            sa.and_(
                LessonView.user_id == cells.c.user_id,
                LessonView.module_slug == cells.c.module_slug,
            ),
        )
    return query


def passed_sql(facts, today: dt.date):
    """Passed, and the pass still counts (learning/validity.py)."""
    return still_valid_sql(facts.c.last_passed_at, facts.c.valid_months, today)


def expired_sql(facts, today: dt.date):
    """Verlopen: passed, but the validity ran out."""
    return sa.and_(facts.c.passed_at.is_not(None), sa.not_(passed_sql(facts, today)))


def overdue_sql(facts, today: dt.date):
    """Te laat, with the new Deadline of a Verlopen module (learning/validity.py)."""
    return late_sql(facts.c.last_passed_at, facts.c.valid_months, facts.c.due_date, today)


def status_sql(facts, slug: str, today: dt.date):
    """SQL: the cell shows this status (slug); the same order as shown_sql, using only the
    facts that status needs (NEEDS)."""
    late, passed = overdue_sql(facts, today), passed_sql(facts, today)
    if slug == Status.OVERDUE.slug:
        return late
    if slug == Status.EXPIRED.slug:
        return sa.and_(sa.not_(late), expired_sql(facts, today))
    open_ = sa.and_(sa.not_(late), facts.c.passed_at.is_(None))
    if slug == Status.PASSED.slug:
        return sa.and_(sa.not_(late), passed)
    if slug == Status.IN_PROGRESS.slug:
        return sa.and_(open_, facts.c.started)
    if slug == Status.READ.slug:
        return sa.and_(open_, sa.not_(facts.c.started), facts.c.read)
    if slug == Status.NOT_STARTED.slug:
        return sa.and_(open_, sa.not_(facts.c.started), sa.not_(facts.c.read))
    return sa.false()


def shown_sql(facts, today: dt.date):
    """The status a cell shows, as its slug (Te laat wins; then passed, started, read)."""
    return sa.case(
        (overdue_sql(facts, today), Status.OVERDUE.slug),
        (expired_sql(facts, today), Status.EXPIRED.slug),
        (passed_sql(facts, today), Status.PASSED.slug),
        (facts.c.started, Status.IN_PROGRESS.slug),
        (facts.c.read, Status.READ.slug),
        else_=Status.NOT_STARTED.slug,
    )
