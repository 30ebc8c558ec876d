"""The forward plan: the drafts each agency plans to consult on (Jalali year and quarter), comments on their
intent, their followers, and the draft each entry was written into (one each).

Revision ID: plans01
Revises: certs01
Create Date: 2026-12-05 17:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'plans01'
down_revision = 'certs01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('quarter', sa.SmallInteger(), nullable=False),
    sa.Column('title_fa', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('document_type', sa.Enum('bylaw', 'bill', 'directive', 'circular', 'board_resolution', name='plan_document_type', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('drafting_unit_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'published', 'withdrawn', name='plan_state', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=True),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('followers_told_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state <> 'withdrawn' OR withdrawn_at IS NOT NULL", name=op.f('ck_plan_entries_withdrawn_has_date')),
    sa.CheckConstraint("state = 'draft' OR published_at IS NOT NULL", name=op.f('ck_plan_entries_announced_has_date')),
    sa.CheckConstraint("title_fa <> '' OR title_en <> ''", name=op.f('ck_plan_entries_has_a_title')),
    sa.CheckConstraint('length(reason) <= 1000', name=op.f('ck_plan_entries_reason_length')),
    sa.CheckConstraint('quarter BETWEEN 1 AND 4', name=op.f('ck_plan_entries_quarter_range')),
    sa.CheckConstraint('year BETWEEN 1400 AND 1499', name=op.f('ck_plan_entries_jalali_year')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_plan_entries_agency_id_agencies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_plan_entries_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_plan_entries_draft_id_drafts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['drafting_unit_id'], ['units.id'], name=op.f('fk_plan_entries_drafting_unit_id_units'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_entries')),
    sa.UniqueConstraint('draft_id', name=op.f('uq_plan_entries_draft_id'))
    )
    with op.batch_alter_table('plan_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_entries_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index('ix_plan_entries_listing', ['state', 'year', 'quarter'], unique=False)

    op.create_table('plan_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(hidden_at IS NULL) = (hidden_reason IS NULL)', name=op.f('ck_plan_comments_hidden_with_reason')),
    sa.CheckConstraint('length(body) BETWEEN 10 AND 2000', name=op.f('ck_plan_comments_body_length')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_plan_comments_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['plan_entries.id'], name=op.f('fk_plan_comments_entry_id_plan_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_plan_comments_hidden_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_comments'))
    )
    with op.batch_alter_table('plan_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_comments_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_plan_comments_entry_id_id', ['entry_id', 'id'], unique=False)

    op.create_table('plan_follows',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['plan_entries.id'], name=op.f('fk_plan_follows_entry_id_plan_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_plan_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', 'user_id', name=op.f('pk_plan_follows'))
    )
    with op.batch_alter_table('plan_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_follows_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('plan_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_follows_user_id'))

    op.drop_table('plan_follows')
    with op.batch_alter_table('plan_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_comments_entry_id_id')
        batch_op.drop_index(batch_op.f('ix_plan_comments_author_id'))

    op.drop_table('plan_comments')
    with op.batch_alter_table('plan_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_entries_listing')
        batch_op.drop_index(batch_op.f('ix_plan_entries_agency_id'))

    op.drop_table('plan_entries')
