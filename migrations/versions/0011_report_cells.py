"""Voortgang from one table at 10,000 people (issue 19): report_cells.

Per person × module what Voortgang's totals, status filters and charts need: the Deadline
that counts (the earliest of every assignment reaching them, directly or through a team)
and the shortest validity, whether an exam was started, whether the lesson was read, and
the first and latest passed hand-in. Derived data, kept by triggers in the transaction of
the change itself, so Voortgang reads 60,000 narrow rows from one table instead of
expanding assignments × memberships and grouping every attempt on every page build.

A trigger recomputes the cells its row touches from the source tables (the rule below,
CELL), and on an existing cell writes only the columns its own table decides: attempts the
progress, lesson views the lesson, assignments and memberships the Deadline. So two
transactions touching one cell for different reasons never undo each other. On PostgreSQL
the assignment and membership triggers first take an advisory lock: two Beheer changes
that together reach a cell (a person added to a team while the team gets a module) run one
after the other, the second seeing the first. A cell that nothing reaches any more keeps
its row with an empty Deadline (not shown); a user's cells go with the user.

Also, on PostgreSQL, ix_users_sort on users (lower(name), email, id): Voortgang's order,
so a page of people is read in order from the index instead of sorting everyone.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

LOCK = 7_212_019  # PostgreSQL advisory lock: Beheer changes to who has which module

COLUMNS = "user_id, module_slug, due_date, valid_months, started, lesson_read, passed_at, last_passed_at"

# Every assignment reaching the pair p: directly, or through a team p.user_id is in.
ASSIGNED = """
    SELECT a.due_date, a.valid_months FROM assignments a
    WHERE a.user_id = p.user_id AND a.module_slug = p.module_slug
    UNION ALL
    SELECT a.due_date, a.valid_months FROM memberships m JOIN assignments a ON a.team_id = m.team_id
    WHERE m.user_id = p.user_id AND a.module_slug = p.module_slug"""

EXAMS = "FROM attempts t WHERE t.user_id = p.user_id AND t.module_slug = p.module_slug AND t.kind = 'exam'"

# The cells of the pairs (user_id, module_slug) a trigger names, from the source tables.
CELL = f"""
INSERT INTO report_cells ({COLUMNS})
SELECT p.user_id, p.module_slug,
    (SELECT MIN(x.due_date) FROM ({ASSIGNED}) x),
    (SELECT MIN(x.valid_months) FROM ({ASSIGNED}) x),
    EXISTS (SELECT 1 {EXAMS}),
    EXISTS (SELECT 1 FROM lesson_views v WHERE v.user_id = p.user_id AND v.module_slug = p.module_slug),
    (SELECT MIN(t.submitted_at) {EXAMS} AND t.passed = TRUE),
    (SELECT MAX(t.submitted_at) {EXAMS} AND t.passed = TRUE)
FROM ({{pairs}}) p JOIN users u ON u.id = p.user_id
WHERE TRUE
ON CONFLICT (user_id, module_slug) DO UPDATE SET {{update}};
"""

PROGRESS = ("started", "passed_at", "last_passed_at")
READ = ("lesson_read",)
DEADLINE = ("due_date", "valid_months")


def _cell(pairs: str, columns: tuple[str, ...]) -> str:
    update = ", ".join(f"{c} = excluded.{c}" for c in columns)
    return CELL.format(pairs=pairs, update=update)


def _one(row: str) -> str:
    return f"SELECT {row}.user_id AS user_id, {row}.module_slug AS module_slug"


def _team(row: str) -> str:
    """The pairs a membership row reaches: its person × the modules of its team."""
    return (
        f"SELECT DISTINCT {row}.user_id AS user_id, a.module_slug AS module_slug "
        f"FROM assignments a WHERE a.team_id = {row}.team_id"
    )


def _assignment(row: str) -> str:
    """The pairs an assignment row reaches: its person, or every member of its team."""
    return (
        f"SELECT {row}.user_id AS user_id, {row}.module_slug AS module_slug "
        f"WHERE {row}.user_id IS NOT NULL "
        f"UNION SELECT m.user_id, {row}.module_slug FROM memberships m "
        f"WHERE m.team_id = {row}.team_id"
    )


# The backfill: the same rule over every pair at once (ops/backup_json.py REPORT_CELLS says
# the same for a restore).
BACKFILL = f"""
INSERT INTO report_cells ({COLUMNS})
SELECT k.user_id, k.module_slug, d.due_date, d.valid_months,
       CASE WHEN s.user_id IS NULL THEN FALSE ELSE TRUE END,
       CASE WHEN v.user_id IS NULL THEN FALSE ELSE TRUE END,
       s.passed_at, s.last_passed_at
