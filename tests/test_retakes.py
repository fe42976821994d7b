"""Retakes that follow learning: after a failed exam, Opnieuw proberen waits for a finished
Oefen je fouten round (and the quiz's retake_wait_minutes); retakes draw around the previous
exam; a key-harvesting script needs the practice path, and random guessing does not pass."""

from __future__ import annotations

import datetime as dt
import html
import random
import re
import shutil

import pytest
import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.course.loader import ContentError, load_course
from klantwijs.learning import attempts as progress
from klantwijs.learning.draw import draw_questions
from klantwijs.learning.questions import QUESTION_TYPES, grade
from klantwijs.models import Attempt
from tests.conftest import DATA, ROOT
from tests.learner_helpers import (
    answer_all,
    answer_form,
    load,
    practise_mistakes,
    question_url,
    start,
    take_quiz,
)

REFUSED = "Opnieuw proberen kan nadat je je fouten hebt geoefend"


def exams(app) -> list[Attempt]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Attempt).order_by(Attempt.id)).all()
        for row in rows:
            db.session.expunge(row)
    return [a for a in rows if a.kind == "exam"]


# --- The rule over HTTP ---------------------------------------------------------------------


def test_after_a_failed_exam_start_is_refused_until_a_practice_round_is_finished(
    client, learner, app
):
    """Written to fail before the rule: Start de toets began a new exam at once."""
    failed = take_quiz(client, app, right=False)
    refused = client.post("/modules/alpha/quiz")
    assert refused.status_code == 409
    assert REFUSED in refused.text and 'role="alert"' in refused.text
    assert re.search(
        r'<button type="submit" class="button primary">Oefen je fouten</button>', refused.text
    )
    assert ">Start de toets<" not in refused.text
    assert [a.id for a in exams(app)] == [failed]  # nothing started
    # An unfinished practice round does not open it.
    unfinished = client.post("/modules/alpha/oefenen")
    practice = int(re.search(r"/pogingen/(\d+)/", unfinished.location)[1])
    data = answer_form(app, practice, 1, right=True, go="controleer")
    client.post(question_url(practice, 1), data=data)
    assert load(app, practice).submitted_at is None
    assert client.post("/modules/alpha/quiz").status_code == 409
    # A finished one does.
    practise_mistakes(client, app)
    retake = start(client)
    assert retake != failed and [a.id for a in exams(app)] == [failed, retake]


