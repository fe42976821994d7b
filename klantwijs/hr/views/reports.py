"""Beheer views: Voortgang (matrix and CSV) and Vragen-inzicht."""

from flask import Response, current_app, render_template, request
from markupsafe import Markup

from ...core.db import db
from ...core.dutch import local_today
from ...core.errors import render_error
from ...course import get_course as course
from ...models import MAX_ID, Team
from .. import queries
from ..reports import charts
from ..reports.cache import ReportCache, fingerprint
from ..reports.csv import csv_chunks
from ..reports.insight import question_insight
from ..reports.matrix import STATUS_FILTERS, build_report_page
from ..reports.stream import stream_cells
from ._common import int_arg, team_scope

ROWS_PER_PAGE = 100
PAGES_CACHED = 32  # rendered pages of the matrix per process (about 150 KB each at most)


class BadFilter(Exception):
    pass


def _filters() -> dict:
    """team, module and status from the query string; unknown values (for a Teamleider also
    another team) are refused (400)."""
    raw_team = (request.args.get("team") or "").strip()
    raw_module = (request.args.get("module") or "").strip()
    raw_status = (request.args.get("status") or "").strip()
    team_id = None
    if raw_team:
        if (
            not raw_team.isascii()
            or not raw_team.isdigit()
            or len(raw_team) > 12
            or int(raw_team) > MAX_ID
        ):
            raise BadFilter
        team_id = int(raw_team)
        scope = team_scope()
        if (scope is not None and team_id not in scope) or db.session.get(Team, team_id) is None:
            raise BadFilter
    if raw_module and course().get(raw_module) is None:
        raise BadFilter
    if raw_status and raw_status not in STATUS_FILTERS:
        raise BadFilter
    return {"team_id": team_id, "module_slug": raw_module or None, "status": raw_status or None}


def _bad_filter():
    return render_error(
        400, "Dit filter bestaat niet (meer). Kies opnieuw een team, module of status."
    )


def _cache(name: str, size: int) -> ReportCache:
    """This process's cache for this app (each app in the tests gets its own)."""
    return current_app.extensions.setdefault(f"klantwijs.reports.{name}", ReportCache(size))


def _key(filters: dict, *extra) -> tuple:
    """What a cached report depends on: the filters, the day, the course and the data."""
    return (
        tuple(sorted(filters.items())),
        *extra,
        local_today(),
        id(course()),
        fingerprint(),
    )


def _scope_key(scope: list[int] | None) -> tuple | None:
    """A Teamleider's teams, as part of a cache key: their report is not HR's."""
    return None if scope is None else tuple(sorted(scope))


def report():
    try:
        filters = _filters()
    except BadFilter:
        return _bad_filter()
    page = int_arg("pagina", 1, maximum=100_000)
    query = {k: v for k, v in request.args.items() if k in ("team", "module", "status") and v}

    scope = team_scope()

    def build() -> Markup:
        found = build_report_page(
            course(), local_today(), page=page, per_page=ROWS_PER_PAGE, team_ids=scope, **filters
        )
        picture = {"team_id": filters["team_id"], "module_slug": filters["module_slug"]}
        return Markup(
            render_template(
                "hr/report_body.html",
                bars=charts.status_bars(found.report.modules, found.status_counts),
                weeks=charts.passes_per_week(local_today(), **picture, team_ids=scope),
                order=charts.ORDER,
                report=found.report,
                rows=found.report.rows,
                count=found.count,
                page=found.page,
                pages=found.pages,
                filters=filters,
                query=query,
            )
        )

    key = _key(filters, page, tuple(sorted(query.items())), _scope_key(scope))
    return render_template(
        "hr/report.html",
        body=_cache("pages", PAGES_CACHED).get_or_build(key, build),
        filters=filters,
        team_choices=queries.team_choices(scope),
        modules=course().modules,
        statuses={slug: status.value for slug, status in STATUS_FILTERS.items()},
        query=query,
    )


def report_csv():
    """Download CSV, streamed: the header goes out at once, then pieces as the rows come from
    the database, read on a connection of its own that the response closes. Nothing is
    cached, so a worker's memory stays flat however many people there are. (A failure after
    the first piece breaks the download off, which the browser shows as failed.)"""
    try:
        filters = _filters()
    except BadFilter:
        return _bad_filter()
    scope = team_scope()
    course_now, today = course(), local_today()
    connection = db.engine.connect()

    def body():
        try:
            cells = stream_cells(
                course_now, today, team_ids=scope, connection=connection, **filters
            )
            yield from csv_chunks(cells)
        finally:
            connection.close()

    filename = f"voortgang-{today.isoformat()}.csv"
    return Response(
        body(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


def insight():
    try:
        filters = _filters()
    except BadFilter:
        return _bad_filter()
    module = course().get(filters["module_slug"]) if filters["module_slug"] else None
    if module is None and course().modules:
        module = course().modules[0]
    scope = team_scope()
    rows = question_insight(module, filters["team_id"], team_ids=scope) if module else []
    team_name = queries.team_name(filters["team_id"])
    weak = charts.weakest(rows)
    return render_template(
        "hr/insight.html",
        module=module,
        rows=rows,
        weak=weak,
        # Marked in the table only when they stand out from the rest.
        weak_ids={r.question.id for r in weak}
        if sum(1 for r in rows if r.answered) > len(weak)
        else set(),
        filters=filters,
        team_name=team_name,
        team_choices=queries.team_choices(scope),
        modules=course().modules,
    )