FROM (
    SELECT user_id, module_slug FROM assignments WHERE user_id IS NOT NULL
    UNION SELECT m.user_id, a.module_slug FROM memberships m JOIN assignments a ON a.team_id = m.team_id
    UNION SELECT user_id, module_slug FROM attempts WHERE kind = 'exam'
    UNION SELECT user_id, module_slug FROM lesson_views
) k
LEFT JOIN (
    SELECT x.user_id, x.module_slug, MIN(x.due_date) AS due_date, MIN(x.valid_months) AS valid_months
    FROM (
        SELECT user_id, module_slug, due_date, valid_months FROM assignments WHERE user_id IS NOT NULL
        UNION ALL
        SELECT m.user_id, a.module_slug, a.due_date, a.valid_months
        FROM memberships m JOIN assignments a ON a.team_id = m.team_id
    ) x GROUP BY x.user_id, x.module_slug
) d ON d.user_id = k.user_id AND d.module_slug = k.module_slug
LEFT JOIN (
    SELECT user_id, module_slug,
           MIN(CASE WHEN passed = TRUE THEN submitted_at END) AS passed_at,
           MAX(CASE WHEN passed = TRUE THEN submitted_at END) AS last_passed_at
    FROM attempts WHERE kind = 'exam' GROUP BY user_id, module_slug
) s ON s.user_id = k.user_id AND s.module_slug = k.module_slug
LEFT JOIN lesson_views v ON v.user_id = k.user_id AND v.module_slug = k.module_slug
"""

# PostgreSQL: a function and a trigger per source table.
PG_FUNCTIONS = {
    "attempts": f"""
IF TG_OP = 'DELETE' THEN
    IF OLD.kind = 'exam' THEN {_cell(_one("OLD"), PROGRESS)} END IF;
ELSIF NEW.kind = 'exam' THEN {_cell(_one("NEW"), PROGRESS)}
END IF;""",
    "lesson_views": f"""
IF TG_OP = 'DELETE' THEN {_cell(_one("OLD"), READ)}
ELSE {_cell(_one("NEW"), READ)}
END IF;""",
    "memberships": f"""
PERFORM pg_advisory_xact_lock({LOCK});
IF TG_OP = 'DELETE' THEN {_cell(_team("OLD"), DEADLINE)}
ELSE {_cell(_team("NEW"), DEADLINE)}
END IF;""",
    "assignments": f"""
PERFORM pg_advisory_xact_lock({LOCK});
IF TG_OP <> 'INSERT' THEN {_cell(_assignment("OLD"), DEADLINE)} END IF;
IF TG_OP <> 'DELETE' THEN {_cell(_assignment("NEW"), DEADLINE)} END IF;""",
}
PG_EVENTS = {
    "attempts": "INSERT OR DELETE OR UPDATE OF kind, passed, submitted_at",
    "lesson_views": "INSERT OR DELETE",
    "memberships": "INSERT OR DELETE",
    "assignments": "INSERT OR DELETE OR UPDATE OF user_id, team_id, module_slug, due_date, valid_months",
}

# SQLite: one writer at a time, so no lock; a trigger per table and event.
SQLITE_TRIGGERS = [
    ("attempts", "insert", "INSERT", "NEW.kind = 'exam'", [_cell(_one("NEW"), PROGRESS)]),
    (
        "attempts",
        "update",
        "UPDATE OF kind, passed, submitted_at",
        "NEW.kind = 'exam'",
        [_cell(_one("NEW"), PROGRESS)],
    ),
    ("attempts", "delete", "DELETE", "OLD.kind = 'exam'", [_cell(_one("OLD"), PROGRESS)]),
    ("lesson_views", "insert", "INSERT", None, [_cell(_one("NEW"), READ)]),
    ("lesson_views", "delete", "DELETE", None, [_cell(_one("OLD"), READ)]),
    ("memberships", "insert", "INSERT", None, [_cell(_team("NEW"), DEADLINE)]),
    ("memberships", "delete", "DELETE", None, [_cell(_team("OLD"), DEADLINE)]),
    ("assignments", "insert", "INSERT", None, [_cell(_assignment("NEW"), DEADLINE)]),
    ("assignments", "delete", "DELETE", None, [_cell(_assignment("OLD"), DEADLINE)]),
    (
        "assignments",
        "update",
        "UPDATE OF user_id, team_id, module_slug, due_date, valid_months",
        None,
        [_cell(_assignment("OLD"), DEADLINE), _cell(_assignment("NEW"), DEADLINE)],
    ),
]


def upgrade():
    op.create_table(
        "report_cells",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_slug", sa.String(length=64), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("valid_months", sa.Integer(), nullable=True),
        sa.Column("started", sa.Boolean(), nullable=False),
        sa.Column("lesson_read", sa.Boolean(), nullable=False),
        sa.Column("passed_at", sa.DateTime(), nullable=True),
        sa.Column("last_passed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_report_cells_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "module_slug", name=op.f("pk_report_cells")),
    )
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        # Voortgang's order (lower(name), email, id): a page of people read from the index.
        # Not on SQLite: its planner would then walk it for the whole CSV, 3x slower.
        op.create_index("ix_users_sort", "users", [sa.text("lower(name)"), "email", "id"])
    if op.get_bind().dialect.name == "postgresql":
        for table, body in PG_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION report_cells_{table}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN{body}\nRETURN NULL;\nEND\n$$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_report_cells AFTER {PG_EVENTS[table]} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION report_cells_{table}()"
            )
    else:
        for table, event, sql_event, when, statements in SQLITE_TRIGGERS:
            condition = f"WHEN {when} " if when else ""
            op.execute(
                f"CREATE TRIGGER {table}_report_cells_{event} AFTER {sql_event} ON {table} "
                f"{condition}BEGIN {' '.join(statements)} END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in PG_FUNCTIONS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_report_cells ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS report_cells_{table}()")
    else:
        for table, event, *_ in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_report_cells_{event}")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_users_sort", table_name="users")
    op.drop_table("report_cells")
