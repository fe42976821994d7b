"""Answer integrity on the real course (lessons/ + quiz/): before hand-in nothing tells which
option or order is right — not the HTML, not an attribute, not a script, not the values.

Per module, 50 attempts are started through the real route. Every question of every quiz is
shown at least once and checked for leaks; over all attempts the ordering list never starts
in the right order, option values never repeat, and neither the position nor the value of the
right option is related to its being right (pooled binomial test, 4.5 σ).
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from markupsafe import escape

from klantwijs.core.db import db
from klantwijs.models import Attempt, utcnow
from tests.conftest import ROOT
from tests.trust_helpers import add_user, client_as, fresh_world

ATTEMPTS = 50
TOKEN = re.compile(r"^[0-9a-f]{16}$")
CHOICE = re.compile(
    r'<input type="(?:radio|checkbox)" name="antwoord" id="antwoord-([^"]+)" value="([^"]+)"'
)
LABEL = re.compile(r'<label for="antwoord-([^"]+)">(.*?)</label>', re.S)
STEP = re.compile(
    r'<li class="step" id="stap-([^"]+)">\s*<span class="step-text">(.*?)</span>', re.S
)
SUSPECT_ATTRIBUTE = re.compile(
    r"\s(data-[\w-]*(correct|juist|goed|right|answer|antwoord|solution|key|order|rank|score)[\w-]*)=",
    re.I,
)


@pytest.fixture
def real_app(make_app):
    return make_app(LESSONS_DIR=str(ROOT / "lessons"), QUIZ_DIR=str(ROOT / "quiz"))


def _attrs(page: str) -> list[str]:
    return re.findall(r'\s[\w:-]+="([^"]*)"', page)


def _normalise(markup: str, token: str, text: str) -> str:
    """One choice or step with its own value and text taken out: must look like every other."""
    markup = markup.replace(token, "TOKEN").replace(str(escape(text)), "TEXT")
    markup = re.sub(r" (checked|selected)", "", markup)
    return re.sub(r'<option value="\d+">\d+</option>', "", markup)


def _choice_blocks(page: str) -> list[str]:
    return re.findall(r'<div class="choice">.*?</div>', page, re.S)


def _step_blocks(page: str) -> list[str]:
    return re.findall(r'<li class="step".*?</li>', page, re.S)


class Tally:
    """Pooled test: observed count of a 'right option is special' event vs chance."""

    def __init__(self):
        self.hits = 0
        self.expected = 0.0
        self.variance = 0.0

    def add(self, hit: bool, p: float) -> None:
        self.hits += hit
        self.expected += p
        self.variance += p * (1 - p)

    def assert_chance(self, what: str) -> None:
        margin = 4.5 * math.sqrt(self.variance) + 1
        assert abs(self.hits - self.expected) <= margin, (
            f"{what}: {self.hits} times, chance would give {self.expected:.1f} ± {margin:.1f}"
        )


def _check_page(page: str, question, module, scripts: set[str]) -> None:
    where = f"{module.slug}/{question.id}"
    text = html.unescape(page)
    for item in (*question.options, *question.steps):
        if item.feedback:
            assert item.feedback not in text, (
                f"{where}: feedback of {item.id!r} shown before hand-in"
            )
    content_ids = {item.id for item in (*question.options, *question.steps)}
    for value in _attrs(page):
        for cid in content_ids:
            assert value != cid and not value.endswith("-" + cid), (
                f"{where}: content id {cid!r} in attribute {value!r}"
            )
    suspect = SUSPECT_ATTRIBUTE.search(page)
    assert not suspect, f"{where}: attribute {suspect.group(1)!r}"
    assert "correct" not in page.lower(), f"{where}: the word 'correct' in the page"
    for src in re.findall(r'<script[^>]*src="([^"]+)"', page):
        assert urlsplit(src).path.startswith("/static/"), f"{where}: script {src}"
        scripts.add(urlsplit(src).path)
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page), f"{where}: inline script"


def _shown_items(page: str, question, where: str):
    """(token, content item) in shown order, every token opaque and distinct."""
    if question.type == "ordering":
        found = STEP.findall(page)
        by_text = {s.text: s for s in question.steps}
        blocks = _step_blocks(page)
    else:
        labels = dict(LABEL.findall(page))
        found = [(tok, labels[tok]) for tok, value in CHOICE.findall(page) if tok == value]
        by_text = {o.text: o for o in question.options}
        blocks = _choice_blocks(page)
    items = [(tok, by_text[html.unescape(t).strip()]) for tok, t in found]
    assert len(items) == len(by_text), (
        f"{where}: expected {len(by_text)} items, parsed {len(items)}"
    )
    assert all(TOKEN.match(tok) for tok, _ in items), f"{where}: values not opaque: {items}"
    assert len({tok for tok, _ in items}) == len(items)
    shapes = {_normalise(b, tok, item.text) for b, (tok, item) in zip(blocks, items, strict=True)}
    assert len(shapes) == 1, f"{where}: items differ in markup beyond value and text: {shapes}"
    return items


def test_nothing_reveals_the_right_answer_before_hand_in(real_app):
    app = real_app
    world = fresh_world(app)
    course = app.extensions["course"]
    with app.app_context():
        learner = add_user("learner", "toets@example.nl", "Toets Leerling")
        db.session.commit()
        world.users["tester"] = learner
        db.session.refresh(learner)
        db.session.expunge(learner)
    client = client_as(app, world, "tester")
    csrf_off = not app.config["WTF_CSRF_ENABLED"]
    assert csrf_off
    scripts: set[str] = set()
    first_place, smallest_token = Tally(), Tally()
    seen_questions: dict[str, set[str]] = defaultdict(set)
    tokens_seen: dict[str, set[str]] = defaultdict(set)
    ordering_starts = 0
    for module in course.modules:
        checked = set()
        for _ in range(ATTEMPTS):
            started = client.post(f"/modules/{module.slug}/quiz")
            assert started.status_code == 302
            attempt_id = int(re.search(r"/pogingen/(\d+)/", started.headers["Location"]).group(1))
            with app.app_context():
                question_ids = db.session.get(Attempt, attempt_id).question_ids
            for number, qid in enumerate(question_ids, 1):
                question = module.quiz.by_id[qid]
                # Every question once in full; ordering and options every time for the counts.
                if qid in checked and question.type != "ordering" and len(tokens_seen[qid]) >= 20:
                    continue
                page = client.get(f"/pogingen/{attempt_id}/vraag/{number}").text
                where = f"{module.slug}/{qid} (poging {attempt_id})"
                if qid not in checked:
                    _check_page(page, question, module, scripts)
                    checked.add(qid)
                items = _shown_items(page, question, where)
                for tok, _ in items:
                    assert tok not in tokens_seen[qid], f"{where}: value {tok} reused"
                    tokens_seen[qid].add(tok)
                if question.type == "ordering":
                    ordering_starts += 1
                    start = tuple(step.id for _, step in items)
                    assert start != question.correct_order, (
                        f"{where}: list starts in the right order"
                    )
                else:
                    n = len(items)
                    right = [i for i, (_, o) in enumerate(items) if o.correct]
                    k = len(right)
                    first_place.add(items[0][1].correct, k / n)
                    smallest = min(items, key=lambda pair: pair[0])[1]
                    smallest_token.add(smallest.correct, k / n)
            if attempt_id % 10 == 0:
                overview = html.unescape(client.get(f"/pogingen/{attempt_id}/overzicht").text)
                for qid in question_ids:
                    for item in module.quiz.by_id[qid].options:
                        assert item.feedback not in overview
            with app.app_context():  # hand in without the cost of grading: next start is new
                # (marked passed: after a failed exam a retake would wait for Oefen je fouten)
                db.session.execute(
                    sa.update(Attempt)
                    .where(Attempt.id == attempt_id)
                    .values(submitted_at=utcnow(), score=0, passed=True)
                )
                db.session.commit()
        seen_questions[module.slug] = checked
        missing = {q.id for q in module.quiz.questions} - checked
        assert not missing, f"{module.slug}: never drawn in {ATTEMPTS} attempts: {missing}"
    assert ordering_starts >= ATTEMPTS * len(course.modules)
    first_place.assert_chance("a right option shown first")
    smallest_token.assert_chance("a right option with the smallest value")
    # The scripts the pages load know nothing about the course's answers.
    texts = {
        item.text
        for m in course.modules
        for q in m.quiz.questions
        for item in (*q.options, *q.steps)
        if len(item.text) > 12
    }
    for path in scripts:
        source = client.get(path).text
        leaked = [t for t in texts if t in source]
        assert not leaked, f"{path} contains course text: {leaked[:3]}"
        assert "correct" not in source.lower()
