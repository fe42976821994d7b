"""The question-type registry: how each type of question is drawn, answered, graded and
explained, and which template shows it. Pure: no Flask, no database.

Each type is one small class in QUESTION_TYPES, built on its content rules in
`course/types.py` (what an author must write; the course loader checks those without any
learner code, and `course/` never imports `learning/`). A type declares:

- `shown_items(question, seed)`: the options or steps in the order this attempt shows them;
- `parse(shown, form)`: the learner's answer from the posted form, as content ids (None: no
  answer), raising BadAnswer for anything the page cannot send;
- `arrange(shown, response)`: the items as the page lists them with a saved answer;
- `move(shown, response, value, delta)`: the Omhoog/Omlaag buttons (only ordering has them);
- `grade(question, response)`: a pure grader from `grading.py`, a score from 0 to 1;
- `review(number, question, response, score, reveal)`: what the learner sees after answering;
  the right option(s) or order only when `review.shows_key` allows it (the reveal rule);
- `wrong_choices(question, response)`: what Vragen-inzicht counts as the wrong answer given
  (content ids, so counts survive a changed text), and `wrong_summary(question, counts)`:
  those counts as the Dutch lines the page shows;
- `template`: the partial in templates/quiz/types/ with a `form` and a `review` macro;
- `check()` and `dump()` (from course/types.py): the author's rules and `course dump`.

Adding a type: its content class in course/types.py, its class here, and a partial (or the
choice partial when it is answered by picking options).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..course import types
from ..course.model import Option, Question, Step
from .grading import (
    MULTI_RULE,
    ORDERING_RULE,
    grade_multi,
    grade_ordering,
    grade_single,
    steps_in_place,
)
from .review import PlacedStep, Reviewed, answered, shows_key

if TYPE_CHECKING:
    from .draw import Shown

MAX_VALUE_LENGTH = 64
PLACE = re.compile(r"[0-9]{1,3}")  # ASCII digits only: '²', '①', '٣' or '１' are no place
INCOMPLETE = "Dit formulier is niet compleet. Laad de pagina opnieuw."


@dataclass(frozen=True)
class WrongPick:
    """A wrong answer as Vragen-inzicht shows it, and how often it was given."""

    text: str
    count: int


class BadAnswer(Exception):
    """A form that cannot be an answer; the message is Dutch and shown to the learner."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class MistakenAnswer(BadAnswer):
    """A form the page itself can send that is still no answer (two steps on one place,
    Controleer without a choice): the learner corrects it and sends it again."""


class QuestionType(types.ContentType):
    """What a type of question does in a quiz; see the module docstring for each part."""

    template = ""
    rule: str | None = None  # how the type is scored, shown with the question and its review

    def shown_items(self, question: Question, seed: int) -> list[Option | Step]:
        raise NotImplementedError

    def parse(self, shown: Shown, form) -> object:
        raise NotImplementedError

    def arrange(self, shown: Shown, response) -> list[tuple[str, Option | Step]]:
        """The items in page order: as drawn, unless the answer itself is an order."""
        return list(shown.items)

    def move(self, shown: Shown, response, value: str, delta: int) -> object:
        """Move one item up (−1) or down (+1) and return the new response."""
        raise BadAnswer(INCOMPLETE)

    def grade(self, question: Question, response) -> float:
        raise NotImplementedError

    def review(
        self, number: int, question: Question, response, score: float, reveal: bool = True
    ) -> Reviewed:
        raise NotImplementedError

    def wrong_choices(self, question: Question, response) -> list[str]:
        raise NotImplementedError

    def wrong_summary(self, question: Question, counts: Mapping[str, int]) -> list[WrongPick]:
        raise NotImplementedError


