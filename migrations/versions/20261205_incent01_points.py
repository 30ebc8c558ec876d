"""Points (DESIGN I1, I3): the append-only ledger (the database refuses UPDATE and DELETE on it), each person's
totals per period and scope, the opt-in to the public leaderboards, badges and the agencies' thank-you lists.

Revision ID: incent01
Revises: subject02
Create Date: 2026-12-05 17:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'incent01'
down_revision = 'subject02'
branch_labels = None
depends_on = None

REFUSAL = "the points ledger is append-only"
ACTS = "act IN ('comment', 'article_comment', 'vote', 'survey', 'rating', 'acceptance')"
REASONS = ("reason IN ('earned', 'accepted', 'partially_accepted', 'hidden', 'withdrawn', 'restored', 'campaign', "
           "'staff', 'cap', 'corrected')")
BADGES = "badge IN ('first_comment', 'five_consultations', 'first_accepted', 'province_pioneer')"


def upgrade():
    op.create_table(
        'points_ledger',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=True),
        sa.Column('act', sa.String(length=24), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('basis', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=24), nullable=False),
        sa.Column('act_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(ACTS, name=op.f('ck_points_ledger_act_known')),
        sa.CheckConstraint(REASONS, name=op.f('ck_points_ledger_reason_known')),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_points_ledger_agency_id_agencies'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_points_ledger_draft_id_drafts'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_points_ledger_user_id_users'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_points_ledger')),
    )
    op.create_index('ix_points_ledger_user_id_id', 'points_ledger', ['user_id', 'id'])
    op.create_index('ix_points_ledger_user_id_draft_id', 'points_ledger', ['user_id', 'draft_id'])
    op.create_index('ix_points_ledger_agency_id_user_id', 'points_ledger', ['agency_id', 'user_id'])
    op.create_table(
        'points_totals',
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('scope', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_points_totals_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('period', 'scope', 'user_id', name=op.f('pk_points_totals')),
    )
    op.create_index('ix_points_totals_board', 'points_totals', ['period', 'scope', 'points', 'user_id'])
    op.create_index('ix_points_totals_user_id', 'points_totals', ['user_id'])
    op.create_table(
        'points_public',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('public_name', sa.String(length=60), nullable=False),
        sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(trim(public_name)) > 0', name=op.f('ck_points_public_public_name_given')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_points_public_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_points_public')),
    )
    op.create_table(
        'points_badges',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('badge', sa.String(length=24), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=True),
        sa.Column('earned_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(BADGES, name=op.f('ck_points_badges_badge_known')),
        sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_points_badges_draft_id_drafts'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_points_badges_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'badge', name=op.f('pk_points_badges')),
    )
    op.create_table(
        'thank_you_lists',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=8), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_thank_you_lists_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'],
                                name=op.f('fk_thank_you_lists_published_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_thank_you_lists')),
        sa.UniqueConstraint('agency_id', 'period', name='uq_thank_you_lists_agency_id_period'),
    )
    op.create_table(
        'thank_you_names',
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['list_id'], ['thank_you_lists.id'],
                                name=op.f('fk_thank_you_names_list_id_thank_you_lists'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_thank_you_names_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('list_id', 'user_id', name=op.f('pk_thank_you_names')),
    )
    # Append-only, as the audit log: a reversal is an entry of its own, never an edit.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION points_ledger_refuse_change() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$ LANGUAGE plpgsql
        """)
        op.execute("""CREATE TRIGGER points_ledger_append_only BEFORE UPDATE OR DELETE ON points_ledger
                      FOR EACH ROW EXECUTE FUNCTION points_ledger_refuse_change()""")
        op.execute("""CREATE TRIGGER points_ledger_no_truncate BEFORE TRUNCATE ON points_ledger
                      FOR EACH STATEMENT EXECUTE FUNCTION points_ledger_refuse_change()""")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER points_ledger_no_{event.lower()} BEFORE {event} ON points_ledger
                           BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""")


def downgrade():
    op.drop_table('thank_you_names')
    op.drop_table('thank_you_lists')
    op.drop_table('points_badges')
    op.drop_table('points_public')
    op.drop_table('points_totals')
    op.drop_table('points_ledger')  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS points_ledger_refuse_change()")
