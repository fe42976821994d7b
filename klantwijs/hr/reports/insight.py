"""Vragen-inzicht: per question the share answered right and the wrong answer chosen most."""

from collections import Counter, defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from ...core.db import db
from ...course.model import Module, Question
from ...learning.questions import type_of
from ...models import Answer, Attempt, AttemptKind, Membership


@dataclass
class QuestionInsight:
    question: Question
    answered: int = 0
    right: int = 0
    wrong_choice: str | None = None
    wrong_count: int = 0

    @property
    def percent_right(self) -> int | None:
        return round(100 * self.right / self.answered) if self.answered else None


def question_insight(module: Module, team_id: int | None = None) -> list[QuestionInsight]:
    """Per question of a module: share right and the wrong option chosen most. One query."""
    query = (
        sa.select(Answer.question_id, Answer.response, Answer.score)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(
            Attempt.module_slug == module.slug,
            Attempt.kind == AttemptKind.EXAM.value,
            Attempt.submitted_at.is_not(None),
        )
    )
    if team_id is not None:
        query = query.where(
            Attempt.user_id.in_(sa.select(Membership.user_id).where(Membership.team_id == team_id))
        )
    insights = {q.id: QuestionInsight(q) for q in module.quiz.questions}
    wrong: dict[str, Counter] = defaultdict(Counter)
    for question_id, response, score in db.session.execute(query):
        insight = insights.get(question_id)
        if insight is None:
            continue
        insight.answered += 1
        if score is not None and score >= 0.999:
            insight.right += 1
        else:
            question = insight.question
            wrong[question_id].update(type_of(question).wrong_choices(question, response))
    for question_id, counter in wrong.items():
        if counter:
            choice, count = min(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            insights[question_id].wrong_choice = choice
            insights[question_id].wrong_count = count
    return list(insights.values())
