"""What an attempt shows: which questions, in what order, and the opaque values in its forms.

Everything follows from the attempt's stored seed, so a reload shows the same page. Option
and step values are an HMAC of attempt id, seed and content id: they say nothing about which
option is right and cannot be reused in another attempt. How each type orders its options or
steps, and reads them back from a form, is in questions.py.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Collection
from dataclasses import dataclass

from ..course.model import Option, Question, Quiz, Step
from .questions import type_of

TOKEN_LENGTH = 16


def draw_questions(quiz: Quiz, seed: int, avoid: Collection[str] = ()) -> list[str]:
    """questions_per_attempt question ids in shown order; the main question is always in.

    Questions in `avoid` (the previous exam's) are drawn only when the rest of the pool runs
    short, so a retake overlaps the previous exam as little as the pool allows.
    """
    rng = random.Random(seed)
    main = quiz.main_question
    others = [q.id for q in quiz.questions if q is not main]
    wanted = min(quiz.questions_per_attempt, len(quiz.questions)) - (1 if main else 0)
    avoid = set(avoid)
    fresh = [qid for qid in others if qid not in avoid]
    seen = [qid for qid in others if qid in avoid]
    chosen = rng.sample(fresh, min(wanted, len(fresh)))
    chosen += rng.sample(seen, wanted - len(chosen))
    if main:
        chosen.append(main.id)
    rng.shuffle(chosen)
    return chosen


def token(secret: str, attempt_id: int, seed: int, question_id: str, item_id: str) -> str:
    """The opaque value of one option or step in one attempt."""
    message = f"{attempt_id}:{seed}:{question_id}:{item_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:TOKEN_LENGTH]


@dataclass(frozen=True)
class Shown:
    """One question as this attempt shows it: items in order with their opaque values."""

    question: Question
    items: list[tuple[str, Option | Step]]  # (value, option or step), in shown order
    by_token: dict[str, str]  # value → content id

    @property
    def start_order(self) -> list[str]:
        return [item.id for _, item in self.items]

    def chosen(self, response) -> set[str]:
        """The values of the items a stored response names (a content id or a list of them),
        for marking them chosen again on the page."""
        ids = [] if response is None else response if isinstance(response, list) else [response]
        return {value for value, item in self.items if item.id in ids}


def show(question: Question, secret: str, attempt_id: int, seed: int) -> Shown:
    """Build the shown form of a question for one attempt."""
    items = type_of(question).shown_items(question, seed)
    pairs = [(token(secret, attempt_id, seed, question.id, it.id), it) for it in items]
    return Shown(question, pairs, {value: it.id for value, it in pairs})
