"""Service feedback (P4): an agency's services and processes, and citizens' monthly ratings of them.

Revision ID: c3d4feedback01
Revises: b2c3surveys01
Create Date: 2026-11-28 00:25:54.039071
"""

from alembic import op
import sqlalchemy as sa


revision = 'c3d4feedback01'
down_revision = 'b2c3surveys01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('name_fa', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('description_fa', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_services_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_services_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    sa.UniqueConstraint('agency_id', 'name_en', name='uq_services_agency_id_name_en'),
    sa.UniqueConstraint('agency_id', 'name_fa', name='uq_services_agency_id_name_fa')
    )
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_services_agency_id'), ['agency_id'], unique=False)

    op.create_table('service_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('comment IS NULL OR length(comment) <= 2000', name=op.f('ck_service_ratings_comment_length')),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_service_ratings_score_range')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_ratings_service_id_services'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_service_ratings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_ratings')),
    sa.UniqueConstraint('service_id', 'user_id', 'period', name='uq_service_ratings_service_id_user_id_period')
    )
    with op.batch_alter_table('service_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_ratings_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('service_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_ratings_user_id'))

    op.drop_table('service_ratings')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_services_agency_id'))

    op.drop_table('services')
