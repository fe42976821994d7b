"""Taking a quiz through the test client: flow, saving, hand-in, result, retake, practice."""

import dataclasses
import re

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.course.model import Course
from klantwijs.learning import attempts as progress
from klantwijs.learning.questions import MistakenAnswer
from klantwijs.models import Answer, Attempt
from tests.learner_helpers import (
    answer_all,
    answer_form,
    load,
    number_of,
    question_url,
    shown_question,
    start,
    start_full,
    take_quiz,
)

# A fully right response per type, as content ids.
RIGHT = {
    "single": lambda q: min(q.correct_option_ids),
    "scenario": lambda q: min(q.correct_option_ids),
    "multi": lambda q: sorted(q.correct_option_ids),
    "ordering": lambda q: list(q.correct_order),
}


def test_start_creates_an_attempt_and_shows_one_question_per_screen(client, learner, app):
    attempt_id = start(client)
    page = client.get(question_url(attempt_id, 1)).text
    assert "Vraag 1 van 4" in page
    assert 'name="csrf_token"' in page
    assert ">Volgende<" in page and ">Vorige<" not in page
    assert ">Vorige<" in client.get(question_url(attempt_id, 2)).text
    assert client.get(question_url(attempt_id, 5)).status_code == 404
    assert client.get(question_url(attempt_id, 0)).status_code == 404


def test_volgende_and_vorige_save_the_answer_and_move(client, learner, app):
    attempt_id = start(client)
    response = client.post(question_url(attempt_id, 1), data=answer_form(app, attempt_id, 1))
    assert response.location.endswith(question_url(attempt_id, 2))
    data = answer_form(app, attempt_id, 2, go="vorige")
    response = client.post(question_url(attempt_id, 2), data=data)
    assert response.location.endswith(question_url(attempt_id, 1))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 2


def test_saved_answers_come_back_after_a_reload_and_a_new_start(client, learner, app):
    attempt_id = start(client)
    number = number_of(app, attempt_id, "single")
    data = answer_form(app, attempt_id, number)
    client.post(question_url(attempt_id, number), data=data)
    page = client.get(question_url(attempt_id, number)).text
    assert re.search(rf'value="{data["antwoord"]}" checked', page)
    # Coming back tomorrow: Start de toets resumes the same attempt at the first open question.
    assert start(client) == attempt_id
    intro = client.get("/modules/alpha/quiz")
    assert intro.status_code == 302 and f"/pogingen/{attempt_id}/" in intro.location


def test_an_ordering_list_left_as_it_was_counts_as_not_answered(client, learner, app):
    attempt_id = start(client)
    number = number_of(app, attempt_id, "ordering")
    shown = shown_question(app, attempt_id, number)
    data = {f"plaats-{value}": str(i) for i, (value, _) in enumerate(shown.items, 1)}
    client.post(question_url(attempt_id, number), data={**data, "ga": "volgende"})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0
    overview = client.get(f"/pogingen/{attempt_id}/overzicht").text
    assert "Je hebt nog 4 vragen niet beantwoord" in overview


def test_omhoog_and_omlaag_work_without_javascript(client, learner, app):
    attempt_id = start(client)
    number = number_of(app, attempt_id, "ordering")
    shown = shown_question(app, attempt_id, number)
    places = {f"plaats-{value}": str(i) for i, (value, _) in enumerate(shown.items, 1)}
    second_value, second = shown.items[1]
    response = client.post(
        question_url(attempt_id, number), data={**places, "ga": f"omhoog-{second_value}"}
    )
    assert response.status_code == 302 and response.location.endswith("#vraag")
    with app.app_context():
        saved = db.session.scalar(sa.select(Answer.response))
    assert saved[0] == second.id and saved[1] == shown.items[0][1].id
    page = client.get(question_url(attempt_id, number)).text
    assert page.index(f'id="stap-{second_value}"') < page.index(f'id="stap-{shown.items[0][0]}"')
    assert f'aria-label="Omhoog: {second.text}">Omhoog</button>' in page