def test_result_page_intro_and_lesson_say_so_with_oefen_je_fouten_first(client, learner, app):
    """Written to fail before the rule: the result offered Opnieuw proberen as the main step."""
    failed = take_quiz(client, app, right=False)
    for path in (f"/pogingen/{failed}/uitslag", "/modules/alpha/quiz", "/modules/alpha"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert REFUSED in page.text, path
        primary = re.findall(r'class="button primary"[^>]*>([^<]+)<', page.text)
        assert primary == ["Oefen je fouten"], (path, primary)
        assert ">Opnieuw proberen<" not in page.text and ">Start de toets<" not in page.text
    assert "Niet geslaagd? Dan oefen je eerst je fouten" in client.get("/modules/alpha/quiz").text
    practice = practise_mistakes(client, app)
    for path in (f"/pogingen/{failed}/uitslag", f"/pogingen/{practice}/uitslag"):
        page = client.get(path).text
        assert REFUSED not in page
        assert re.search(r'class="button[^"]*">(Opnieuw proberen|Start de toets)</button>', page)
    assert ">Start de toets<" in client.get("/modules/alpha/quiz").text
    assert ">Start de toets<" in client.get("/modules/alpha").text


def test_a_practice_round_from_before_the_failed_exam_does_not_count(client, learner, app):
    take_quiz(client, app, right=False)
    practise_mistakes(client, app)
    take_quiz(client, app, right=False)  # fails again after practising
    assert client.post("/modules/alpha/quiz").status_code == 409
    practise_mistakes(client, app)
    assert client.post("/modules/alpha/quiz").status_code == 302


def test_an_open_exam_always_continues_and_a_pass_locks_nothing(client, learner, app):
    passed = take_quiz(client, app, right=True)
    retake = start(client)  # after a pass: at once
    assert retake != passed and start(client) == retake  # and the open one continues
    answer_all(client, app, retake, right=False)
    client.post(f"/pogingen/{retake}/inleveren")
    assert client.post("/modules/alpha/quiz").status_code == 409  # failed again: practise


def test_start_exam_refuses_as_an_operation_too(app, make_user):
    user = make_user()
    with app.app_context():
        alpha = app.extensions["course"].get("alpha")
        attempt, _ = progress.start_exam(user.id, alpha)
        assert progress.submit_attempt(attempt, alpha)
        with pytest.raises(progress.RetakeRefused) as refused:
            progress.start_exam(user.id, alpha)
        assert refused.value.lock.needs_practice and refused.value.lock.until is None
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


# --- retake_wait_minutes ----------------------------------------------------------------------


@pytest.fixture
def waiting_content(tmp_path):
    """The fixture content with a 30-minute pause after a failed alpha exam."""
    shutil.copytree(DATA / "lessons", tmp_path / "lessons")
    shutil.copytree(DATA / "quiz", tmp_path / "quiz")
    quiz = tmp_path / "quiz" / "alpha.toml"
    quiz.write_text("retake_wait_minutes = 30\n" + quiz.read_text())
    return tmp_path


def test_retake_wait_minutes_adds_a_pause_after_a_failed_exam(waiting_content, make_app, login_as):
    """Written to fail: the quiz file refused the key (onbekend veld)."""
    app = make_app(
        LESSONS_DIR=str(waiting_content / "lessons"), QUIZ_DIR=str(waiting_content / "quiz")
    )
    client = app.test_client()
    login_as("learner", client=client)
    assert app.extensions["course"].get("alpha").quiz.retake_wait_minutes == 30
    assert "30 minuten na het inleveren" in client.get("/modules/alpha/quiz").text
    failed = take_quiz(client, app, right=False)
    practise_mistakes(client, app)
    refused = client.post("/modules/alpha/quiz")
    assert refused.status_code == 409 and "Opnieuw proberen kan vanaf" in refused.text
    with app.app_context():
        handed_in = db.session.get(Attempt, failed).submitted_at
    assert re.search(r"vanaf \d{1,2} [a-z]+ \d{4}, \d\d:\d\d\.", refused.text)
    page = client.get(f"/pogingen/{failed}/uitslag").text
    assert "Opnieuw proberen kan vanaf" in page and ">Opnieuw proberen<" not in page
    with app.app_context():  # half an hour later
        db.session.execute(
            sa.update(Attempt)
            .where(Attempt.id == failed)
            .values(submitted_at=handed_in - dt.timedelta(minutes=31))
        )
        db.session.commit()
    assert client.post("/modules/alpha/quiz").status_code == 302


def test_the_pause_and_practice_are_said_together(waiting_content, make_app, login_as):
    app = make_app(
        LESSONS_DIR=str(waiting_content / "lessons"), QUIZ_DIR=str(waiting_content / "quiz")
    )
    client = app.test_client()
    login_as("learner", client=client)
    take_quiz(client, app, right=False)
    text = html.unescape(client.post("/modules/alpha/quiz").text)
    assert REFUSED in text and "Daarna kun je de toets opnieuw maken vanaf" in text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"30"', "retake_wait_minutes: moet een geheel getal van 0 tot en met 10080"),
        ("-1", "retake_wait_minutes: moet een geheel getal"),
        ("10081", "retake_wait_minutes: moet een geheel getal"),
        ("true", "retake_wait_minutes: moet een geheel getal"),
        ("1.5", "retake_wait_minutes: moet een geheel getal"),
    ],
)
def test_retake_wait_minutes_is_checked(tmp_path, value, message):
    shutil.copytree(DATA / "lessons", tmp_path / "lessons")
    shutil.copytree(DATA / "quiz", tmp_path / "quiz")
    quiz = tmp_path / "quiz" / "alpha.toml"
    quiz.write_text(f"retake_wait_minutes = {value}\n" + quiz.read_text())
    with pytest.raises(ContentError) as info:
        load_course(tmp_path / "lessons", tmp_path / "quiz")
    assert any(e.startswith("alpha.toml: ") and message in e for e in info.value.errors)


