"""Blueprint "review": Herhalen, spaced review of passed modules (review_session.py).

/herhalen shows what is due and starts a session; each question of a session has its own
screen, answered with Controleer and explained at once (the right answer and the lesson
link); /herhalen/<id>/klaar sums the session up. The learner turns the weekly e-mail on or
off on /herhalen.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ...core.errors import render_error
from ...core.extensions import rate_limit
from ...course import get_course as course
from ...models import utcnow
from .. import review_session as sessions
from .. import spaced
from ..draw import show
from ..questions import INCOMPLETE, BadAnswer, MistakenAnswer, type_of

bp = Blueprint("review", __name__)

CLOSED = "Deze herhaling is afgesloten. Start een nieuwe als er vragen klaarstaan."


@bp.get("/herhalen")
@login_required
def index():
    summary, open_id, nudges = sessions.overview(current_user.id, utcnow())
    return render_template(
        "review/index.html",
        summary=summary,
        open_id=open_id,
        nudges=nudges,
        size=spaced.SESSION_SIZE,
        horizon=spaced.horizon(utcnow()),
    )


@bp.post("/herhalen")
@login_required
@rate_limit("30 per minute")
def start():
    session = sessions.start(current_user.id, course(), utcnow())
    if session is None:
        flash("Er staan nu geen vragen klaar om te herhalen.", "info")
        return redirect(url_for("review.index"))
    loaded = sessions.load(current_user.id, session.id)
    number = (loaded.first_open if loaded else None) or 1
    return redirect(url_for("review.question", session_id=session.id, number=number))


def _load(session_id: int) -> sessions.Loaded:
    loaded = sessions.load(current_user.id, session_id)
    if loaded is None:
        abort(404)
    return loaded


def _navigation(form) -> str:
    values = form.getlist("ga")
    if len(values) != 1 or len(values[0]) > 80:
        raise BadAnswer(INCOMPLETE)
    return values[0]


@bp.route("/herhalen/<int:session_id>/vraag/<int:number>", methods=["GET", "POST"])
@login_required
def question(session_id: int, number: int):
    loaded = _load(session_id)
    item = loaded.item(number)
    if item is None:
        abort(404)
    module, question = sessions.question_of(course(), item)
    total = len(loaded.session.items)
    page = {"loaded": loaded, "number": number, "total": total, "module": module}
    if question is None:  # left the course since the session started: nothing to ask
        return render_template("review/question.html", gone=True, **page)
    log = loaded.answers.get(item.card_id)
    if log is not None:
        if request.method == "POST":  # answered already (another tab, Back): show it
            return redirect(url_for("review.question", session_id=session_id, number=number))
        return render_template(
            "review/question.html",
            question=question,
            feedback=sessions.explained(number, question, log),
            **page,
        )
    if loaded.session.finished_at is not None:
        if request.method == "POST":
            flash(CLOSED, "info")
        return render_template("review/question.html", closed=True, **page)
    kind = type_of(question)
    # A negative id: review forms never share option values with an exam attempt's.
    shown = show(question, current_app.secret_key, -loaded.session.id, loaded.session.seed)
    response, error, status = None, None, 200
    if request.method == "POST":
        try:
            go = _navigation(request.form)
            response = kind.parse(shown, request.form)
            if go.startswith(("omhoog-", "omlaag-")):
                direction, _, value = go.partition("-")
                response = kind.move(shown, response, value, -1 if direction == "omhoog" else 1)
            elif go != "controleer":
                raise BadAnswer(INCOMPLETE)
            elif response is None:
                raise MistakenAnswer("Kies eerst een antwoord; daarna zie je of het goed is.")
            else:
                outcome = sessions.answer(
                    current_user.id, loaded, number, course(), response, utcnow()
                )
                if outcome is sessions.Answered.GONE:
                    abort(404)
                here = url_for("review.question", session_id=session_id, number=number)
                return redirect(here + "#uitleg")
        except BadAnswer as problem:
            error = problem.message
            status = 422 if isinstance(problem, MistakenAnswer) else 400
            if status == 400:
                response = None
    chosen = shown.chosen(response)
    return render_template(
        "review/question.html",
        question=question,
        kind=kind,
        items=kind.arrange(shown, response),
        chosen=chosen,
        error=error,
        **page,
    ), status


@bp.get("/herhalen/<int:session_id>/klaar")
@login_required
def done(session_id: int):
    loaded = _load(session_id)
    first_open = loaded.first_open
    if first_open is not None and loaded.session.finished_at is None:
        return redirect(url_for("review.question", session_id=session_id, number=first_open))
    now = utcnow()
    return render_template(
        "review/done.html",
        loaded=loaded,
        answered=len(loaded.answers),
        right=loaded.right,
        more_due=loaded.next_due is not None and loaded.next_due < spaced.horizon(now),
    )


@bp.post("/herhalen/e-mail")
@login_required
@rate_limit("30 per minute")
def nudges():
    choice = request.form.getlist("herinnering")
    if choice not in (["aan"], ["uit"]):
        return render_error(400, "Kies of je de e-mail wilt krijgen: aan of uit.")
    wanted = choice == ["aan"]
    sessions.set_nudges(current_user.id, wanted)
    flash(
        "Je krijgt een e-mail als er vragen klaarstaan (hoogstens één keer per week)."
        if wanted
        else "Je krijgt geen e-mail meer over herhalen.",
        "success",
    )
    return redirect(url_for("review.index"))
