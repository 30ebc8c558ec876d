"""drafts.participation_version: a counter every comment, edit, withdrawal, support, hiding, restoring and
vote moves, so that a cached draft page knows when it is out of date, in every application process.

Revision ID: d4perf0001
Revises: d4messaging01
Create Date: 2026-11-28 03:35:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = 'd4perf0001'
down_revision = 'd4messaging01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('drafts') as batch_op:
        batch_op.add_column(sa.Column('participation_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('drafts') as batch_op:
        batch_op.drop_column('participation_version')
