"""Blueprint: the course home (Mijn cursus), lesson pages, Mijn voortgang and the landing page."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ...core.dutch import days_left_text, local_today
from ...course import get_course as course
from ...models import AttemptKind, utcnow
from .. import overview
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
    return render_template(
        "learn/home.html",
        rows=rows,
        passed=passed,
        next_row=next_row,
        Status=Status,
        days_left_text=days_left_text,
    )


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
    attempts = overview.attempts_of(current_user.id)
    by_slug = {
        slug: list(group)
        for slug, group in groupby(
            sorted(attempts, key=lambda a: a.module_slug), key=lambda a: a.module_slug
        )
    }
    return render_template(
        "learn/progress.html",
        modules=[(m, by_slug.get(m.slug, [])) for m in course().modules],
        practice=AttemptKind.PRACTICE.value,
    )
