"""Surveys (P3): a draft's survey, its questions, and one submission per participant.

Revision ID: b2c3surveys01
Revises: a1participation
Create Date: 2026-11-28 00:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'b2c3surveys01'
down_revision = 'a1participation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_surveys_draft_id_drafts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('draft_id', name=op.f('uq_surveys_draft_id'))
    )
    op.create_table('survey_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('single_choice', 'multiple_choice', 'scale', 'text', name='question_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_questions_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_questions'))
    )
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_questions_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_submissions_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_submissions')),
    sa.UniqueConstraint('survey_id', 'user_id', name='uq_survey_submissions_survey_id_user_id')
    )
    with op.batch_alter_table('survey_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_submissions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_submissions_user_id'))

    op.drop_table('survey_submissions')
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_questions_survey_id'))

    op.drop_table('survey_questions')
    op.drop_table('surveys')
