"""Herhalen on a phone (360×740): from the card on Mijn cursus through a whole review session,
one question per screen with its explanation, to the summary; axe-clean, no sideways scroll."""

import datetime as dt

import pytest
import time_machine

from klantwijs.core.db import db
from klantwijs.learning import spaced
from tests.browser.helpers import assert_accessible, assert_no_sideways_scroll, log_in
from tests.browser.test_learner_browser import RIGHT, WRONG, order_with_buttons

pytestmark = pytest.mark.browser

NOW = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)


def check(page):
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def answer(page, prompt: str, right: bool):
    """Pick (or order) the answer as a person would, then Controleer."""
    if prompt.startswith("Zet de stappen"):
        order_with_buttons(page, RIGHT[prompt], tap=True)
    else:
        for text in (RIGHT if right else WRONG)[prompt]:
            page.get_by_text(text, exact=True).tap()
    page.get_by_role("button", name="Controleer").tap()


def test_herhalen_from_the_home_card_through_a_session(phone_page, app, make_user, make_attempt):
    page = phone_page
    anna = make_user(email="anna@example.nl")
    quiz = app.extensions["course"].get("alpha").quiz
    answers = {q.id: ("x", 1.0) for q in quiz.questions}
    make_attempt(anna.id, "alpha", answers=answers, when=dt.datetime(2026, 11, 20, 9, 0))
    with app.app_context():
        spaced.enroll_passed(app.extensions["course"])  # the pass's questions are scheduled
        db.session.remove()
    total = len(answers)

    with time_machine.travel(NOW, tick=True):
        log_in(page, anna.email, tap=True)
        card = page.locator("section.review-card")
        card.get_by_role("heading", name="Herhalen").wait_for()
        assert f"{total} vragen, 2 minuten" in card.inner_text()
        check(page)
        card.get_by_role("button", name="Start met herhalen").tap()

        wrong_once = False
        for number in range(1, total + 1):
            page.get_by_role("heading", name=f"Herhalen: vraag {number} van {total}").wait_for()
            prompt = page.locator("legend.prompt").inner_text()
            if number == 1:
                check(page)  # a question screen
            right = not (not wrong_once and prompt in WRONG)
            wrong_once = wrong_once or not right
            answer(page, prompt, right)
            verdict = page.locator("#uitleg .reviewed-title")
            verdict.wait_for()
            assert ("Goed" if right else "Fout") in verdict.inner_text()
            if not right:
                assert page.locator("#uitleg .right-answers, #uitleg .right-order").count() == 1
                check(page)  # an explained wrong answer
            page.get_by_role("link", name="Volgende" if number < total else "Klaar").tap()

        page.get_by_role("heading", name="Herhalen: klaar").wait_for()
        assert f"Je had {total - 1} van {total} vragen goed." in page.inner_text("main")
        check(page)
        page.get_by_role("link", name="Naar Mijn cursus").tap()
        page.get_by_role("heading", name="Mijn cursus").wait_for()
        assert "Je bent bij" in page.locator("section.review-card").inner_text()
