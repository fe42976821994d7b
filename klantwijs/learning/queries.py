"""The prebuilt statements of the learner's hot path, named and explained in one place.

Each is built once at import: these run on every lesson page, question page, saved answer or
hand-in, and building a statement costs more than running it on SQLite. Columns are labelled
and read by name. Figures: bench/README.md ("Before and after").
"""

import sqlalchemy as sa

from ..models import Answer, Attempt, AttemptKind, LessonView

ATTEMPTS, ANSWERS, VIEWS = Attempt.__table__, Answer.__table__, LessonView.__table__


def _exam_state_columns(user_id, slug, *, lesson: bool = False, draw: bool = False) -> list:
    """What a learner's attempts say about one module, as labelled scalar subqueries (one row,
    each an index lookup on ix_attempts_user_module_submitted):

    open_exam_id, open_exam_version: the exam being taken, if any;
    last_exam_id, last_exam_passed, last_exam_submitted_at, last_exam_version: the latest
    handed-in exam; module_passed: any exam passed (the full review opens); practised: a
    practice round started after the latest exam and finished (the retake rule);
    with lesson=True last_viewed_at, with draw=True last_exam_question_ids (the draw avoids them).
    Each subquery reads its own alias of attempts, so none is correlated to an outer query.
    """

    def of_module(table, kind):
        return (table.c.user_id == user_id) & (table.c.module_slug == slug) & (table.c.kind == kind)

    opened = ATTEMPTS.alias("open_exam")
    open_where = of_module(opened, AttemptKind.EXAM.value) & opened.c.submitted_at.is_(None)

    def open_exam(column, label):
        return sa.select(column).where(open_where).limit(1).scalar_subquery().label(label)

    last = ATTEMPTS.alias("last_exam")
    last_where = of_module(last, AttemptKind.EXAM.value) & last.c.submitted_at.is_not(None)

    def last_exam(column, label):
        return (
            sa.select(column)
            .where(last_where)
            .order_by(last.c.submitted_at.desc(), last.c.id.desc())
            .limit(1)
            .scalar_subquery()
            .label(label)
        )

    passed = ATTEMPTS.alias("passed_exam")
    practice = ATTEMPTS.alias("practice")
    last_submitted = sa.select(sa.func.max(last.c.submitted_at)).where(last_where).scalar_subquery()
    columns = [
        open_exam(opened.c.id, "open_exam_id"),
        open_exam(opened.c.content_version, "open_exam_version"),
        last_exam(last.c.id, "last_exam_id"),
        last_exam(last.c.passed, "last_exam_passed"),
        last_exam(last.c.submitted_at, "last_exam_submitted_at"),
        last_exam(last.c.content_version, "last_exam_version"),
        sa.exists()
        .where(
            of_module(passed, AttemptKind.EXAM.value),
            passed.c.submitted_at.is_not(None),
            passed.c.passed.is_(True),
        )
        .label("module_passed"),
        sa.exists()
        .where(
            of_module(practice, AttemptKind.PRACTICE.value),
            practice.c.submitted_at.is_not(None),
            practice.c.started_at >= last_submitted,
        )
        .label("practised"),
    ]
    if draw:
        columns.append(last_exam(last.c.question_ids, "last_exam_question_ids"))
    if lesson:
        columns.append(
            sa.select(VIEWS.c.last_viewed_at)
            .where(VIEWS.c.user_id == user_id, VIEWS.c.module_slug == slug)
            .scalar_subquery()
            .label("last_viewed_at")
        )
    return columns


_USER, _SLUG = sa.bindparam("user_id"), sa.bindparam("slug")

# Lesson page: the learner's state of :slug (see _exam_state_columns) and last_viewed_at, in
# one row, so the page costs one read (plus who is signed in). Bench: lesson 3 → 2 statements.
LESSON_STATE = sa.select(*_exam_state_columns(_USER, _SLUG, lesson=True))

# Quiz intro and Start de toets: the same state, and the latest exam's questions for the draw.
EXAM_STATE = sa.select(*_exam_state_columns(_USER, _SLUG, draw=True))

# Saved answers of :attempt_id as (answer_id, question_id, response, score, tries).
ANSWERS_OF = sa.select(
    ANSWERS.c.id.label("answer_id"),
    ANSWERS.c.question_id,
    ANSWERS.c.response,
    ANSWERS.c.score,
    ANSWERS.c.tries,
).where(ANSWERS.c.attempt_id == sa.bindparam("attempt_id"))

