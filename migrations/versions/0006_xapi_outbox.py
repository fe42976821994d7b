"""xapi_outbox: xAPI statements waiting for (or delivered to) the Learning Record Store.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'xapi_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('statement_id', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('verb', sa.String(length=32), nullable=False),
        sa.Column('statement', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('next_try_at', sa.DateTime(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_xapi_outbox_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_outbox')),
        sa.UniqueConstraint('statement_id', name=op.f('uq_xapi_outbox_statement_id')),
    )
    op.create_index('ix_xapi_outbox_pending', 'xapi_outbox', ['sent_at', 'next_try_at'])
    op.create_index(op.f('ix_xapi_outbox_user_id'), 'xapi_outbox', ['user_id'])


def downgrade():
    op.drop_index(op.f('ix_xapi_outbox_user_id'), table_name='xapi_outbox')
    op.drop_index('ix_xapi_outbox_pending', table_name='xapi_outbox')
    op.drop_table('xapi_outbox')
