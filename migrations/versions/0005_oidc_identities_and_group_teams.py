"""OpenID Connect single sign-on: the (issuer, sub) link of an account, and directory groups
mapped to teams.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'oidc_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(length=255), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_login_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_oidc_identities_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_identities')),
        sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_oidc_identities_issuer')),
        sa.UniqueConstraint('user_id', 'issuer', name=op.f('uq_oidc_identities_user_id')),
    )
    op.create_table(
        'group_teams',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_name', sa.String(length=255), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['team_id'],
            ['teams.id'],
            name=op.f('fk_group_teams_team_id_teams'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_group_teams')),
        sa.UniqueConstraint('group_name', 'team_id', name=op.f('uq_group_teams_group_name')),
    )
    op.create_index(op.f('ix_group_teams_team_id'), 'group_teams', ['team_id'])


def downgrade():
    op.drop_index(op.f('ix_group_teams_team_id'), table_name='group_teams')
    op.drop_table('group_teams')
    op.drop_table('oidc_identities')
