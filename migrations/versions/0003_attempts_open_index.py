"""Index attempts by learner, module and submitted_at, so finding a learner's open attempt
reads a few index entries. Without table statistics SQLite chose ix_attempts_submitted_at
for "submitted_at IS NULL" and walked every open attempt of every learner.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_attempts_user_module', table_name='attempts')
    op.create_index(
        'ix_attempts_user_module_submitted',
        'attempts',
        ['user_id', 'module_slug', 'submitted_at'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_attempts_user_module_submitted', table_name='attempts')
    op.create_index('ix_attempts_user_module', 'attempts', ['user_id', 'module_slug'], unique=False)
