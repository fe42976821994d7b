"""Index attempts.submitted_at, so counting handed-in attempts reads only the index.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_attempts_submitted_at', 'attempts', ['submitted_at'], unique=False)


def downgrade():
    op.drop_index('ix_attempts_submitted_at', table_name='attempts')
