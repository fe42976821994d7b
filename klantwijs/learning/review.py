"""What the learner sees after answering: verdict, own answer, right answer, feedback, section.

Used by the result page and by practice rounds (feedback right after each answer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..course.model import Option, Question, Step
from .grading import grade, steps_in_place


@dataclass(frozen=True)
class PlacedStep:
    step: Step
    in_place: bool
    right_place: int  # 1-based


@dataclass(frozen=True)
class Reviewed:
    number: int
    question: Question
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


def review(number: int, question: Question, response, score: float | None) -> Reviewed:
    """Explain one answered (or unanswered) question."""
    answered = response not in (None, [], "")
    if score is None:
        score = grade(question, response) if answered else 0.0
    section = question.section
    if question.type == "ordering":
        order = list(response or []) if answered else []
        steps = {s.id: s for s in question.steps}
        place = {s.id: i + 1 for i, s in enumerate(question.steps)}
        flags = steps_in_place(question, order)
        placed = [
            PlacedStep(steps[s], ok, place[s])
            for s, ok in zip(order, flags, strict=True)
            if s in steps
        ]
        return Reviewed(number, question, score, answered, placed=placed, section=section)
    picked = response if isinstance(response, list) else [response] if answered else []
    options = {o.id: o for o in question.options}
    chosen = [options[p] for p in picked if p in options]
    right = [o for o in question.options if o.correct]
    wrong_with_section = next((o.section for o in chosen if not o.correct and o.section), None)
    return Reviewed(
        number,
        question,
        score,
        answered,
        chosen=chosen,
        right=right,
        section=wrong_with_section or section,
    )
