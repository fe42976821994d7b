"""answers.tries: how often Controleer checked a practice answer (a wrong first try may try
again; the right answer is shown after the second).

Practice answers checked before this migration were final after one check: they get 1.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answers') as batch_op:
        batch_op.add_column(
            sa.Column('tries', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )
    op.execute(
        "UPDATE answers SET tries = 1 WHERE score IS NOT NULL AND attempt_id IN"
        " (SELECT id FROM attempts WHERE kind = 'practice')"
    )


def downgrade():
    with op.batch_alter_table('answers') as batch_op:
        batch_op.drop_column('tries')
