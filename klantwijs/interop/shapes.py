"""How each registered question type looks outside Klantwijs: in SCORM, xAPI, Moodle and GIFT.

Every export asks this one place, which reads what the question-type registry
(learning/questions.py, built on course/types.py) declares about a type: an author fills in
`steps` (put in order: SCORM/xAPI "sequencing", Moodle "ordering") or `options` (pick: SCORM/
xAPI "choice", Moodle "multichoice"), answered with radio buttons (one) or checkboxes (several).
A type that declares something else cannot be exported yet and says so (UnsupportedType).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..course.model import Question
from ..learning.questions import QUESTION_TYPES, type_of


class UnsupportedType(Exception):
    """A question type the exports do not know how to write; the message is Dutch."""


@dataclass(frozen=True)
class Shape:
    interaction: str  # "choice" or "sequencing" (SCORM 2004 and xAPI interaction types)
    multiple: bool  # choice: several options may be picked (checkboxes)
    situation: bool  # the question quotes the customer (`situation`)


def shape_of(question: Question) -> Shape:
    """The outside shape of a question, from its registered type."""
    kind = type_of(question)
    if kind.items == "steps":
        return Shape("sequencing", False, kind.needs_situation)
    if kind.items == "options" and getattr(kind, "input_type", None) in ("radio", "checkbox"):
        return Shape("choice", kind.input_type == "checkbox", kind.needs_situation)
    raise UnsupportedType(f"vraagtype '{question.type}' kan nog niet worden geëxporteerd")


def items_of(question: Question) -> tuple:
    """The options or steps the author wrote, in the file's order (steps: the right order)."""
    return question.steps if shape_of(question).interaction == "sequencing" else question.options


def correct_response(question: Question) -> list[str]:
    """The right answer as content ids: the steps in order, or the right options."""
    if shape_of(question).interaction == "sequencing":
        return list(question.correct_order)
    return [o.id for o in question.options if o.correct]


def response_ids(response) -> list[str]:
    """A saved response as a list of content ids (one id, a list of ids, or nothing)."""
    if response is None:
        return []
    if isinstance(response, str):
        return [response]
    if isinstance(response, list):
        return [r for r in response if isinstance(r, str)]
    return []


def registered_types() -> list[str]:
    """Every type name the registry knows (tests check that each has a shape)."""
    return list(QUESTION_TYPES)
