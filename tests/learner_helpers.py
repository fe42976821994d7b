"""Helpers for learner tests: start an attempt, read a question page, build right or wrong answers."""

from __future__ import annotations

import re

from klantwijs.core.db import db
from klantwijs.learning.draw import show
from klantwijs.models import Attempt

VALUE = re.compile(r'name="antwoord"[^>]*value="([^"]+)"')
PLACE = re.compile(r'name="plaats-([0-9a-f]+)"')


def start(client, slug: str = "alpha") -> int:
    """Press Start de toets; return the attempt id."""
    response = client.post(f"/modules/{slug}/quiz")
    assert response.status_code == 302, response.text
    return int(re.search(r"/pogingen/(\d+)/", response.location).group(1))


def start_full(client, app, slug: str = "alpha") -> int:
    """Start an attempt that holds every question of the pool (each type at least once)."""
    attempt_id = start(client, slug)
    use_whole_pool(app, attempt_id)
    return attempt_id


def use_whole_pool(app, attempt_id: int) -> None:
    """Make an open attempt hold every question of its module's pool, in pool order."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        quiz = app.extensions["course"].get(attempt.module_slug).quiz
        attempt.question_ids = [q.id for q in quiz.questions]
        attempt.max_score = len(quiz.questions)
        db.session.commit()


def question_url(attempt_id: int, number: int) -> str:
    return f"/pogingen/{attempt_id}/vraag/{number}"


def load(app, attempt_id: int) -> Attempt:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def shown_question(app, attempt_id: int, number: int):
    """The Shown question (opaque values ↔ content) exactly as the page renders it."""
    attempt = load(app, attempt_id)
    module = app.extensions["course"].get(attempt.module_slug)
    question = module.quiz.by_id[attempt.question_ids[number - 1]]
    return show(question, app.secret_key, attempt.id, attempt.seed)


def answer_form(app, attempt_id: int, number: int, right: bool = True, go="volgende") -> dict:
    """Form data for a fully right (or fully wrong) answer to one question."""
    return form_for(shown_question(app, attempt_id, number), right, go)


def form_for(shown, right: bool = True, go="volgende") -> dict:
    """Form data for a fully right (or fully wrong) answer to a question as shown (its
    options' values and, for ordering, its starting order): exams and Herhalen alike."""
    q = shown.question
    data: dict = {"ga": go}
    if q.type == "ordering":
        correct = list(q.correct_order)
        wrong = [correct[::-1], correct[1:] + correct[:1], [correct[1], correct[0], *correct[2:]]]
        # A wrong answer must differ from the starting order, which counts as no answer.
        order = correct if right else next(w for w in wrong if w != shown.start_order)
        value_of = {item.id: value for value, item in shown.items}
        for place, step_id in enumerate(order, 1):
            data[f"plaats-{value_of[step_id]}"] = str(place)
    else:
        wanted = [(v, o) for v, o in shown.items if o.correct == right]
        data["antwoord"] = [v for v, _ in wanted] if q.type == "multi" else wanted[0][0]
    return data


def answer_all(client, app, attempt_id: int, right=True, wrong_numbers=()) -> None:
    """Answer every question; the numbers in wrong_numbers wrongly."""
    total = len(load(app, attempt_id).question_ids)
    for number in range(1, total + 1):
        data = answer_form(app, attempt_id, number, right and number not in wrong_numbers)
        response = client.post(question_url(attempt_id, number), data=data)
        assert response.status_code == 302, response.text


def take_quiz(client, app, slug="alpha", right=True, wrong_numbers=()) -> int:
    """Start, answer everything and hand in; return the attempt id."""
    attempt_id = start(client, slug)
    answer_all(client, app, attempt_id, right, wrong_numbers)
    assert client.post(f"/pogingen/{attempt_id}/inleveren").status_code == 302
    return attempt_id


def number_of(app, attempt_id: int, qtype: str) -> int:
    """The (1-based) number of the first question of this type in the attempt."""
    attempt = load(app, attempt_id)
    quiz = app.extensions["course"].get(attempt.module_slug).quiz
    return next(n for n, qid in enumerate(attempt.question_ids, 1) if quiz.by_id[qid].type == qtype)


def practise_mistakes(client, app, slug: str = "alpha") -> int:
    """Oefen je fouten, every question right at the first Controleer: the round is handed in
    (after a failed exam, a retake waits for this). Returns the practice attempt's id."""
    response = client.post(f"/modules/{slug}/oefenen")
    assert response.status_code == 302, response.text
    practice = int(re.search(r"/pogingen/(\d+)/", response.location)[1])
    for number in range(1, len(load(app, practice).question_ids) + 1):
        data = answer_form(app, practice, number, right=True, go="controleer")
        assert client.post(question_url(practice, number), data=data).status_code == 302
    assert load(app, practice).submitted_at is not None
    return practice
