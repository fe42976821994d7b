"""The SCORM download in Beheer (/beheer/export): hr and admin only, like the rest of Beheer.

A blueprint of its own rather than a view in hr/: nothing imports interop but the factory,
so the page, its access rule and the packaging stay together in this package.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from ..core.extensions import login_manager, rate_limit
from .scorm import VERSIONS, PackageError, build_package
from .shapes import UnsupportedType

bp = Blueprint("interop", __name__, url_prefix="/beheer/export", template_folder="templates")


@bp.before_request
def require_hr():
    """Anonymous → login page; a learner → 403; hr and admin pass (as hr.require_hr)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_hr:
        abort(403)
    return None


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(error: str | None = None, version: str = "1.2", slug: str = "", status: int = 200):
    course = current_app.extensions["course"]
    chosen = {"version": version, "slug": slug}
    page = render_template(
        "interop/export.html", modules=course.modules, chosen=chosen, error=error
    )
    return page, status


@bp.get("/", endpoint="export")
def export_page():
    return _page()


@bp.get("/scorm", endpoint="scorm")
@rate_limit("20 per minute")
def scorm_download():
    """The package as a zip download; a wrong choice shows the page again with the reason."""
    version = request.args.get("versie", "")
    slug = request.args.get("module", "")
    if version not in VERSIONS:
        return _page("Kies SCORM-versie 1.2 of 2004.", slug=slug[:64], status=400)
    course = current_app.extensions["course"]
    if slug and course.get(slug) is None:
        return _page("Deze module bestaat niet. Kies een module uit de lijst.", version, status=400)
    try:
        package = build_package(course, version, slug or None)
    except (PackageError, UnsupportedType) as exc:
        return _page(f"Het pakket kon niet worden gemaakt: {exc}.", version, slug, status=400)
    return Response(
        package.data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{package.filename}"'},
    )
