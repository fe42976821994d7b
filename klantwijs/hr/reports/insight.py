"""Vragen-inzicht: per question the share answered right and the wrong answer chosen most.

Answers never come into Python: the database hands over one row per question and distinct
response given, with how often it was handed in and how often with full marks. For everyone
those rows are question_tallies, kept by triggers at hand-in (models.QuestionTally, migration
0010): a few hundred rows, however many answers there are. For some teams they are counted
from the members' answers with the same rule (handed-in exams, scored answers), grouped in
SQL. The question type then turns each distinct wrong response into the wrong choices it
holds, weighted by its count (learning/questions.py: wrong_choices, wrong_summary).
"""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from ...core.db import db
from ...course.model import Module, Question
from ...learning.questions import WrongPick, type_of
from ...models import Answer, Attempt, AttemptKind, Membership, QuestionTally

RIGHT = 0.999  # a score counts as right from here (the triggers in migration 0010 agree)


@dataclass
class QuestionInsight:
    question: Question
    answered: int = 0
    right: int = 0
    # The wrong answer given most (per step for ordering), from the question type's
    # wrong_summary; empty when nobody answered wrong.
    wrong: list[WrongPick] = field(default_factory=list)

    @property
    def percent_right(self) -> int | None:
        return round(100 * self.right / self.answered) if self.answered else None


def _everyone(module: Module) -> sa.Select:
    return sa.select(
        QuestionTally.question_id,
        QuestionTally.response,
        QuestionTally.answered,
        QuestionTally.correct,
    ).where(QuestionTally.module_slug == module.slug)


def _grouped(module: Module, people: sa.Select | None) -> sa.Select:
    """Per question and distinct response: answered, right; grouped in the database (the
    rule of the tallies: migration 0010)."""
    response = sa.cast(Answer.response, sa.Text)
    query = (
        sa.select(
            Answer.question_id,
            response,
            sa.func.count(),
            sa.func.sum(sa.case((Answer.score >= RIGHT, 1), else_=0)),
        )
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(
            Attempt.module_slug == module.slug,
            Attempt.kind == AttemptKind.EXAM.value,
            Attempt.submitted_at.is_not(None),
            Answer.score.is_not(None),
        )
        .group_by(Answer.question_id, response)
    )
    return query if people is None else query.where(Attempt.user_id.in_(people))


def members(team_id: int | None, team_ids: list[int] | None) -> sa.Select:
    """The people in team `team_id` (when given) and in one of `team_ids` (when given)."""
    people = sa.select(Membership.user_id)
    if team_id is not None:
        people = people.where(Membership.team_id == team_id)
    if team_ids is not None:
        within = sa.select(Membership.user_id).where(Membership.team_id.in_(team_ids))
        people = people.where(Membership.user_id.in_(within)) if team_id is not None else within
    return people


def question_insight(
    module: Module, team_id: int | None = None, team_ids: list[int] | None = None
) -> list[QuestionInsight]:
    """Per question of a module: share right and the wrong option chosen most. One query.
    `team_id`: one team; `team_ids`: only people in these teams (None: everyone)."""
    if team_id is None and team_ids is None:
        query = _everyone(module)
    else:
        query = _grouped(module, members(team_id, team_ids))
    insights = {q.id: QuestionInsight(q) for q in module.quiz.questions}
    wrong: dict[str, Counter] = defaultdict(Counter)
    for question_id, response_text, answered, right in db.session.execute(query).tuples():
        insight = insights.get(question_id)
        if insight is None:
            continue
        right = int(right or 0)
        insight.answered += answered
        insight.right += right
        if answered > right:
            try:
                response = json.loads(response_text)
            except (TypeError, ValueError):
                continue
            question = insight.question
            for choice in type_of(question).wrong_choices(question, response):
                wrong[question_id][choice] += answered - right
    for question_id, counter in wrong.items():
        question = insights[question_id].question
        insights[question_id].wrong = type_of(question).wrong_summary(question, counter)
    return list(insights.values())
