"""Beheer (blueprint "hr", /beheer): people, teams, assignments, reports, reminders.

routes.py is the URL map, views/ the views, queries.py their reads; people.py, teams.py,
assignments.py, imports.py, reports/, notices.py and reminders.py are plain operations.

Who may open what is one rule per endpoint (`require_hr`): hr and admin everything (a few
views ask for admin), a Teamleider only TEAM_LEAD_ENDPOINTS, each scoped by its view to the
teams they lead (views/_common.team_scope), learners nothing.
"""

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, g, request
from flask_login import current_user

from ..core.db import db
from ..core.extensions import login_manager
from ..models import MAX_ID, TeamLead

bp = Blueprint("hr", __name__, url_prefix="/beheer", cli_group=None)

# What a Teamleider may open: Voortgang (page and CSV), the person pages of their team
# members, Vragen-inzicht, Module toewijzen to their own teams, and Beheer's start page.
# Each of these views limits what it shows and accepts to the teams they lead.
TEAM_LEAD_ENDPOINTS = frozenset(
    {
        "hr.index",
        "hr.report",
        "hr.report_csv",
        "hr.person",
        "hr.insight",
        "hr.assign",
    }
)


def led_team_ids(user_id: int) -> list[int]:
    """The ids of the teams this person leads (one query)."""
    return list(
        db.session.scalars(
            sa.select(TeamLead.team_id)
            .where(TeamLead.user_id == user_id)
            .order_by(TeamLead.team_id)
        )
    )


@bp.before_request
def require_hr():
    """Anonymous → login page; hr and admin pass; a Teamleider passes on TEAM_LEAD_ENDPOINTS
    (g.team_scope = their team ids); anyone else → 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.is_hr:
        g.team_scope = None
    elif request.endpoint in TEAM_LEAD_ENDPOINTS and (teams := led_team_ids(current_user.id)):
        g.team_scope = teams
    else:
        abort(403)
    if any(isinstance(v, int) and v > MAX_ID for v in (request.view_args or {}).values()):
        abort(404)  # beyond any database integer: no such row
    return None


@bp.context_processor
def beheer_context() -> dict:
    """`team_scope` for templates: None for hr and admin, a Teamleider's team ids."""
    return {"team_scope": g.get("team_scope")}


@bp.after_request
def no_store(response):
    """Beheer pages show personal data and invitation links: keep them out of caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    from . import cli, routes  # noqa: F401 - routes adds the URL rules to bp once, at import

    app.register_blueprint(bp)
    cli.init_app(app)