def test_retake_wait_minutes_defaults_to_zero_and_is_documented():
    course = load_course(ROOT / "lessons", ROOT / "quiz")
    assert {m.quiz.retake_wait_minutes for m in course.modules} == {0}
    docs = (ROOT / "docs" / "CONTENT_FORMAT.md").read_text()
    assert "retake_wait_minutes = 0" in docs and "Retakes, draws and what a learner sees" in docs


# --- Draws ------------------------------------------------------------------------------------


def real_course():
    return load_course(ROOT / "lessons", ROOT / "quiz")


def test_pools_hold_22_questions_and_draw_10():
    for module in real_course().modules:
        assert len(module.quiz.questions) == 22 and module.quiz.questions_per_attempt == 10


def test_a_retake_draws_around_the_previous_exam_as_far_as_the_pool_allows():
    """Written to fail: draws ignored the previous exam (two draws shared ~4 questions)."""
    for module in real_course().modules:
        quiz = module.quiz
        main = quiz.main_question.id
        for seed in range(50):
            first = draw_questions(quiz, seed)
            second = draw_questions(quiz, seed + 1000, avoid=first)
            assert main in first and main in second
            assert set(first) & set(second) == {main}, module.slug
            third = draw_questions(quiz, seed + 2000, avoid=second)
            assert set(second) & set(third) == {main}
            assert len(set(third)) == 10
    tiny = real_course().get("stopt").quiz
    # A pool too small to avoid everything: the fewest repeats, still the main question.
    import dataclasses

    small = dataclasses.replace(tiny, questions=tiny.questions[:15], by_id={})
    first = draw_questions(small, 1)
    second = draw_questions(small, 2, avoid=first)
    assert len(set(first) & set(second)) == 10 - (15 - 10) and small.main_question.id in second


def test_start_de_toets_draws_around_the_previous_exam(make_app, login_as):
    app = make_app(LESSONS_DIR=str(ROOT / "lessons"), QUIZ_DIR=str(ROOT / "quiz"))
    client = app.test_client()
    login_as("learner", client=client)
    slug = "stopt"
    main = app.extensions["course"].get(slug).quiz.main_question.id
    for _ in range(3):
        attempt_id = start(client, slug)
        client.post(f"/pogingen/{attempt_id}/inleveren")
        practise_mistakes(client, app, slug)
    first, second, third = (set(a.question_ids) for a in exams(app))
    assert first & second == {main} and second & third == {main}


# --- A key-harvesting script ------------------------------------------------------------------

PROMPT = re.compile(r'<legend class="prompt">(.*?)</legend>', re.S)
OPTION = re.compile(
    r'<input type="(?:radio|checkbox)" name="antwoord" id="antwoord-([0-9a-f]+)" '
    r'value="\1"[^>]*>\s*<label for="antwoord-\1">(.*?)</label>',
    re.S,
)
STEP = re.compile(r'<li class="step" id="stap-([0-9a-f]+)">\s*<span class="step-text">(.*?)</span>')
FINAL = re.compile(r'<fieldset class="question [^"]*" disabled')  # a practice answer explained
ARTICLE = re.compile(r'<article class="reviewed[^"]*" id="uitleg-\d+">(.*?)</article>', re.S)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


