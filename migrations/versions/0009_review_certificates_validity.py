"""Herhalen (review_cards, review_sessions, review_logs, review_nudges, users.review_nudges),
certificates, and assignments.valid_months for recertification.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(
            sa.Column('review_nudges', sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table('assignments') as batch_op:
        batch_op.add_column(sa.Column('valid_months', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_assignments_valid_months_known'),
            'valid_months IS NULL OR valid_months IN (6, 12, 24, 36)',
        )
    op.create_table(
        'review_cards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('module_slug', sa.String(length=64), nullable=False),
        sa.Column('question_id', sa.String(length=64), nullable=False),
        sa.Column('state', sa.Integer(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=True),
        sa.Column('stability', sa.Float(), nullable=True),
        sa.Column('difficulty', sa.Float(), nullable=True),
        sa.Column('due', sa.DateTime(), nullable=False),
        sa.Column('last_review', sa.DateTime(), nullable=True),
        sa.Column('passed_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('state IN (1, 2, 3)', name=op.f('ck_review_cards_state_known')),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_review_cards_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_cards')),
        sa.UniqueConstraint(
            'user_id', 'module_slug', 'question_id', name=op.f('uq_review_cards_user_id')
        ),
    )
    op.create_index('ix_review_cards_user_due', 'review_cards', ['user_id', 'due'])
    op.create_table(
        'review_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('seed', sa.BigInteger(), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_review_sessions_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_sessions')),
    )
    op.create_index(
        op.f('ix_review_sessions_user_id'), 'review_sessions', ['user_id'], unique=False
    )
    op.create_index(
        'uq_review_sessions_one_open',
        'review_sessions',
        ['user_id'],
        unique=True,
        sqlite_where=sa.text('finished_at IS NULL'),
        postgresql_where=sa.text('finished_at IS NULL'),
    )
    op.create_table(
        'review_logs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('module_slug', sa.String(length=64), nullable=False),
        sa.Column('question_id', sa.String(length=64), nullable=False),
        sa.Column('response', sa.JSON(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('correct', sa.Boolean(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(), nullable=False),
        sa.Column('days_since_pass', sa.Integer(), nullable=False),
        sa.CheckConstraint('rating IN (1, 2, 3, 4)', name=op.f('ck_review_logs_rating_known')),
        sa.ForeignKeyConstraint(
            ['session_id'],
            ['review_sessions.id'],
            name=op.f('fk_review_logs_session_id_review_sessions'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['card_id'],
            ['review_cards.id'],
            name=op.f('fk_review_logs_card_id_review_cards'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_review_logs_user_id_users'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_logs')),
        sa.UniqueConstraint('session_id', 'card_id', name=op.f('uq_review_logs_session_id')),
    )
    op.create_index(op.f('ix_review_logs_card_id'), 'review_logs', ['card_id'], unique=False)
    op.create_index('ix_review_logs_user_module', 'review_logs', ['user_id', 'module_slug'])
    op.create_table(
        'review_nudges',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('sent_on', sa.Date(), nullable=False),
        sa.Column('due_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'],
            ['users.id'],
            name=op.f('fk_review_nudges_user_id_users'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('user_id', 'sent_on', name=op.f('pk_review_nudges')),
    )
    op.create_table(
        'certificates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('modules', sa.JSON(), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('revoke_reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['revoked_by_id'],
            ['users.id'],
            name=op.f('fk_certificates_revoked_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
        sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    )
    op.create_index(op.f('ix_certificates_user_id'), 'certificates', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_certificates_user_id'), table_name='certificates')
    op.drop_table('certificates')
    op.drop_table('review_nudges')
    op.drop_index('ix_review_logs_user_module', table_name='review_logs')
    op.drop_index(op.f('ix_review_logs_card_id'), table_name='review_logs')
    op.drop_table('review_logs')
    op.drop_index('uq_review_sessions_one_open', table_name='review_sessions')
    op.drop_index(op.f('ix_review_sessions_user_id'), table_name='review_sessions')
    op.drop_table('review_sessions')
    op.drop_index('ix_review_cards_user_due', table_name='review_cards')
    op.drop_table('review_cards')
    with op.batch_alter_table('assignments') as batch_op:
        batch_op.drop_constraint(op.f('ck_assignments_valid_months_known'), type_='check')
        batch_op.drop_column('valid_months')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('review_nudges')