def test_multi_questions_say_how_they_count_on_the_page_and_in_the_review(client, learner, app):
    """Written to fail: only ordering questions had "Zo telt deze vraag"."""
    attempt_id = start_full(client, app)
    number = number_of(app, attempt_id, "multi")
    page = client.get(question_url(attempt_id, number)).text
    assert "<summary>Zo telt deze vraag</summary>" in page
    assert "Alles aanvinken levert dus niets op" in page
    single = client.get(question_url(attempt_id, number_of(app, attempt_id, "single"))).text
    assert "Zo telt deze vraag" not in single
    shown = shown_question(app, attempt_id, number)
    everything = {"antwoord": [v for v, _ in shown.items], "ga": "volgende"}
    client.post(question_url(attempt_id, number), data=everything)
    client.post(f"/pogingen/{attempt_id}/inleveren")
    result = client.get(f"/pogingen/{attempt_id}/uitslag").text
    article = result[result.index(f'id="uitleg-{number}"') :]
    article = article[: article.index("</article>")]
    assert "Punten: 0 van 1" in article and "Alles aanvinken levert dus niets op" in article


def test_review_screen_lists_questions_and_hands_in(client, learner, app):
    attempt_id = start(client)
    answer_all(client, app, attempt_id)
    page = client.get(f"/pogingen/{attempt_id}/overzicht").text
    assert "Je hebt alle vragen beantwoord" in page and ">Inleveren<" in page
    assert page.count("Beantwoord</span>") == 4
    response = client.post(f"/pogingen/{attempt_id}/inleveren")
    assert response.location.endswith(f"/pogingen/{attempt_id}/uitslag")


def test_result_shows_score_verdict_answers_feedback_and_lesson_links(client, learner, app):
    attempt_id = start(client)
    ordering = number_of(app, attempt_id, "ordering")
    other = 1 if ordering != 1 else 2
    answer_all(client, app, attempt_id, wrong_numbers=(ordering, other))
    client.post(f"/pogingen/{attempt_id}/inleveren")
    page = client.get(f"/pogingen/{attempt_id}/uitslag").text
    assert re.search(r"Score: <strong>2(,\d+)? van 4</strong> \(\d+%\)", page)
    assert "Niet geslaagd" in page and "80%" in page
    assert "Jouw volgorde:" in page
    # Not passed: no right order or answer for the two it got wrong (tests/test_reveal_policy.py)
    assert "hoort op plaats" not in page and "De goede volgorde:" not in page
    assert "staat de lijst precies omgekeerd, dan 0" in page  # the ordering rule, shown
    assert 'href="/modules/alpha#luisteren"' in page
    assert ">Oefen je fouten<" in page and ">Opnieuw proberen<" not in page  # practise first
    assert "Het goede antwoord:" in page or "De goede antwoorden:" in page  # the right ones


def test_a_perfect_result_is_geslaagd_without_practice(client, learner, app):
    attempt_id = take_quiz(client, app)
    page = client.get(f"/pogingen/{attempt_id}/uitslag").text
    assert "4 van 4</strong> (100%)" in page and "<strong>Geslaagd</strong>" in page
    assert "Oefen je fouten" not in page and "Opnieuw proberen" in page


def test_chosen_option_feedback_is_on_the_result(client, learner, app):
    attempt_id = start_full(client, app)
    number = number_of(app, attempt_id, "scenario")
    client.post(question_url(attempt_id, number), data=answer_form(app, attempt_id, number, False))
    client.post(f"/pogingen/{attempt_id}/inleveren")
    page = client.get(f"/pogingen/{attempt_id}/uitslag").text
    shown = shown_question(app, attempt_id, number)
    chosen = next(o for _, o in shown.items if not o.correct)
    assert chosen.feedback in page and "Mijn pakket is wéér niet bezorgd!" in page


def test_retake_starts_a_new_attempt_and_best_score_counts(client, learner, app):
    first = take_quiz(client, app, right=True)
    second = take_quiz(client, app, right=False)
    assert second != first
    assert "Beste score: 100%" in client.get("/").text


