"""Blueprint: start an attempt, answer, hand in, result, practise mistakes."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from ...core.dutch import format_points, percentage
from ...core.fetch import redirects_as_no_content
from ...course import get_course as course
from ...course.model import Module
from ...models import Attempt, AttemptKind, utcnow
from .. import attempts as progress
from ..attempts import HandIn, RetakeRefused
from ..draw import show
from ..questions import INCOMPLETE, BadAnswer, MistakenAnswer, type_of
from ..retakes import retake_lock

bp = Blueprint("quiz", __name__)

OUTDATED = (
    "De toets is aangepast sinds je begon. Start de toets opnieuw: je krijgt dan de nieuwe "
    "vragen. Je antwoorden op de oude vragen tellen niet mee."
)
RESTARTED = "De toets is aangepast sinds je begon. Je begint daarom opnieuw, met de nieuwe vragen."
HANDED_IN = "Deze toets is al ingeleverd. Je antwoorden kunnen niet meer veranderen."
NAVIGATION = {"volgende", "vorige", "overzicht", "controleer"}


def _module(slug: str) -> Module:
    module = course().get(slug)
    if module is None:
        abort(404)
    return module


def _load(attempt_id: int) -> tuple[Attempt, Module]:
    """The learner's own attempt and its module; 404 for anyone else's."""
    attempt = progress.get_attempt(current_user.id, attempt_id)
    if attempt is None:
        abort(404)
    return attempt, _module(attempt.module_slug)


def _load_with_answers(attempt_id: int) -> tuple[Attempt, Module, dict[str, progress.Saved]]:
    """_load, and the attempt's saved answers read in the same statement."""
    attempt, answers = progress.attempt_with_answers(current_user.id, attempt_id)
    if attempt is None:
        abort(404)
    return attempt, _module(attempt.module_slug), answers


def _handed_in(attempt: Attempt):
    """409: the attempt was handed in; say so and point to its result."""
    return render_template("quiz/refused.html", attempt=attempt, message=HANDED_IN), 409


def _outdated(module: Module):
    """The quiz file changed under an open attempt: send to the intro, which offers a restart.

    Nothing is written here; the restart itself happens on POST (Start de toets).
    """
    return redirect(url_for("quiz.intro", slug=module.slug))


def _resume_number(attempt: Attempt, answered=None) -> int | None:
    """The first unanswered question, or None when all are answered."""
    answered = progress.answers_of(attempt) if answered is None else answered
    return next((n for n, qid in enumerate(attempt.question_ids, 1) if qid not in answered), None)


@bp.get("/modules/<slug>/quiz")
@login_required
def intro(slug: str):
    module = _module(slug)
    state = progress.exam_state(current_user.id, slug)
    if state.open_exam_id is not None:
        if state.open_exam_version != module.quiz.version:
            return render_template("quiz/intro.html", module=module, notice=OUTDATED)
        attempt, answers = progress.attempt_with_answers(current_user.id, state.open_exam_id)
        number = _resume_number(attempt, answers)
        if number is None:
            return redirect(url_for("quiz.overview", attempt_id=attempt.id))
        return redirect(url_for("quiz.question", attempt_id=attempt.id, number=number))
    retake = retake_lock(state, module.quiz, utcnow())
    return render_template("quiz/intro.html", module=module, retake=retake)


@bp.post("/modules/<slug>/quiz")
@login_required
def start(slug: str):
    module = _module(slug)
    try:
        attempt, restarted = progress.start_exam(current_user.id, module)
    except RetakeRefused as refused:  # 409: the retake rule; the page says what to do first
        return render_template(
            "quiz/intro.html", module=module, retake=refused.lock, refused=True
        ), 409
    if restarted:
        flash(RESTARTED, "info")
    number = _resume_number(attempt) or 1
    return redirect(url_for("quiz.question", attempt_id=attempt.id, number=number))


@bp.post("/modules/<slug>/oefenen")
@login_required
def practise(slug: str):
    module = _module(slug)
    attempt = progress.start_practice(current_user.id, module)
    if attempt is None:
        flash("Je hebt geen fouten om te oefenen. Goed gedaan!", "success")
        return redirect(url_for("learn.lesson", slug=slug))
    return redirect(url_for("quiz.question", attempt_id=attempt.id, number=1))


def _navigation(form) -> str:
    values = form.getlist("ga")
    if len(values) > 1 or (values and len(values[0]) > 80):
        raise BadAnswer(INCOMPLETE)
    return values[0] if values else "volgende"


def _apply_move(shown, response, go: str):
    """'omhoog-VALUE' / 'omlaag-VALUE': move that item one place (works without JavaScript)."""
    direction, _, value = go.partition("-")
    kind = type_of(shown.question)
    return kind.move(shown, response, value, -1 if direction == "omhoog" else 1)


