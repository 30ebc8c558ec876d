"""Server-side sessions: a signed-in browser is a row, found by the hash of the token its cookie carries, and
deleting the row ends it. The cookies of before (signed, not encrypted) no longer read: everyone signs in again.

Revision ID: sessions01
Revises: mfa01
Create Date: 2026-12-03 18:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'sessions01'
down_revision = 'mfa01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device', sa.String(length=120), nullable=False),
    sa.CheckConstraint('last_seen_at >= created_at', name=op.f('ck_account_sessions_seen_after_created')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_sessions_token_hash'))
    )
    with op.batch_alter_table('account_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('account_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_sessions_user_id'))

    op.drop_table('account_sessions')