def test_open_result_of_open_attempt_goes_to_review(client, learner, app):
    attempt_id = start(client)
    response = client.get(f"/pogingen/{attempt_id}/uitslag")
    assert response.location.endswith(f"/pogingen/{attempt_id}/overzicht")


def test_practice_round_gives_feedback_right_away_and_leaves_the_score(client, learner, app):
    exam = take_quiz(client, app, right=False)
    assert "Oefen je fouten" in client.get(f"/pogingen/{exam}/uitslag").text
    response = client.post("/modules/alpha/oefenen")
    practice = int(re.search(r"/pogingen/(\d+)/", response.location).group(1))
    total = len(load(app, practice).question_ids)
    assert total == 4
    page = client.get(question_url(practice, 1)).text
    assert "Oefen je fouten: vraag 1 van 4" in page and ">Controleer<" in page
    refused = client.post(question_url(practice, 1), data={"ga": "controleer"})
    assert refused.status_code == 422 and "Kies eerst een antwoord" in refused.text
    for number in range(1, total + 1):
        data = answer_form(app, practice, number, right=number != 1, go="controleer")
        tries = 2 if number == 1 else 1  # a wrong answer is tried again (test_reveal_policy.py)
        for _ in range(tries):
            response = client.post(question_url(practice, number), data=data)
            assert response.location.endswith("#uitleg")
        page = client.get(question_url(practice, number)).text
        assert ("Fout</span>" if number == 1 else "Goed</span>") in page
        assert "disabled" in page
    assert load(app, practice).submitted_at is not None
    result = client.get(f"/pogingen/{practice}/uitslag").text
    assert "Oefenronde" in result and "telt niet mee" in result
    home = client.get("/").text
    assert "Beste score: 100%" not in home and "Geslaagd" not in home
    assert "Oefenronde" in client.get("/voortgang").text


def test_practice_rule_and_result_review_are_operations(client, learner, app):
    """Checking practice answers hands the round in once every question was tried, and the
    result's review list is built the same way, without HTTP (learning/attempts.py)."""
    take_quiz(client, app, right=False)
    practice = int(
        re.search(r"/pogingen/(\d+)/", client.post("/modules/alpha/oefenen").location)[1]
    )
    module = app.extensions["course"].get("alpha")
    with app.app_context():
        attempt = db.session.get(Attempt, practice)
        asked = [module.quiz.by_id[qid] for qid in attempt.question_ids]
        with pytest.raises(MistakenAnswer):
            progress.check_practice_answer(attempt, module, asked[0], None)
        for question in asked:
            assert attempt.submitted_at is None
            assert progress.check_practice_answer(
                attempt, module, question, RIGHT[question.type](question)
            )
        assert attempt.submitted_at is not None and attempt.score == len(asked)
        assert not progress.check_practice_answer(
            attempt, module, asked[0], RIGHT[asked[0].type](asked[0])
        )
        reviewed = progress.review_attempt(attempt, module, progress.answers_of(attempt))
        assert [(r.number, r.question, r.verdict) for r in reviewed] == [
            (n, q, "Goed") for n, q in enumerate(asked, 1)
        ]


def test_practice_without_mistakes_says_so(client, learner, app):
    take_quiz(client, app, right=True)
    response = client.post("/modules/alpha/oefenen", follow_redirects=True)
    assert "geen fouten om te oefenen" in response.text


def test_changed_quiz_restarts_the_open_attempt_with_a_notice(client, learner, app):
    attempt_id = start(client)
    client.post(question_url(attempt_id, 1), data=answer_form(app, attempt_id, 1))
    course: Course = app.extensions["course"]
    alpha = course.get("alpha")
    changed = dataclasses.replace(alpha, quiz=dataclasses.replace(alpha.quiz, version="v2"))
    app.extensions["course"] = dataclasses.replace(
        course, modules=(changed, course.get("beta")), by_slug={**course.by_slug, "alpha": changed}
    )
    before = load(app, attempt_id)
    for path in [question_url(attempt_id, 2), f"/pogingen/{attempt_id}/overzicht"]:
        response = client.get(path, follow_redirects=True)
        assert "De toets is aangepast sinds je begon" in response.text  # looking changes nothing
        assert ">Start de toets<" in response.text
    assert client.post(f"/pogingen/{attempt_id}/inleveren").status_code == 302
    assert load(app, attempt_id).submitted_at is None and before.seed == load(app, attempt_id).seed
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 1
    response = client.post("/modules/alpha/quiz", follow_redirects=True)
    assert "Je begint daarom opnieuw" in response.text
    assert "Vraag 1 van 4" in response.text
    with app.app_context():
        attempts = db.session.scalars(sa.select(Attempt)).all()
        assert [a.content_version for a in attempts] == ["v2"]
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) == 0


