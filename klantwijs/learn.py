"""Blueprint: the course home (Mijn cursus), lesson pages, Mijn voortgang and the landing page."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user, login_required

from . import progress
from .models import AttemptKind
from .quiz_review import format_points, percentage
from .status import LOCAL, Status, local_today

bp = Blueprint("learn", __name__)

MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]


def course():
    return current_app.extensions["course"]


@bp.app_template_filter("dutch_date")
def dutch_date(value: dt.date | dt.datetime | None) -> str:
    """26 november 2026 (dates) or 26 november 2026, 14:05 (naive UTC datetimes, shown local)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = value.replace(tzinfo=dt.UTC).astimezone(LOCAL)
        return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


@bp.app_template_filter("points")
def points(value: float | None) -> str:
    return format_points(value or 0)


@bp.app_template_filter("percent")
def percent(attempt) -> int:
    return percentage(attempt.score, attempt.max_score)


def days_left_text(days: int) -> str:
    if days == 0:
        return "vandaag"
    return "nog 1 dag" if days == 1 else f"nog {days} dagen"


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("learn/landing.html", course=course())
    rows = progress.course_overview(current_user.id, course(), local_today())
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
    open_attempt = progress.open_lesson(current_user.id, slug)
    return render_template("learn/lesson.html", module=module, open_attempt=open_attempt)


@bp.get("/voortgang", endpoint="progress")
@login_required
def progress_page():
    attempts = progress.attempts_of(current_user.id)
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
