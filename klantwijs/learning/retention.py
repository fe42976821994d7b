"""Herhalen for Beheer: how much people still know a month after passing.

Per module, the share of review answers that were right RETAINED_AFTER_DAYS or more after the
pass that put the question in the schedule (review_logs.days_since_pass). Voortgang shows it
per module, the CSV per person and module. Reads only; one query each, whatever the number
of people.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..core.db import db
from ..models import ReviewLog

RETAINED_AFTER_DAYS = 30


@dataclass(frozen=True)
class Retention:
    answers: int
    right: int

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.answers) if self.answers else 0

    @property
    def text(self) -> str:
        """'80% (4 van 5)': what Voortgang and the CSV show."""
        return f"{self.percent}% ({self.right} van {self.answers})"


def _late_answers(people: sa.Select | None, module_slug: str | None) -> sa.Select:
    query = sa.select(
        sa.func.count().label("answers"),
        sa.func.coalesce(sa.func.sum(sa.case((ReviewLog.correct.is_(True), 1), else_=0)), 0).label(
            "right"
        ),
    ).where(ReviewLog.days_since_pass >= RETAINED_AFTER_DAYS)
    if people is not None:
        query = query.where(ReviewLog.user_id.in_(people))
    if module_slug:
        query = query.where(ReviewLog.module_slug == module_slug)
    return query


def retention_by_module(
    people: sa.Select | None = None, module_slug: str | None = None
) -> dict[str, Retention]:
    """module slug → the retention of these people (None: everyone). One query."""
    query = _late_answers(people, module_slug).add_columns(ReviewLog.module_slug)
    return {
        slug: Retention(int(answers), int(right))
        for answers, right, slug in db.session.execute(
            query.group_by(ReviewLog.module_slug)
        ).tuples()
    }


def retention_per_person(
    people: sa.Select | None = None, module_slug: str | None = None
) -> sa.Subquery:
    """(user_id, module_slug, answers, right) per person and module, as a subquery to join
    (the CSV streams it with the cells, so it adds no query)."""
    query = _late_answers(people, module_slug).add_columns(ReviewLog.user_id, ReviewLog.module_slug)
    return query.group_by(ReviewLog.user_id, ReviewLog.module_slug).subquery("retention")