def test_csrf_token_is_required_to_start_answer_and_hand_in(make_app, make_user):
    from tests.conftest import PASSWORD

    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user()
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/inloggen").text)[1]
    client.post("/inloggen", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    lesson = client.get("/modules/alpha").text
    assert client.post("/modules/alpha/quiz").status_code == 400
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', lesson)[1]
    response = client.post("/modules/alpha/quiz", data={"csrf_token": token})
    attempt_id = int(re.search(r"/pogingen/(\d+)/", response.location)[1])
    assert client.post(question_url(attempt_id, 1), data={"ga": "volgende"}).status_code == 400
    assert client.post(f"/pogingen/{attempt_id}/inleveren").status_code == 400
    assert 'name="csrf_token"' in client.get(question_url(attempt_id, 1)).text


def test_quiz_pages_need_few_sql_statements(client, learner, app):
    from tests.test_learn import counted_statements
    from tests.test_retakes import practise_mistakes

    done = take_quiz(client, app, right=False)
    practise_mistakes(client, app)
    attempt_id = start(client)
    answer_all(client, app, attempt_id)
    for path in [
        question_url(attempt_id, 2),
        f"/pogingen/{attempt_id}/overzicht",
        f"/pogingen/{done}/uitslag",
        "/modules/alpha/quiz",
    ]:
        if path == "/modules/alpha/quiz":  # the intro without an open exam
            client.post(f"/pogingen/{attempt_id}/inleveren")
        with counted_statements(app) as seen:
            assert client.get(path).status_code == 200
        # who is signed in; the attempt with its answers (the result: and the learner's
        # state of the module, for the reveal and retake rules); the intro: that state
        assert len(seen) <= 2, f"{path}: {len(seen)} statements"


def test_saving_an_answer_needs_few_sql_statements(client, learner, app):
    from tests.test_learn import counted_statements

    attempt_id = start(client)
    data = answer_form(app, attempt_id, 1)
    with counted_statements(app) as seen:
        assert client.post(question_url(attempt_id, 1), data=data).status_code == 302
    assert len(seen) <= 4, f"save answer: {len(seen)} statements"


def test_handing_in_needs_five_sql_statements(client, learner, app):
    """Who is signed in; claim the attempt (its row lock); the attempt with its answers, read
    after the claim so that exactly what is read is graded; grade it; score the answers.

    Was 4 (the answers were read before the grading UPDATE, so an answer saved in between was
    stored but left out of the total: issue 12). The claim is the one statement more."""
    from tests.test_learn import counted_statements

    attempt_id = start(client)
    answer_all(client, app, attempt_id)
    with counted_statements(app) as seen:
        response = client.post(f"/pogingen/{attempt_id}/inleveren")
    assert response.status_code == 302 and response.location.endswith("/uitslag")
    # 6: this exam passes, so one INSERT more puts its questions in the learner's Herhalen
    # schedule (learning/spaced.py, issue 16); a hand-in that fails stays at 5
    assert len(seen) <= 6, [s for s, _ in seen]
    claim = next(i for i, (s, _) in enumerate(seen) if s.lstrip().startswith("UPDATE attempts"))
    read = next(i for i, (s, _) in enumerate(seen) if "FROM attempts LEFT OUTER JOIN answers" in s)
    assert claim < read
    assert "Geslaagd" in client.get(response.location).text
