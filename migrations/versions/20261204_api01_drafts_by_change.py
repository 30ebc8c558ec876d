"""Open-data API: consultations paged by when they last changed (drafts.updated_at, id), for clients that keep
a copy and ask only for what moved since their last visit.

Revision ID: api01
Revises: synd01
Create Date: 2026-12-04 22:00:00
"""

from alembic import op


revision = 'api01'
down_revision = 'synd01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_drafts_updated_at_id', 'drafts', ['updated_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_drafts_updated_at_id', table_name='drafts')