class Harvester:
    """Reads every review it is shown and answers with what it saw.

    keys: prompt → frozenset of right option texts, or a tuple of step texts in order.
    truth: (prompt, option text) → True/False, from the Goed/Fout marks on its own picks.
    Unknown questions: a single or scenario gets an option not yet seen to be wrong, a multi
    gets every option ticked (each pick comes back marked), an ordering gets its list turned
    around."""

    def __init__(self, client, app):
        self.client, self.app = client, app
        self.keys: dict[str, object] = {}
        self.truth: dict[tuple[str, str], bool] = {}
        self.source: dict[str, str] = {}  # prompt → where the key was first seen

    def read(self, page: str, source: str) -> None:
        for article in ARTICLE.findall(page):
            prompt = _text(re.search(r'<p class="prompt">(.*?)</p>', article, re.S)[1])
            right = re.search(r'<ul class="right-answers">(.*?)</ul>', article, re.S)
            order = re.search(r'<ol class="right-order">(.*?)</ol>', article, re.S)
            if right:
                key = frozenset(_text(li) for li in re.findall(r"<li>(.*?)</li>", right[1], re.S))
                self._learn(prompt, key, source)
            if order:
                steps = re.findall(r"<strong>(.*?)</strong>", order[1], re.S)
                self._learn(prompt, tuple(_text(s) for s in steps), source)
            for text, mark in re.findall(
                r'<li class="is-(?:ok|bad)">(.*?)<span class="verdict verdict-(ok|bad)">',
                re.search(r'<ul class="chosen">(.*?)</ul>', article, re.S)[1]
                if '<ul class="chosen">' in article
                else "",
                re.S,
            ):
                self.truth[(prompt, _text(text))] = mark == "ok"

    def _learn(self, prompt, key, source):
        if prompt not in self.keys:
            self.source[prompt] = source
        self.keys[prompt] = key

    def form(self, page: str, go: str, wrong: bool = False, variant: int = 0) -> dict:
        prompt = _text(PROMPT.search(page)[1])
        options = [(v, _text(t)) for v, t in OPTION.findall(page)]
        steps = [(v, _text(t)) for v, t in STEP.findall(page)]
        key = self.keys.get(prompt)
        data = {"ga": go}
        if steps:
            texts = [t for _, t in steps]
            order = list(key) if isinstance(key, tuple) and not wrong else texts[::-1]
            if order == texts or variant:  # the list as shown may be the starting order,
                order = texts[1:] + texts[:1]  # which counts as no answer
            value = dict((t, v) for v, t in steps)
            data.update({f"plaats-{value[t]}": str(i) for i, t in enumerate(order, 1)})
            return data
        multi = 'type="checkbox"' in page
        if isinstance(key, frozenset) and not wrong:
            picked = [v for v, t in options if t in key]
        elif wrong:
            picked = [next(v for v, t in options if self.truth.get((prompt, t)) is not True)]
        elif multi:
            known = {t: self.truth.get((prompt, t)) for _, t in options}
            if all(k is not None for k in known.values()):
                picked = [v for v, t in options if known[t]]
            else:
                picked = [v for v, _ in options]
        else:
            good = [v for v, t in options if self.truth.get((prompt, t)) is True]
            open_ = [v for v, t in options if self.truth.get((prompt, t)) is None]
            picked = (good or open_ or [options[0][0]])[:1]
        data["antwoord"] = picked if multi else picked[0]
        return data

    def exam(self, slug: str) -> tuple[int | None, str]:
        """Start de toets, answer everything, hand in, read the result. (None, page) when the
        start is refused."""
        started = self.client.post(f"/modules/{slug}/quiz")
        if started.status_code != 302:
            return None, started.text
        attempt_id = int(re.search(r"/pogingen/(\d+)/", started.location)[1])
        for number in range(1, len(load(self.app, attempt_id).question_ids) + 1):
            page = self.client.get(question_url(attempt_id, number)).text
            response = self.client.post(
                question_url(attempt_id, number), data=self.form(page, "volgende")
            )
            assert response.status_code == 302, response.text
        self.client.post(f"/pogingen/{attempt_id}/inleveren")
        result = self.client.get(f"/pogingen/{attempt_id}/uitslag").text
        self.read(result, "result")
        return attempt_id, result

    def practise(self, slug: str) -> None:
        """Oefen je fouten: a known key answered right; otherwise wrong twice, to see it."""
        response = self.client.post(f"/modules/{slug}/oefenen")
        practice = int(re.search(r"/pogingen/(\d+)/", response.location)[1])
        for number in range(1, len(load(self.app, practice).question_ids) + 1):
            for _ in range(2):
                page = self.client.get(question_url(practice, number)).text
                if FINAL.search(page):
                    break
                known = _text(PROMPT.search(page)[1]) in self.keys
                data = self.form(page, "controleer", wrong=not known)
                posted = self.client.post(question_url(practice, number), data=data)
                if posted.status_code == 422:  # it sent the starting order: no answer
                    data = self.form(page, "controleer", wrong=not known, variant=1)
                    posted = self.client.post(question_url(practice, number), data=data)
                assert posted.status_code == 302, posted.text
            self.read(self.client.get(question_url(practice, number)).text, "practice")
        assert load(self.app, practice).submitted_at is not None


