"""At most one open exam per learner and module (partial unique index; older duplicates from
parallel starts are removed first), and login_failures for a login throttle that every worker
shares without Redis.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OPEN_EXAM = "submitted_at IS NULL AND kind = 'exam'"


def upgrade():
    # Keep the newest open exam of each learner and module; answers go with the others.
    op.execute(
        "DELETE FROM answers WHERE attempt_id IN (SELECT a.id FROM attempts a WHERE "
        f"a.{OPEN_EXAM.replace(' AND ', ' AND a.')} AND EXISTS (SELECT 1 FROM attempts b "
        "WHERE b.user_id = a.user_id AND b.module_slug = a.module_slug AND b.kind = 'exam' "
        "AND b.submitted_at IS NULL AND b.id > a.id))"
    )
    op.execute(
        "DELETE FROM attempts WHERE id IN (SELECT a.id FROM attempts a WHERE "
        f"a.{OPEN_EXAM.replace(' AND ', ' AND a.')} AND EXISTS (SELECT 1 FROM attempts b "
        "WHERE b.user_id = a.user_id AND b.module_slug = a.module_slug AND b.kind = 'exam' "
        "AND b.submitted_at IS NULL AND b.id > a.id))"
    )
    op.create_index(
        'uq_attempts_one_open_exam',
        'attempts',
        ['user_id', 'module_slug'],
        unique=True,
        sqlite_where=sa.text(OPEN_EXAM),
        postgresql_where=sa.text(OPEN_EXAM),
    )
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')),
    )
    op.create_index('ix_login_failures_email_at', 'login_failures', ['email', 'at'])
    op.create_index('ix_login_failures_address_at', 'login_failures', ['address', 'at'])


def downgrade():
    op.drop_index('ix_login_failures_address_at', table_name='login_failures')
    op.drop_index('ix_login_failures_email_at', table_name='login_failures')
    op.drop_table('login_failures')
    op.drop_index('uq_attempts_one_open_exam', table_name='attempts')
