"""Every cell's status in SQL: the same rule as matrix.make_cell() (learning/status.py) over
every person × assigned module at once, for what must look at all cells — the totals per
module, the status filters, sorting and paging in the database, and the charts."""

import datetime as dt

import sqlalchemy as sa

from ...learning.status import Status
from ...learning.validity import late_sql, still_valid_sql
from ...models import Attempt, ReportCell, User

# --- Every cell's status in SQL: totals, status filters and paging in the database ----------
#
# The same rule as make_cell() (learning/status.py), over every person × assigned module at
# once, for what must look at all cells: the totals per module, who has a cell with the
# status asked for, and the charts. The facts come from report_cells, one narrow row per
# person × module kept by triggers in the transaction of every change (migration 0011): the
# Deadline that counts (learning/assigned.py's rule), started, read, first and latest pass.
# A test holds the two rules to each other for every combination of facts, and another the
# table to a rebuild from the source tables after every kind of change.

SORT = (sa.func.lower(User.name), User.email, User.id)


def pass_times() -> tuple:
    """The first and the latest passed hand-in of an exam group, as passed_at and
    last_passed_at (for aggregates over Attempt grouped by person and module)."""
    passed = sa.case((Attempt.passed.is_(True), Attempt.submitted_at), else_=sa.null())
    return sa.func.min(passed).label("passed_at"), sa.func.max(passed).label("last_passed_at")


def cell_facts(people: sa.Select | None, module_slug: str | None) -> sa.Select:
    """(user_id, module_slug, due_date, passed_at, valid_months, last_passed_at, started,
    read) for every assigned cell of these people (None: everyone)."""
    query = sa.select(
        ReportCell.user_id,
        ReportCell.module_slug,
        ReportCell.due_date,
        ReportCell.passed_at,
        ReportCell.valid_months,
        ReportCell.last_passed_at,
        ReportCell.started,
        ReportCell.lesson_read.label("read"),
    ).where(ReportCell.due_date.is_not(None))
    if people is not None:
        query = query.where(ReportCell.user_id.in_(people))
    if module_slug:
        query = query.where(ReportCell.module_slug == module_slug)
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
    """SQL: the cell shows this status (slug); the same order as shown_sql."""
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
    """The status a cell shows, as its slug (Te laat wins; then passed, started, read).
    Without a validity (most cells) the short form: a pass then counts for good, so only
    "passed at all" and the Deadline decide; the full rule of learning/validity.py for the
    rest. Both forms are held to the Python rule by tests/test_scale_reports.py."""
    late = sa.and_(facts.c.passed_at.is_(None), facts.c.due_date < today)
    for_good = sa.case(
        (late, Status.OVERDUE.slug),
        (facts.c.passed_at.is_not(None), Status.PASSED.slug),
        (facts.c.started, Status.IN_PROGRESS.slug),
        (facts.c.read, Status.READ.slug),
        else_=Status.NOT_STARTED.slug,
    )
    renewed = sa.case(
        (overdue_sql(facts, today), Status.OVERDUE.slug),
        (expired_sql(facts, today), Status.EXPIRED.slug),
        (passed_sql(facts, today), Status.PASSED.slug),
        (facts.c.started, Status.IN_PROGRESS.slug),
        (facts.c.read, Status.READ.slug),
        else_=Status.NOT_STARTED.slug,
    )
    return sa.case((facts.c.valid_months.is_(None), for_good), else_=renewed)
