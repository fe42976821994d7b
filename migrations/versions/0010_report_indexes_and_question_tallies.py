"""Voortgang and Vragen-inzicht at 10,000 people (issue 19).

- ix_attempts_exam_progress: (user_id, module_slug, passed, submitted_at) of exam attempts
  only, so Voortgang's per person × module state (started, latest pass) and its totals are
  read from the index alone.
- question_tallies: Vragen-inzicht's counts for everyone, per module, question and response
  given: how many handed-in answers and how many with full marks. Kept by triggers on
  answers, in the hand-in's own transaction: an answer counts once, when it gets its score
  while its attempt is a handed-in exam (hand-in), or when it is inserted scored into a
  handed-in exam (a restore, an import of old data). The existing answers are counted here.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The one counting rule, for the backfill (the triggers below say the same per row).
BACKFILL = """
INSERT INTO question_tallies (module_slug, question_id, response, answered, correct)
SELECT t.module_slug, a.question_id, CAST(a.response AS TEXT), COUNT(*),
       SUM(CASE WHEN a.score >= 0.999 THEN 1 ELSE 0 END)
FROM answers a JOIN attempts t ON t.id = a.attempt_id
WHERE t.kind = 'exam' AND t.submitted_at IS NOT NULL AND a.score IS NOT NULL
GROUP BY t.module_slug, a.question_id, CAST(a.response AS TEXT)
"""

PG_FUNCTION = """
CREATE FUNCTION question_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    slug varchar(64);
BEGIN
    IF NEW.score IS NULL OR (TG_OP = 'UPDATE' AND OLD.score IS NOT NULL) THEN
        RETURN NULL;
    END IF;
    SELECT module_slug INTO slug FROM attempts
    WHERE id = NEW.attempt_id AND kind = 'exam' AND submitted_at IS NOT NULL;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO question_tallies AS t (module_slug, question_id, response, answered, correct)
    VALUES (slug, NEW.question_id, NEW.response::text, 1,
            CASE WHEN NEW.score >= 0.999 THEN 1 ELSE 0 END)
    ON CONFLICT (module_slug, question_id, response) DO UPDATE
    SET answered = t.answered + 1, correct = t.correct + EXCLUDED.correct;
    RETURN NULL;
END
$$
"""

PG_TRIGGER = """
CREATE TRIGGER answers_question_tally AFTER INSERT OR UPDATE OF score ON answers
FOR EACH ROW EXECUTE FUNCTION question_tally()
"""


def _sqlite_trigger(name: str, event: str, when: str) -> str:
    return f"""
CREATE TRIGGER {name} AFTER {event} ON answers
WHEN {when}
BEGIN
    INSERT INTO question_tallies (module_slug, question_id, response, answered, correct)
    SELECT module_slug, NEW.question_id, CAST(NEW.response AS TEXT), 1,
           CASE WHEN NEW.score >= 0.999 THEN 1 ELSE 0 END
    FROM attempts
    WHERE id = NEW.attempt_id AND kind = 'exam' AND submitted_at IS NOT NULL
    ON CONFLICT (module_slug, question_id, response) DO UPDATE
    SET answered = answered + 1, correct = correct + excluded.correct;
END
"""


SQLITE_TRIGGERS = [
    _sqlite_trigger("answers_question_tally_insert", "INSERT", "NEW.score IS NOT NULL"),
    _sqlite_trigger(
        "answers_question_tally_update",
        "UPDATE OF score",
        "OLD.score IS NULL AND NEW.score IS NOT NULL",
    ),
]


def upgrade():
    op.create_index(
        "ix_attempts_exam_progress",
        "attempts",
        ["user_id", "module_slug", "passed", "submitted_at"],
        unique=False,
        sqlite_where=sa.text("kind = 'exam'"),
        postgresql_where=sa.text("kind = 'exam'"),
    )
    op.create_table(
        "question_tallies",
        sa.Column("module_slug", sa.String(length=64), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "module_slug", "question_id", "response", name=op.f("pk_question_tallies")
        ),
    )
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS answers_question_tally ON answers")
        op.execute("DROP FUNCTION IF EXISTS question_tally()")
    else:
        op.execute("DROP TRIGGER IF EXISTS answers_question_tally_insert")
        op.execute("DROP TRIGGER IF EXISTS answers_question_tally_update")
    op.drop_table("question_tallies")
    op.drop_index("ix_attempts_exam_progress", table_name="attempts")
