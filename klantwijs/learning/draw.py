"""What an attempt shows: which questions, in what order, and the opaque values in its forms.

Everything follows from the attempt's stored seed, so a reload shows the same page. Option
and step values are an HMAC of attempt id, seed and content id: they say nothing about which
option is right and cannot be reused in another attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass

from ..course.model import Option, Question, Quiz, Step

TOKEN_LENGTH = 16
MAX_VALUE_LENGTH = 64


class BadAnswer(Exception):
    """A form that cannot be an answer; the message is Dutch and shown to the learner."""

    def __init__(self, message: str, status: int = 400):
        self.message = message
        self.status = status
        super().__init__(message)


def draw_questions(quiz: Quiz, seed: int) -> list[str]:
    """questions_per_attempt question ids in shown order; the main question is always in."""
    rng = random.Random(seed)
    main = quiz.main_question
    others = [q.id for q in quiz.questions if q is not main]
    wanted = min(quiz.questions_per_attempt, len(quiz.questions))
    chosen = rng.sample(others, wanted - 1 if main else wanted)
    if main:
        chosen.append(main.id)
    rng.shuffle(chosen)
    return chosen


def shown_options(question: Question, seed: int) -> list[Option]:
    """The options in this attempt's order."""
    options = list(question.options)
    random.Random(f"{seed}:{question.id}:options").shuffle(options)
    return options


def first_order(question: Question, seed: int) -> list[Step]:
    """The steps as the list starts: shuffled, and never already in the right order."""
    steps = list(question.steps)
    random.Random(f"{seed}:{question.id}:steps").shuffle(steps)
    if [s.id for s in steps] == list(question.correct_order):
        steps = steps[1:] + steps[:1]
    return steps


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


def show(question: Question, secret: str, attempt_id: int, seed: int) -> Shown:
    """Build the shown form of a question for one attempt."""
    items = (
        first_order(question, seed)
        if question.type == "ordering"
        else shown_options(question, seed)
    )
    pairs = [(token(secret, attempt_id, seed, question.id, it.id), it) for it in items]
    return Shown(question, pairs, {value: it.id for value, it in pairs})


def arrange(shown: Shown, response: list[str] | None) -> list[tuple[str, Step]]:
    """Ordering steps in the saved order when there is one, else in the starting order."""
    if not response:
        return list(shown.items)
    value_of = {item.id: value for value, item in shown.items}
    step_of = {item.id: item for _, item in shown.items}
    return [(value_of[s], step_of[s]) for s in response if s in step_of]


def parse_response(shown: Shown, form) -> object:
    """Read the learner's answer from a form (a MultiDict) into content ids; None: no answer.

    Raises BadAnswer for anything a real form of this page cannot send.
    """
    if shown.question.type == "ordering":
        return _parse_order(shown, form)
    values = form.getlist("antwoord")
    for value in values:
        if len(value) > MAX_VALUE_LENGTH or value not in shown.by_token:
            raise BadAnswer("Dit antwoord hoort niet bij deze vraag. Laad de pagina opnieuw.")
    if len(set(values)) != len(values):
        raise BadAnswer("Elk antwoord mag maar één keer worden gekozen.")
    if shown.question.type == "multi":
        return sorted(shown.by_token[v] for v in values) or None
    if len(values) > 1:
        raise BadAnswer("Kies bij deze vraag één antwoord.")
    return shown.by_token[values[0]] if values else None


def _parse_order(shown: Shown, form) -> list[str] | None:
    """Positions from the 'plaats-VALUE' selects; the untouched starting order is no answer."""
    count = len(shown.items)
    fields = [key for key in form if isinstance(key, str) and key.startswith("plaats-")]
    if not fields:
        return None
    if sorted(fields) != sorted("plaats-" + value for value, _ in shown.items):
        raise BadAnswer("Deze stappen horen niet bij deze vraag. Laad de pagina opnieuw.")
    places = {}
    for value, _ in shown.items:
        raw = form.getlist("plaats-" + value)
        if len(raw) != 1 or len(raw[0]) > 3 or not raw[0].isdigit():
            raise BadAnswer("Kies voor elke stap een plaats uit de lijst.")
        place = int(raw[0])
        if not 1 <= place <= count:
            raise BadAnswer(f"Kies voor elke stap een plaats van 1 tot en met {count}.")
        places[value] = place
    if len(set(places.values())) != count:
        raise BadAnswer(
            "Twee stappen staan op dezelfde plaats. Geef elke stap een eigen plaats.", 422
        )
    order = [shown.by_token[v] for v in sorted(places, key=places.get)]
    return None if order == shown.start_order else order


def move_step(order: list[str], step_id: str, delta: int) -> list[str]:
    """Move one step up (−1) or down (+1); at either end the list stays as it is."""
    i = order.index(step_id)
    j = i + delta
    if not 0 <= j < len(order):
        return order
    moved = list(order)
    moved[i], moved[j] = moved[j], moved[i]
    return moved
