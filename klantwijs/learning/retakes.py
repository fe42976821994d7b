"""The retake rule: after a failed exam, Opnieuw proberen follows learning.

A new exam of a module starts once the learner has finished an Oefen je fouten round that was
started after their latest failed exam, and (with the quiz's `retake_wait_minutes`) once that
many minutes have passed since it was handed in. An exam already started is always continued;
attempts stay unlimited. Pure: the state comes from the database in one row (queries.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..core.dutch import dutch_date
from ..course.model import Quiz


@dataclass(frozen=True)
class ExamState:
    """What a learner's attempts say about one module (queries._exam_state_columns)."""

    open_exam_id: int | None = None
    open_exam_version: str | None = None
    last_exam_id: int | None = None
    last_exam_passed: bool | None = None
    last_exam_submitted_at: dt.datetime | None = None
    last_exam_version: str | None = None
    module_passed: bool = False
    practised: bool = False
    last_exam_question_ids: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row) -> ExamState:
        values = row._mapping
        return cls(
            open_exam_id=values["open_exam_id"],
            open_exam_version=values["open_exam_version"],
            last_exam_id=values["last_exam_id"],
            last_exam_passed=bool(values["last_exam_passed"]),
            last_exam_submitted_at=values["last_exam_submitted_at"],
            last_exam_version=values["last_exam_version"],
            module_passed=bool(values["module_passed"]),
            practised=bool(values["practised"]),
            last_exam_question_ids=tuple(values.get("last_exam_question_ids") or ()),
        )


@dataclass(frozen=True)
class RetakeLock:
    """Why Start de toets is not open yet: practice first, a pause, or both."""

    needs_practice: bool
    until: dt.datetime | None  # naive UTC; None: no pause left

    @property
    def message(self) -> str:
        """The Dutch sentence shown on the result page, the intro, the lesson and a refused
        start."""
        if not self.needs_practice:
            return f"Opnieuw proberen kan vanaf {dutch_date(self.until)}."
        text = (
            "Opnieuw proberen kan nadat je je fouten hebt geoefend. Kies Oefen je fouten: je "
            "krijgt de vragen die je fout had nog een keer, met uitleg."
        )
        if self.until:
            text += f" Daarna kun je de toets opnieuw maken vanaf {dutch_date(self.until)}."
        return text


def retake_lock(state: ExamState, quiz: Quiz, now: dt.datetime) -> RetakeLock | None:
    """None when Start de toets may begin (or continue) an exam, else what still stands in
    the way. A quiz file changed since the failed exam asks for no practice (its mistakes
    may be gone from the pool), only for the pause."""
    if state.open_exam_id is not None or state.last_exam_id is None or state.last_exam_passed:
        return None
    needs_practice = not state.practised and state.last_exam_version == quiz.version
    until = None
    if quiz.retake_wait_minutes and state.last_exam_submitted_at is not None:
        until = state.last_exam_submitted_at + dt.timedelta(minutes=quiz.retake_wait_minutes)
        if until <= now:
            until = None
    if not needs_practice and until is None:
        return None
    return RetakeLock(needs_practice, until)
