"""Helpers for Herhalen tests: a review session's question as the page shows it, right or
wrong answers to it, and the learner's cards."""

from __future__ import annotations

import re

import sqlalchemy as sa

from klantwijs.core.db import db
from klantwijs.learning.draw import show
from klantwijs.models import ReviewCard, ReviewSession
from tests.learner_helpers import form_for

SESSION_URL = re.compile(r"/herhalen/(\d+)/vraag/(\d+)")


def start_review(client) -> int:
    """Press Start met herhalen; return the session id (the redirect names it)."""
    response = client.post("/herhalen")
    assert response.status_code == 302, response.text
    found = SESSION_URL.search(response.location)
    assert found, response.location
    return int(found.group(1))


def session_row(app, session_id: int) -> ReviewSession:
    with app.app_context():
        row = db.session.get(ReviewSession, session_id)
        db.session.expunge(row)
        return row


def review_form(app, session_id: int, number: int, right: bool = True) -> dict:
    """Form data for a fully right (or wrong) answer to one question of a review session."""
    session = session_row(app, session_id)
    item = session.items[number - 1]
    question = app.extensions["course"].get(item["module"]).quiz.by_id[item["question"]]
    return form_for(show(question, app.secret_key, -session.id, session.seed), right, "controleer")


def review_all(client, app, session_id: int, right=True, wrong_numbers=()) -> None:
    """Answer every question of the session (those in wrong_numbers wrongly)."""
    total = len(session_row(app, session_id).items)
    for number in range(1, total + 1):
        data = review_form(app, session_id, number, right and number not in wrong_numbers)
        response = client.post(f"/herhalen/{session_id}/vraag/{number}", data=data)
        assert response.status_code == 302, response.text


def cards_of(app, user_id: int) -> dict[str, ReviewCard]:
    """question id → the learner's card."""
    with app.app_context():
        rows = db.session.scalars(sa.select(ReviewCard).where(ReviewCard.user_id == user_id)).all()
        for row in rows:
            db.session.expunge(row)
        return {row.question_id: row for row in rows}