def test_a_key_harvesting_script_needs_the_practice_path_to_pass(make_app, login_as):
    """The script of issue 12 (hand in, read, retake at once) got 9/10 in seconds. Written to
    fail on the old app: the first result page handed it the keys and the retake was open."""
    app = make_app(LESSONS_DIR=str(ROOT / "lessons"), QUIZ_DIR=str(ROOT / "quiz"))
    client = app.test_client()
    login_as("learner", client=client)
    slug = "stopt"
    quiz = app.extensions["course"].get(slug).quiz
    bot = Harvester(client, app)
    _, result = bot.exam(slug)
    assert "Niet geslaagd" in result
    # What the first result page gave away: keys only of questions it already got right.
    first_attempt = exams(app)[0]
    with app.app_context():
        answers = progress.answers_of(first_attempt)
    right_prompts = {
        quiz.by_id[qid].prompt
        for qid in first_attempt.question_ids
        if qid in answers and (answers[qid].score or 0) >= 1
    }
    assert set(bot.keys) <= right_prompts
    # Harvesting alone gets no second exam, however often it asks.
    for _ in range(3):
        refused, page = bot.exam(slug)
        assert refused is None and REFUSED in page
    # And even an immediate retake could have used that harvest for the main question only:
    # the next draw avoids the first exam's questions.
    nxt = draw_questions(quiz, 12345, avoid=first_attempt.question_ids)
    assert len([q for q in nxt if quiz.by_id[q].prompt in bot.keys]) <= 1
    # The practice path: practise, retake, until it passes.
    rounds = 0
    passed = False
    while not passed and rounds < 15:
        bot.practise(slug)
        rounds += 1
        attempt_id, result = bot.exam(slug)
        assert attempt_id is not None
        passed = "<strong>Geslaagd</strong>" in result
    assert passed, f"no pass after {rounds} practice rounds"
    assert rounds >= 1 and "practice" in set(bot.source.values())
    # Every retake came after a finished practice round started after the failed exam.
    with app.app_context():
        rows = db.session.scalars(sa.select(Attempt).order_by(Attempt.started_at)).all()
    failed_at = None
    for row in rows:
        if row.kind == "exam":
            if failed_at is not None:
                assert any(
                    p.kind == "practice"
                    and p.started_at >= failed_at
                    and p.submitted_at is not None
                    and p.submitted_at <= row.started_at
                    for p in rows
                )
            failed_at = row.submitted_at if not row.passed else None


# --- A random guesser -------------------------------------------------------------------------


def _guess(question, rng: random.Random, seed: int):
    """A uniformly random answer a learner could click without reading."""
    kind = QUESTION_TYPES[question.type]
    if question.steps:
        order = [s.id for s in question.steps]
        rng.shuffle(order)
        start_order = [s.id for s in kind.shown_items(question, seed)]
        return None if order == start_order else order  # the untouched list is no answer
    ids = [o.id for o in question.options]
    if kind.input_type == "checkbox":
        picked = [i for i in ids if rng.random() < 0.5]
        return sorted(picked) or None
    return rng.choice(ids)


def test_a_random_guesser_passes_fewer_than_one_in_a_hundred_attempts():
    """Every module of the real course, its real draws and the app's grader: 2,000 seeded
    attempts per module. Also the test-wise variants: tick every multi option, and move the
    last ordering step to the top."""
    course = real_course()
    attempts = passes = wise_passes = 0
    for module in course.modules:
        quiz = module.quiz
        for seed in range(2000):
            rng = random.Random(f"{module.slug}:{seed}")
            drawn = [quiz.by_id[q] for q in draw_questions(quiz, seed)]
            score = sum(grade(q, _guess(q, rng, seed)) for q in drawn)
            wise = 0.0
            for q in drawn:
                kind = QUESTION_TYPES[q.type]
                if q.steps:
                    shown = [s.id for s in kind.shown_items(q, seed)]
                    wise += grade(q, shown[-1:] + shown[:-1])
                elif kind.input_type == "checkbox":
                    wise += grade(q, sorted(o.id for o in q.options))
                else:
                    wise += grade(q, rng.choice([o.id for o in q.options]))
            attempts += 1
            passes += score / len(drawn) * 100 >= quiz.pass_mark
            wise_passes += wise / len(drawn) * 100 >= quiz.pass_mark
    assert attempts == 12_000
    assert passes / attempts < 0.01, f"{passes} of {attempts} random attempts passed"
    assert wise_passes / attempts < 0.01, f"{wise_passes} of {attempts} passed"
