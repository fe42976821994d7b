"""Grading: pure functions from (question, response) to a score between 0 and 1.

Responses hold content ids, never the opaque values shown in the page:

- single / scenario: the chosen option id (str). 1 when it is the correct option, else 0.
- multi: a list of chosen option ids. Partial credit: (right picks − wrong picks) divided by
  the number of right options, never below 0. Two of three right options and one wrong pick
  gives (2 − 1) / 3 = 0.33; ticking every option scores 0 when there are at least as many
  wrong options as right ones (the course's rule). MULTI_RULE says this to the learner.
- ordering: the step ids in the learner's order. Partial credit for relative order: take the
  longest run of steps that already stand in the right order relative to each other (other
  steps may stand between them), then score (run length − 1) / (steps − 1). All in place
  gives 1, the exact reverse gives 0. ORDERING_RULE says this to the learner.

No answer (None) scores 0. Each type in questions.py names its grader; `questions.grade()`
scores a response by its question's type.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from ..course.model import Question

ORDERING_RULE = (
    "Zo telt deze vraag: we zoeken de langste reeks stappen die al in de goede volgorde "
    "staan (er mogen andere stappen tussen staan). Staan alle stappen goed, dan krijg je "
    "het hele punt; staat de lijst precies omgekeerd, dan 0. Daartussen krijg je een deel "
    "van het punt."
)


MULTI_RULE = (
    "Zo telt deze vraag: elk goed antwoord dat je aanvinkt, levert een deel van het punt op. "
    "Elk fout antwoord dat je aanvinkt, kost een even groot deel. Minder dan 0 kan niet. "
    "Alles aanvinken levert dus niets op."
)


def grade_single(question: Question, response: str | None) -> float:
    """One point for the one correct option (also used for scenario questions)."""
    return 1.0 if response is not None and response in question.correct_option_ids else 0.0


def grade_multi(question: Question, response: Sequence[str] | None) -> float:
    """Right picks minus wrong picks, over the number of right options, never below 0."""
    if not response:
        return 0.0
    right = question.correct_option_ids
    picked = set(response)
    hits = len(picked & right)
    misses = len(picked - right)
    return max(0.0, (hits - misses) / len(right))


def longest_ordered_run(order: Sequence[int]) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting, n log n)."""
    tails: list[int] = []
    for value in order:
        i = bisect_left(tails, value)
        if i == len(tails):
            tails.append(value)
        else:
            tails[i] = value
    return len(tails)


def grade_ordering(question: Question, response: Sequence[str] | None) -> float:
    """(Longest run in the right relative order − 1) / (steps − 1); see the module docstring."""
    correct = question.correct_order
    if not response or sorted(response) != sorted(correct):
        return 0.0
    place = {step_id: i for i, step_id in enumerate(correct)}
    run = longest_ordered_run([place[s] for s in response])
    return (run - 1) / (len(correct) - 1)


def steps_in_place(question: Question, response: Sequence[str] | None) -> list[bool]:
    """Per step of the learner's order: does it stand on its right place?"""
    correct = question.correct_order
    return [i < len(correct) and correct[i] == s for i, s in enumerate(response or ())]
