"""team_leads (Teamleider) and notices (e-mails to people: module assigned, reminders).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'team_leads',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_team_leads_user_id_users'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['team_id'], ['teams.id'], name=op.f('fk_team_leads_team_id_teams'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['created_by_id'],
            ['users.id'],
            name=op.f('fk_team_leads_created_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('user_id', 'team_id', name=op.f('pk_team_leads')),
    )
    op.create_index(op.f('ix_team_leads_team_id'), 'team_leads', ['team_id'])
    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('failed_at', sa.DateTime(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('claim', sa.String(length=32), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('toegewezen', 'herinnering')", name=op.f('ck_notices_kind_known')
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['created_by_id'],
            ['users.id'],
            name=op.f('fk_notices_created_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    )
    op.create_index(
        'ix_notices_user_kind_created', 'notices', ['user_id', 'kind', 'created_at']
    )
    op.create_index('ix_notices_kind_sent_at', 'notices', ['kind', 'sent_at'])


def downgrade():
    op.drop_index('ix_notices_kind_sent_at', table_name='notices')
    op.drop_index('ix_notices_user_kind_created', table_name='notices')
    op.drop_table('notices')
    op.drop_index(op.f('ix_team_leads_team_id'), table_name='team_leads')
    op.drop_table('team_leads')
