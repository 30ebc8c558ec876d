"""comments.by_agency_staff: a comment written by an editor or coordinator of the draft's own agency (on a site
that lets them take part), shown as such and counted as a government employee's.

Revision ID: roles01
Revises: h8delivery01
Create Date: 2026-12-03 08:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'roles01'
down_revision = 'h8delivery01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('by_agency_staff', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('by_agency_staff')
