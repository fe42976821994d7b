"""Blueprint: the course home (Mijn cursus), lesson pages, Mijn voortgang and the landing page."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_required

from ...core.dutch import days_left_text, local_today
from ...course import get_course as course
from ...models import AttemptKind, utcnow
from .. import certificates, overview, spaced
from ..retakes import retake_lock
from ..status import Status

bp = Blueprint("learn", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("learn/landing.html", course=course())
    rows = overview.course_overview(current_user.id, course(), local_today())
    passed = sum(r.status is Status.PASSED for r in rows)
    next_row = next((r for r in rows if r.status is not Status.PASSED), None)
    assigned = [r for r in rows if r.due is not None]  # "x van y toegewezen modules"
    return render_template(
        "learn/home.html",
        rows=rows,
        passed=passed,
        assigned=len(assigned),
        assigned_passed=sum(r.status is Status.PASSED for r in assigned),
        next_row=next_row,
        Status=Status,
        days_left_text=days_left_text,
        # Herhalen (one statement) and whether the Certificaat is there (from the rows)
        review=spaced.due_summary(current_user.id, utcnow()),
        review_size=spaced.SESSION_SIZE,
        certificate=certificates.complete(
            {r.module.slug: r.status for r in rows}, {r.module.slug for r in assigned}, course()
        ),
    )


@bp.get("/modules/<slug>/spiekkaart", endpoint="cheatsheet")
@login_required
def cheatsheet(slug: str):
    """The method on one phone screen: the steps with one example phrase each, printable."""
    module = course().get(slug)
    if module is None or not module.lesson.cheatsheet_html:
        abort(404)
    return render_template("learn/spiekkaart.html", module=module)


@bp.get("/modules/<slug>")
@login_required
def lesson(slug: str):
    module = course().get(slug)
    if module is None:
        abort(404)
    state = overview.open_lesson(current_user.id, slug)
    return render_template(
        "learn/lesson.html",
        module=module,
        open_attempt=state.open_exam_id is not None,
        retake=retake_lock(state, module.quiz, utcnow()),
    )


@bp.get("/voortgang", endpoint="progress")
@login_required
def progress_page():
    """Mijn voortgang: per module where the learner stands, assigned modules first."""
    return render_template(
        "learn/progress.html",
        progress=overview.course_progress(current_user.id, course(), local_today(), utcnow()),
        practice=AttemptKind.PRACTICE.value,
        Status=Status,
        days_left_text=days_left_text,
    )


@bp.get("/verder", endpoint="next_step")
@login_required
def next_step():
    """Ga verder (after a pass): the next module to do, assigned ones first, as Mijn cursus
    suggests it; Mijn cursus itself once every module is passed."""
    rows = overview.course_overview(current_user.id, course(), local_today())
    row = next((r for r in rows if r.status is not Status.PASSED), None)
    if row is None:
        return redirect(url_for("learn.home"))
    if row.status is Status.NOT_STARTED:
        return redirect(url_for("learn.lesson", slug=row.module.slug))
    return redirect(url_for("quiz.intro", slug=row.module.slug))


# --- Readable offline: the service worker and its offline page ------------------------------


@bp.get("/sw.js", endpoint="service_worker")
def service_worker():
    """Served from the root so that it may look after every page (static/js/sw.js)."""
    response = send_from_directory(current_app.static_folder, "js/sw.js", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline", endpoint="offline")
def offline_page():
    """What the service worker shows for a page it does not have when there is no network."""
    return render_template("learn/offline.html")
