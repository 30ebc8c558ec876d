"""The agencies' widgets: the origins whose pages may frame each agency's widget.

Revision ID: embed01
Revises: evidence01
Create Date: 2026-12-04 22:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'embed01'
down_revision = 'evidence01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('embed_settings',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('origins', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_embed_settings_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_embed_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('agency_id', name=op.f('pk_embed_settings'))
    )


def downgrade():
    op.drop_table('embed_settings')
