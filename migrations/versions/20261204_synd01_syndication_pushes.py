"""Syndication: the pushes to the national e-participation system, one per consultation transition, sent by
the delivery worker in order per consultation (a transactional outbox of its own: its recipient is no person).

Revision ID: synd01
Revises: subs01
Create Date: 2026-12-04 22:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'synd01'
down_revision = 'subs01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('syndication_pushes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('workflow_event_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'dead', name='push_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_syndication_pushes_attempts_not_negative')),
    sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name=op.f('ck_syndication_pushes_sent_iff_sent_at')),
    sa.CheckConstraint("(status = 'sending') = (lease_until IS NOT NULL AND claimed_by IS NOT NULL)", name=op.f('ck_syndication_pushes_lease_iff_sending')),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_syndication_pushes_draft_id_drafts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workflow_event_id'], ['workflow_events.id'], name=op.f('fk_syndication_pushes_workflow_event_id_workflow_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_syndication_pushes')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_syndication_pushes_idempotency_key')),
    sa.UniqueConstraint('workflow_event_id', name=op.f('uq_syndication_pushes_workflow_event_id'))
    )
    with op.batch_alter_table('syndication_pushes', schema=None) as batch_op:
        batch_op.create_index('ix_syndication_pushes_draft_id_id', ['draft_id', 'id'], unique=False)
        batch_op.create_index('ix_syndication_pushes_due', ['next_attempt_at', 'id'], unique=False,
                              sqlite_where=sa.text("status = 'pending'"),
                              postgresql_where=sa.text("status = 'pending'"))
        batch_op.create_index('ix_syndication_pushes_status', ['status'], unique=False)


def downgrade():
    op.drop_table('syndication_pushes')
