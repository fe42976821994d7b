"""What the learner sees after answering: verdict, own answer, right answer, feedback, section.

Each question type (questions.py) builds the Reviewed for its questions; attempts.py lists them
for the result page, and practice rounds show one right after each answer.
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


@dataclass(frozen=True)
class PlacedStep:
    step: Step
    in_place: bool
    right_place: int  # 1-based


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
