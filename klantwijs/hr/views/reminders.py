"""Beheer view: Herinneringen (who gets what on the next run, what went out, Stuur nu)."""

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from ...core.db import db
from ...core.dutch import local_today
from ...core.forms import ConfirmForm
from ...core.mail import mail_configured
from ...course import get_course
from ...models import User
from .. import queries
from ..errors import HrError
from ..reminders import Schedule, due_reminders, send_now, titles
from ._common import actor, int_arg

PER_PAGE = 100


def reminders():
    today = local_today()
    tomorrow = request.args.get("dag") == "morgen"
    day = today + dt.timedelta(days=1) if tomorrow else today
    schedule = Schedule.from_config(current_app.config)
    dues = due_reminders(day, schedule)
    pages = max(1, -(-len(dues) // PER_PAGE))
    page = min(int_arg("pagina", 1, maximum=100_000), pages)
    shown = dues[(page - 1) * PER_PAGE : page * PER_PAGE]
    course = get_course()
    sent_page = int_arg("verstuurd", 1, maximum=100_000)
    recent, more = queries.recent_reminders(sent_page)
    return render_template(
        "hr/reminders.html",
        day=day,
        tomorrow=tomorrow,
        schedule=schedule,
        upcoming=[(due, titles(due, course, day)) for due in shown],
        count=len(dues),
        page=page,
        pages=pages,
        recent=recent,
        sent_page=sent_page,
        more_sent=more,
        titles_of=lambda items: [
            (course.get(i["slug"]).title if course.get(i["slug"]) else i["slug"]) for i in items
        ],
        waiting=queries.waiting_notices(),
        mail=mail_configured(),
        confirm=ConfirmForm(),
    )


def send_reminder(user_id: int):
    """Stuur nu: one reminder to one person, at most one a day (audited)."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = request.form.get("terug") == "medewerker"
    target = url_for("hr.person", user_id=user.id) if back else url_for("hr.reminders")
    if not mail_configured():
        flash("E-mail is niet ingesteld (MAIL_SERVER): er kan geen herinnering uit.", "error")
        return redirect(target)
    try:
        listed = send_now(actor(), user, get_course(), local_today())
    except HrError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(f"Herinnering verstuurd aan {user.name}: {listed}.", "success")
    return redirect(target)