class Choice(QuestionType):
    """Answered by picking options: one (radio buttons) or several (checkboxes)."""

    template = "quiz/types/choice.html"
    input_type = "radio"
    hint: str | None = None  # said above the options

    def shown_items(self, question: Question, seed: int) -> list[Option]:
        """The options shuffled, per attempt and question."""
        options = list(question.options)
        random.Random(f"{seed}:{question.id}:options").shuffle(options)
        return options

    def parse(self, shown: Shown, form) -> object:
        values = form.getlist("antwoord")
        for value in values:
            if len(value) > MAX_VALUE_LENGTH or value not in shown.by_token:
                raise BadAnswer("Dit antwoord hoort niet bij deze vraag. Laad de pagina opnieuw.")
        if len(set(values)) != len(values):
            raise BadAnswer("Elk antwoord mag maar één keer worden gekozen.")
        return self.picked([shown.by_token[v] for v in values])

    def picked(self, option_ids: list[str]) -> object:
        """The response for the chosen option ids: one id."""
        if len(option_ids) > 1:
            raise BadAnswer("Kies bij deze vraag één antwoord.")
        return option_ids[0] if option_ids else None

    def review(
        self, number: int, question: Question, response, score: float, reveal: bool = True
    ) -> Reviewed:
        """The options picked (each with its feedback) and, when the reveal rule allows, the
        right ones; the lesson section of a wrong pick first."""
        if isinstance(response, list):
            picked = response
        else:
            picked = [response] if answered(response) else []
        options = {o.id: o for o in question.options}
        chosen = [options[p] for p in picked if p in options]
        wrong_section = next((o.section for o in chosen if not o.correct and o.section), None)
        key = shows_key(reveal, response, score)
        return Reviewed(
            number,
            question,
            self,
            score,
            answered(response),
            chosen=chosen,
            right=[o for o in question.options if o.correct] if key else [],
            section=wrong_section or question.section,
            key_shown=key,
        )

    def wrong_choices(self, question: Question, response) -> list[str]:
        """The ids of the wrong options picked: one id (single, scenario) or a list (multi)."""
        picked = [response] if isinstance(response, str) else response
        if not isinstance(picked, list) or not all(isinstance(r, str) for r in picked):
            return []
        wrong = {o.id for o in question.options if not o.correct}
        return [r for r in dict.fromkeys(picked) if r in wrong]

    def wrong_summary(self, question: Question, counts: Mapping[str, int]) -> list[WrongPick]:
        """The wrong option chosen most (ties: the first in the question)."""
        ranked = [
            (counts[o.id], -n, o.text)
            for n, o in enumerate(question.options)
            if not o.correct and counts.get(o.id, 0) > 0
        ]
        if not ranked:
            return []
        count, _, text = max(ranked)
        return [WrongPick(text, count)]


class Single(Choice, types.Single):
    def grade(self, question: Question, response) -> float:
        return grade_single(question, response)


class Scenario(Single, types.Scenario):
    """Answered and graded as single; the template shows the customer's words."""


class Multi(Choice, types.Multi):
    input_type = "checkbox"
    hint = "Kies alle juiste antwoorden."
    rule = MULTI_RULE

    def picked(self, option_ids: list[str]) -> object:
        """The chosen option ids, sorted."""
        return sorted(option_ids) or None

    def grade(self, question: Question, response) -> float:
        return grade_multi(question, response)


