"""The agency's public answers to the comments of its services' ratings.

Revision ID: servans01
Revises: plans01
Create Date: 2026-12-05 17:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'servans01'
down_revision = 'plans01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('accepted', 'partially_accepted', 'rejected', 'noted')", name=op.f('ck_service_answers_decision_known')),
    sa.CheckConstraint('length(trim(reason)) > 0 AND length(reason) <= 3000', name=op.f('ck_service_answers_reason_given')),
    sa.CheckConstraint('revision > 0', name=op.f('ck_service_answers_revision_positive')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_service_answers_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rating_id'], ['service_ratings.id'], name=op.f('fk_service_answers_rating_id_service_ratings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_answers')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_service_answers_rating_id'))
    )


def downgrade():
    op.drop_table('service_answers')
