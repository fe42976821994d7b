"""Beheer (blueprint "hr", /beheer): people, teams, assignments, reports; hr and admin only.

routes.py is the URL map, views/ the views, queries.py their reads; people.py, teams.py,
assignments.py, imports.py, reports/ and reminders.py are plain operations.
"""

from flask import Blueprint, Flask, abort, request
from flask_login import current_user

from ..core.extensions import login_manager
from ..models import MAX_ID

bp = Blueprint("hr", __name__, url_prefix="/beheer", cli_group=None)


@bp.before_request
def require_hr():
    """Anonymous → login page; a learner → 403; hr and admin pass."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_hr:
        abort(403)
    if any(isinstance(v, int) and v > MAX_ID for v in (request.view_args or {}).values()):
        abort(404)  # beyond any database integer: no such row
    return None


@bp.after_request
def no_store(response):
    """Beheer pages show personal data and invitation links: keep them out of caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    from . import cli, routes  # noqa: F401 - routes adds the URL rules to bp once, at import

    app.register_blueprint(bp)
    cli.init_app(app)