class Ordering(QuestionType, types.Ordering):
    """Answered by putting the steps in order: with Omhoog/Omlaag, a place per step, or by
    dragging (quiz.js). The untouched starting order counts as no answer."""

    template = "quiz/types/ordering.html"
    rule = ORDERING_RULE

    def shown_items(self, question: Question, seed: int) -> list[Step]:
        """The steps as the list starts: any order but the right one, each equally likely
        (shuffled again while it comes out right), so no fixed move is a better guess."""
        steps = list(question.steps)
        rng = random.Random(f"{seed}:{question.id}:steps")
        rng.shuffle(steps)
        while tuple(s.id for s in steps) == question.correct_order:
            rng.shuffle(steps)
        return steps

    def parse(self, shown: Shown, form) -> list[str] | None:
        """Positions from the 'plaats-VALUE' selects."""
        count = len(shown.items)
        fields = [key for key in form if isinstance(key, str) and key.startswith("plaats-")]
        if not fields:
            return None
        if sorted(fields) != sorted("plaats-" + value for value, _ in shown.items):
            raise BadAnswer("Deze stappen horen niet bij deze vraag. Laad de pagina opnieuw.")
        places = {}
        for value, _ in shown.items:
            raw = form.getlist("plaats-" + value)
            if len(raw) != 1 or not PLACE.fullmatch(raw[0]):
                raise BadAnswer("Kies voor elke stap een plaats uit de lijst.")
            place = int(raw[0])
            if not 1 <= place <= count:
                raise BadAnswer(f"Kies voor elke stap een plaats van 1 tot en met {count}.")
            places[value] = place
        if len(set(places.values())) != count:
            raise MistakenAnswer(
                "Twee stappen staan op dezelfde plaats. Geef elke stap een eigen plaats."
            )
        order = [shown.by_token[v] for v in sorted(places, key=places.get)]
        return None if order == shown.start_order else order

    def arrange(self, shown: Shown, response) -> list[tuple[str, Step]]:
        """The steps in the saved order when there is one, else in the starting order."""
        if not response:
            return list(shown.items)
        value_of = {item.id: value for value, item in shown.items}
        step_of = {item.id: item for _, item in shown.items}
        return [(value_of[s], step_of[s]) for s in response if s in step_of]

    def move(self, shown: Shown, response, value: str, delta: int) -> list[str] | None:
        step_id = shown.by_token.get(value)
        if step_id is None:
            raise BadAnswer(INCOMPLETE)
        order = move_step(response or shown.start_order, step_id, delta)
        return None if order == shown.start_order else order

    def grade(self, question: Question, response) -> float:
        return grade_ordering(question, response)

    def review(
        self, number: int, question: Question, response, score: float, reveal: bool = True
    ) -> Reviewed:
        """Each step of the learner's order; when the reveal rule allows, marked in place or
        not with its right place (marks on a wrong order would give the right one away)."""
        order = list(response or []) if answered(response) else []
        steps = {s.id: s for s in question.steps}
        place = {s.id: i + 1 for i, s in enumerate(question.steps)}
        key = shows_key(reveal, response, score)
        flags = steps_in_place(question, order)
        placed = [
            PlacedStep(steps[s], ok, place[s]) if key else PlacedStep(steps[s], None, None)
            for s, ok in zip(order, flags, strict=True)
            if s in steps
        ]
        return Reviewed(
            number,
            question,
            self,
            score,
            answered(response),
            placed=placed,
            section=question.section,
            key_shown=key,
        )

    def wrong_choices(self, question: Question, response) -> list[str]:
        """Each step out of place, with the place it was given: 'samenvatten@1' (1-based)."""
        if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
            return []
        right = {s.id: n for n, s in enumerate(question.steps, start=1)}
        if len(response) != len(right) or set(response) != set(right):
            return []
        return [
            f"{step}@{place}"
            for place, step in enumerate(response, start=1)
            if right[step] != place
        ]

    def wrong_summary(self, question: Question, counts: Mapping[str, int]) -> list[WrongPick]:
        """Per step, in the right order, the wrong place it was given most (ties: the
        earliest place): 'Samenvatten op plaats 1'."""
        found = []
        for right, step in enumerate(question.steps, start=1):
            places = [
                (counts.get(f"{step.id}@{place}", 0), -place)
                for place in range(1, len(question.steps) + 1)
                if place != right
            ]
            count, place = max(places, default=(0, 0))
            if count:
                found.append(WrongPick(f"{step.text} op plaats {-place}", count))
        return found


def move_step(order: Sequence[str], step_id: str, delta: int) -> list[str]:
    """Move one step up (−1) or down (+1); at either end the list stays as it is."""
    order = list(order)
    i = order.index(step_id)
    j = i + delta
    if not 0 <= j < len(order):
        return order
    order[i], order[j] = order[j], order[i]
    return order


# Every type of question, by the name used in quiz/*.toml (the same names as in
# course.types.CONTENT_TYPES; tests/test_question_types.py checks that they match).
QUESTION_TYPES: dict[str, QuestionType] = {
    t.name: t for t in (Single(), Multi(), Ordering(), Scenario())
}


def type_of(question: Question) -> QuestionType:
    """The registered type of a question."""
    return QUESTION_TYPES[question.type]


def grade(question: Question, response) -> float:
    """Score one response between 0 and 1, by the grader of the question's type."""
    return type_of(question).grade(question, response)
