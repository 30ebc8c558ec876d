"""Publishing queues the announcement to everyone who took part; the delivery worker writes its messages.

Revision ID: announce01
Revises: subject01
Create Date: 2026-12-05 17:30:00
"""

import sqlalchemy as sa
from alembic import op



revision = 'announce01'
down_revision = 'subject01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outcome_announcements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('outcome_link', sa.String(length=2000), nullable=False),
        sa.Column('answers_link', sa.String(length=2000), nullable=False),
        sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('told', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_outcome_announcements_draft_id_drafts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_announcements')),
        sa.UniqueConstraint('draft_id', name=op.f('uq_outcome_announcements_draft_id')),
    )
    op.create_index('ix_outcome_announcements_due', 'outcome_announcements', ['queued_at', 'id'], unique=False,
                    sqlite_where=sa.text('done_at IS NULL'), postgresql_where=sa.text('done_at IS NULL'))


def downgrade():
    op.drop_index('ix_outcome_announcements_due', table_name='outcome_announcements')
    op.drop_table('outcome_announcements')