# Question page, overview, result and hand-in: the learner's own attempt (:attempt_id of
# :user_id, so nobody reads another's) with its answers, one row per answer (outer join).
# Bench: question page 3 → 2 statements.
ATTEMPT_WITH_ANSWERS = (
    sa.select(Attempt, *ANSWERS_OF.selected_columns)
    .outerjoin(ANSWERS, ANSWERS.c.attempt_id == Attempt.id)
    .where(Attempt.id == sa.bindparam("attempt_id"), Attempt.user_id == sa.bindparam("user_id"))
)

# Result page: the same, with the learner's state of the attempt's module (see
# _exam_state_columns; the slug is read from the attempt), for the reveal and retake rules.
_TARGET = ATTEMPTS.alias("target")
RESULT_WITH_STATE = ATTEMPT_WITH_ANSWERS.add_columns(
    *_exam_state_columns(
        _USER,
        sa.select(_TARGET.c.module_slug)
        .where(_TARGET.c.id == sa.bindparam("attempt_id"))
        .scalar_subquery(),
    )
)

_IS_OPEN = (ATTEMPTS.c.id == sa.bindparam("attempt_id")) & ATTEMPTS.c.submitted_at.is_(None)

# A row lock on an open attempt: an UPDATE that changes nothing (max_score = max_score), so a
# save waits for a hand-in in progress and then sees it. rowcount 0: already handed in.
# On SQLite it takes the database's write lock, which serialises the same way.
LOCK_OPEN_ATTEMPT = sa.update(ATTEMPTS).where(_IS_OPEN).values(max_score=ATTEMPTS.c.max_score)

# Hand-in claims first: the same lock on :attempt_id, only for its owner :owner_id and only an
# exam. The answers read after it are exactly the ones graded: a save still running finishes
# first, a later one waits and is refused.
CLAIM_OWN_OPEN_EXAM = (
    sa.update(ATTEMPTS)
    .where(
        _IS_OPEN,
        ATTEMPTS.c.user_id == sa.bindparam("owner_id"),
        ATTEMPTS.c.kind == AttemptKind.EXAM.value,
    )
    .values(max_score=ATTEMPTS.c.max_score)
)

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

# Answers a learner may still change: unchecked ones (tries 0; in an exam, every answer) and a
# practice answer whose first check was not right (tries 1, score below 1).
_CHANGEABLE = (
    "(answers.tries = 0 AND answers.score IS NULL) OR (answers.tries = 1 AND answers.score < 1)"
)

# Save an answer: the same SQL on SQLite and PostgreSQL. Written as text because SQLAlchemy
# never caches the compiled form of its dialect inserts with ON CONFLICT (inherit_cache =
# False): built with them, every saved answer was compiled anew. A checked practice answer
# keeps its score and tries (only its response moves, for Omhoog/Omlaag before a second try).
UPSERT_ANSWER = sa.text(
    "INSERT INTO answers (attempt_id, question_id, response, tries, updated_at)"
    " VALUES (:attempt_id, :question_id, :response, 0, :updated_at)"
    " ON CONFLICT (attempt_id, question_id) DO UPDATE SET response = excluded.response,"
    f" updated_at = excluded.updated_at WHERE {_CHANGEABLE}"
).bindparams(
    sa.bindparam("response", type_=ANSWERS.c.response.type),
    sa.bindparam("updated_at", type_=ANSWERS.c.updated_at.type),
)

# Practice (Controleer): store the response with its score and count the try; a final answer
# (right, or tried twice) is never changed.
CHECK_ANSWER = sa.text(
    "INSERT INTO answers (attempt_id, question_id, response, score, tries, updated_at)"
    " VALUES (:attempt_id, :question_id, :response, :score, 1, :updated_at)"
    " ON CONFLICT (attempt_id, question_id) DO UPDATE SET response = excluded.response,"
    " score = excluded.score, tries = answers.tries + 1, updated_at = excluded.updated_at"
    f" WHERE {_CHANGEABLE}"
).bindparams(
    sa.bindparam("response", type_=ANSWERS.c.response.type),
    sa.bindparam("score", type_=ANSWERS.c.score.type),
    sa.bindparam("updated_at", type_=ANSWERS.c.updated_at.type),
)

# Clear an unchecked answer (the learner removed it).
DELETE_UNCHECKED_ANSWER = sa.delete(ANSWERS).where(
    ANSWERS.c.attempt_id == sa.bindparam("attempt_id"),
    ANSWERS.c.question_id == sa.bindparam("question_id"),
    ANSWERS.c.tries == 0,
    ANSWERS.c.score.is_(None),
)
