"""The prebuilt statements of the learner's hot path, named and explained in one place.

Each is built once at import: these run on every lesson page, question page, saved answer or
hand-in, and building a statement costs more than running it on SQLite. Columns are labelled
and read by name. Figures: bench/README.md ("Before and after").
"""

import sqlalchemy as sa

from ..models import Answer, Attempt, AttemptKind, LessonView

ATTEMPTS, ANSWERS, VIEWS = Attempt.__table__, Answer.__table__, LessonView.__table__

# Lesson page: (open_exam_id, last_viewed_at) for :user_id and :slug in one row, so the page
# costs one read (plus who is signed in). Index: ix_attempts_user_module_submitted and the
# lesson_views unique key. Bench: lesson 3 → 2 statements.
OPEN_EXAM_AND_LAST_VIEW = sa.select(
    sa.select(ATTEMPTS.c.id)
    .where(
        ATTEMPTS.c.user_id == sa.bindparam("user_id"),
        ATTEMPTS.c.module_slug == sa.bindparam("slug"),
        ATTEMPTS.c.kind == AttemptKind.EXAM.value,
        ATTEMPTS.c.submitted_at.is_(None),
    )
    .limit(1)
    .scalar_subquery()
    .label("open_exam_id"),
    sa.select(VIEWS.c.last_viewed_at)
    .where(VIEWS.c.user_id == sa.bindparam("user_id"), VIEWS.c.module_slug == sa.bindparam("slug"))
    .scalar_subquery()
    .label("last_viewed_at"),
)

# Saved answers of :attempt_id as (answer_id, question_id, response, score).
ANSWERS_OF = sa.select(
    ANSWERS.c.id.label("answer_id"),
    ANSWERS.c.question_id,
    ANSWERS.c.response,
    ANSWERS.c.score,
).where(ANSWERS.c.attempt_id == sa.bindparam("attempt_id"))

# Question page, overview, result and hand-in: the learner's own attempt (:attempt_id of
# :user_id, so nobody reads another's) with its answers, one row per answer (outer join).
# Bench: question page 3 → 2 statements.
ATTEMPT_WITH_ANSWERS = (
    sa.select(Attempt, *ANSWERS_OF.selected_columns)
    .outerjoin(ANSWERS, ANSWERS.c.attempt_id == Attempt.id)
    .where(Attempt.id == sa.bindparam("attempt_id"), Attempt.user_id == sa.bindparam("user_id"))
)

_IS_OPEN = (ATTEMPTS.c.id == sa.bindparam("attempt_id")) & ATTEMPTS.c.submitted_at.is_(None)

# A row lock on an open attempt: an UPDATE that changes nothing (max_score = max_score), so a
# save waits for a hand-in in progress and then sees it. rowcount 0: already handed in.
LOCK_OPEN_ATTEMPT = sa.update(ATTEMPTS).where(_IS_OPEN).values(max_score=ATTEMPTS.c.max_score)

# Hand-in: close and grade :attempt_id only while it is open; rowcount 0 means another
# request handed it in first, so it grades once.
GRADE_OPEN_ATTEMPT = (
    sa.update(ATTEMPTS)
    .where(_IS_OPEN)
    .values(
        submitted_at=sa.bindparam("submitted_at"),
        score=sa.bindparam("score"),
        max_score=sa.bindparam("max_score"),
        passed=sa.bindparam("passed"),
    )
)

# Hand-in: one executemany of (answer_id, score).
SCORE_ANSWER = (
    sa.update(ANSWERS)
    .where(ANSWERS.c.id == sa.bindparam("answer_id"))
    .values(score=sa.bindparam("score"))
)

# Save an answer: the same SQL on SQLite and PostgreSQL. Written as text because SQLAlchemy
# never caches the compiled form of its dialect inserts with ON CONFLICT (inherit_cache =
# False): built with them, every saved answer was compiled anew. A checked practice answer
# (one with a score) is never overwritten.
UPSERT_ANSWER = sa.text(
    "INSERT INTO answers (attempt_id, question_id, response, score, updated_at)"
    " VALUES (:attempt_id, :question_id, :response, :score, :updated_at)"
    " ON CONFLICT (attempt_id, question_id) DO UPDATE SET response = excluded.response,"
    " score = excluded.score, updated_at = excluded.updated_at WHERE answers.score IS NULL"
).bindparams(
    sa.bindparam("response", type_=ANSWERS.c.response.type),
    sa.bindparam("score", type_=ANSWERS.c.score.type),
    sa.bindparam("updated_at", type_=ANSWERS.c.updated_at.type),
)

# Clear an unchecked answer (the learner removed it).
DELETE_UNCHECKED_ANSWER = sa.delete(ANSWERS).where(
    ANSWERS.c.attempt_id == sa.bindparam("attempt_id"),
    ANSWERS.c.question_id == sa.bindparam("question_id"),
    ANSWERS.c.score.is_(None),
)
