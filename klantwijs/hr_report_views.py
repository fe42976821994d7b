"""Beheer views: Voortgang (matrix and CSV) and Vragen-inzicht."""

import sqlalchemy as sa
from flask import Response, render_template, request

from .errors import render_error
from .extensions import db
from .hr_people_views import MAX_ID, course, int_arg, team_choices
from .models import Team
from .reports import STATUS_FILTERS, build_report, local_today, question_insight
from .reports import report_csv as make_csv

ROWS_PER_PAGE = 100


class BadFilter(Exception):
    pass


def _filters() -> dict:
    """team, module and status from the query string; unknown values are refused (400)."""
    raw_team = (request.args.get("team") or "").strip()
    raw_module = (request.args.get("module") or "").strip()
    raw_status = (request.args.get("status") or "").strip()
    team_id = None
    if raw_team:
        if not raw_team.isdigit() or len(raw_team) > 12 or int(raw_team) > MAX_ID:
            raise BadFilter
        team_id = int(raw_team)
        if db.session.get(Team, team_id) is None:
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


def report():
    try:
        filters = _filters()
    except BadFilter:
        return _bad_filter()
    data = build_report(course(), local_today(), **filters)
    pages = max(1, -(-len(data.rows) // ROWS_PER_PAGE))
    page = min(int_arg("pagina", 1, maximum=100_000), pages)
    query = {k: v for k, v in request.args.items() if k in ("team", "module", "status") and v}
    return render_template(
        "hr/report.html",
        report=data,
        rows=data.rows[(page - 1) * ROWS_PER_PAGE : page * ROWS_PER_PAGE],
        page=page,
        pages=pages,
        filters=filters,
        team_choices=team_choices(),
        modules=course().modules,
        statuses=STATUS_FILTERS,
        query=query,
    )


def report_csv():
    try:
        filters = _filters()
    except BadFilter:
        return _bad_filter()
    data = build_report(course(), local_today(), **filters)
    body = make_csv(data, filters["status"])
    filename = f"voortgang-{local_today().isoformat()}.csv"
    return Response(
        body.encode("utf-8"),
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
    rows = question_insight(module, filters["team_id"]) if module else []
    team_name = (
        db.session.scalar(sa.select(Team.name).where(Team.id == filters["team_id"]))
        if filters["team_id"]
        else None
    )
    return render_template(
        "hr/insight.html",
        module=module,
        rows=rows,
        filters=filters,
        team_name=team_name,
        team_choices=team_choices(),
        modules=course().modules,
    )
