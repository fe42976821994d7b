"""What the learner sees after answering: verdict, own answer, right answer, feedback, section.

Each question type (questions.py) builds the Reviewed for its questions; attempts.py lists them
for the result page, and practice rounds show one right after each answer.

The reveal rule: the right option(s) or order, and step feedback that gives the order away,
are shown for a question answered fully right, or when `reveal` is set: on an exam result once
the learner has passed the module, and in practice once an answer is final (right, or wrong
twice). Otherwise `key_shown` is False and the Reviewed carries only the verdict, what the
learner chose with the feedback on it, and the lesson section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..course.model import Option, Question, Step

if TYPE_CHECKING:
    from .questions import QuestionType


def answered(response) -> bool:
    """False for no answer at all."""
    return response not in (None, [], "")


def shows_key(reveal: bool, response, score: float) -> bool:
    """The reveal rule: the key is shown when revealed, or when the answer was fully right."""
    return reveal or (answered(response) and score >= 1)


@dataclass(frozen=True)
class PlacedStep:
    step: Step
    in_place: bool | None  # None while the key is not shown
    right_place: int | None  # 1-based; None while the key is not shown


@dataclass(frozen=True)
class Reviewed:
    number: int
    question: Question
    kind: QuestionType  # its template shows the type's part of the review
    score: float
    answered: bool
    chosen: list[Option] = field(default_factory=list)
    right: list[Option] = field(default_factory=list)
    placed: list[PlacedStep] = field(default_factory=list)
    section: str | None = None
    key_shown: bool = True  # False: the right option(s) or order are left out (see above)

    @property
    def verdict(self) -> str:
        if not self.answered:
            return "Niet beantwoord"
        if self.score >= 1:
            return "Goed"
        return "Deels goed" if self.score > 0 else "Fout"

    @property
    def verdict_class(self) -> str:
        return {"Goed": "ok", "Deels goed": "partly"}.get(self.verdict, "bad")