@bp.route("/pogingen/<int:attempt_id>/vraag/<int:number>", methods=["GET", "POST"])
@login_required
@redirects_as_no_content  # quiz.js saves by fetch: 204 + the next address, no double load
def question(attempt_id: int, number: int):
    if request.method == "POST":
        attempt, module = _load(attempt_id)
        answers = None  # read after saving, and only when the page is shown again
    else:
        attempt, module, answers = _load_with_answers(attempt_id)
    practice = attempt.kind == AttemptKind.PRACTICE.value
    if attempt.submitted_at is not None and (request.method == "POST" or not practice):
        if request.method == "POST":
            return _handed_in(attempt)
        flash(HANDED_IN, "info")
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    if progress.is_outdated(attempt, module):
        return (
            _outdated(module)
            if not practice
            else redirect(url_for("learn.lesson", slug=module.slug))
        )
    if not 1 <= number <= len(attempt.question_ids):
        abort(404)
    question = module.quiz.by_id.get(attempt.question_ids[number - 1])
    if question is None:  # a handed-in practice round whose question left the quiz file
        abort(404)
    kind = type_of(question)
    shown = show(question, current_app.secret_key, attempt.id, attempt.seed)
    error, status = None, 200
    if request.method == "POST":
        try:
            go = _navigation(request.form)
            response = kind.parse(shown, request.form)
            if go.startswith(("omhoog-", "omlaag-")):
                response = _apply_move(shown, response, go)
            elif go not in NAVIGATION:
                raise BadAnswer(INCOMPLETE)
            return _save_and_go(attempt, module, number, question, response, go)
        except BadAnswer as problem:  # 422: the page sent it, the learner can put it right
            error = problem.message
            status = 422 if isinstance(problem, MistakenAnswer) else 400
    if answers is None:
        answers = progress.answers_of(attempt)
    saved = answers.get(question.id)
    response = saved.response if saved else None
    chosen = shown.chosen(response)
    feedback = retry = None
    if practice and saved and saved.final:  # right, or wrong twice: explained in full
        feedback = progress.review_answer(number, question, saved)
    elif practice and saved and saved.to_retry:  # wrong once: marked, and another try
        retry = progress.review_answer(number, question, saved, reveal=False)
    return render_template(
        "quiz/question.html",
        attempt=attempt,
        module=module,
        number=number,
        total=len(attempt.question_ids),
        question=question,
        kind=kind,
        items=kind.arrange(shown, response),
        chosen=chosen,
        answered=len(answers),
        practice=practice,
        feedback=feedback,
        retry=retry,
        error=error,
    ), status


def _save_and_go(attempt, module, number, question, response, go):
    """Save the answer, then follow the button that was pressed."""
    attempt_id, total = attempt.id, len(attempt.question_ids)  # read before the commit
    here = url_for("quiz.question", attempt_id=attempt_id, number=number)
    if attempt.kind == AttemptKind.PRACTICE.value and go == "controleer":
        if not progress.check_practice_answer(attempt, module, question, response):
            return _handed_in(attempt)
        return redirect(here + "#uitleg")
    if not progress.save_answer(attempt_id, question.id, response):
        return _handed_in(attempt)
    if go.startswith(("omhoog-", "omlaag-")) or go == "controleer":
        return redirect(here + "#vraag")
    if go == "vorige" and number > 1:
        return redirect(url_for("quiz.question", attempt_id=attempt_id, number=number - 1))
    if go == "volgende" and number < total:
        return redirect(url_for("quiz.question", attempt_id=attempt_id, number=number + 1))
    if go == "vorige":
        return redirect(here)
    return redirect(url_for("quiz.overview", attempt_id=attempt_id))


@bp.get("/pogingen/<int:attempt_id>/overzicht")
@login_required
def overview(attempt_id: int):
    attempt, module, answers = _load_with_answers(attempt_id)
    if attempt.submitted_at is not None:
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    if attempt.kind == AttemptKind.PRACTICE.value:
        return redirect(url_for("quiz.question", attempt_id=attempt.id, number=1))
    if progress.is_outdated(attempt, module):
        return _outdated(module)
    rows = [
        (n, module.quiz.by_id[qid], qid in answers) for n, qid in enumerate(attempt.question_ids, 1)
    ]
    return render_template(
        "quiz/overview.html",
        attempt=attempt,
        module=module,
        rows=rows,
        open_count=sum(not done for _, _, done in rows),
    )


@bp.post("/pogingen/<int:attempt_id>/inleveren")
@login_required
def hand_in(attempt_id: int):
    outcome, slug = progress.hand_in(current_user.id, attempt_id, course())
    if outcome is HandIn.NOT_FOUND:
        abort(404)
    if outcome is HandIn.OUTDATED:
        return redirect(url_for("quiz.intro", slug=slug))
    if outcome is HandIn.ALREADY:
        flash("Deze toets was al ingeleverd; je ziet de uitslag van toen.", "info")
    return redirect(url_for("quiz.result", attempt_id=attempt_id))


@bp.get("/pogingen/<int:attempt_id>/uitslag")
@login_required
def result(attempt_id: int):
    attempt, answers, state = progress.result_with_state(current_user.id, attempt_id)
    if attempt is None:
        abort(404)
    module = _module(attempt.module_slug)
    practice = attempt.kind == AttemptKind.PRACTICE.value
    if attempt.submitted_at is None:
        if practice:
            return redirect(url_for("quiz.question", attempt_id=attempt.id, number=1))
        return redirect(url_for("quiz.overview", attempt_id=attempt.id))
    # The reveal rule (review.py): every right answer once the module is passed; a finished
    # practice round has shown them all already.
    reviewed = progress.review_attempt(
        attempt, module, answers, reveal=practice or state.module_passed
    )
    return render_template(
        "quiz/result.html",
        attempt=attempt,
        module=module,
        reviewed=reviewed,
        missing=len(attempt.question_ids) - len(reviewed),
        points=format_points(attempt.score or 0),
        percent=percentage(attempt.score, attempt.max_score),
        practice=practice,
        retake=retake_lock(state, module.quiz, utcnow()),
        hidden=any(not r.key_shown for r in reviewed),
    )
