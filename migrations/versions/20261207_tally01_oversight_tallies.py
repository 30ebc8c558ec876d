"""The compliance dashboard's counts kept as people write (DESIGN E1): per consultation its visible, answered and
accepted comments; per scope (an agency, or 0 for the ministry), Jalali period and person their visible comments;
per scope and period the people; per scope, period and delay (tenths of a day) the responses. Filled from the
comments and responses as they stand.

Revision ID: tally01
Revises: incent01
Create Date: 2026-12-07 23:40:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session


revision = 'tally01'
down_revision = 'incent01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'comment_tallies',
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('visible', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.Column('accepted', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_comment_tallies_draft_id_drafts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('draft_id', name=op.f('pk_comment_tallies')),
    )
    op.create_table(
        'participation_presence',
        sa.Column('scope', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('comments', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_participation_presence_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('scope', 'period', 'user_id', name=op.f('pk_participation_presence')),
    )
    op.create_table(
        'participation_headcounts',
        sa.Column('scope', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('scope', 'period', name=op.f('pk_participation_headcounts')),
    )
    op.create_table(
        'response_delays',
        sa.Column('scope', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('tenths', sa.Integer(), nullable=False),
        sa.Column('responses', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('scope', 'period', 'tenths', name=op.f('pk_response_delays')),
    )
    # The counts of the comments already there, by the rule the application keeps them with from now on.
    from eparticipation.oversight.tallies import rebuild

    rebuild(Session(bind=op.get_bind()))


def downgrade():
    op.drop_table('response_delays')
    op.drop_table('participation_headcounts')
    op.drop_table('participation_presence')
    op.drop_table('comment_tallies')
