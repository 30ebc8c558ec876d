"""Participation: comments with revisions, supports, reports and moderation acts; votes.

Revision ID: a1participation
Revises: ee4ac3dae3c0
Create Date: 2026-11-28 00:24:00.937231
"""

from alembic import op
import sqlalchemy as sa


revision = 'a1participation'
down_revision = 'ee4ac3dae3c0'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.Enum('support', 'oppose', 'abstain', name='vote_choice', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_votes_draft_id_drafts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('draft_id', 'user_id', name='uq_votes_draft_id_user_id')
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votes_user_id'), ['user_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('organisation_name', sa.String(length=200), nullable=True),
    sa.Column('organisation_kind', sa.Enum('ngo', 'company', 'university', 'other', name='organisation_kind', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('stakeholder_category', sa.Enum('individual', 'academic', 'ngo', 'private_sector', 'government', 'other', name='comment_stakeholder_category', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('state', sa.Enum('visible', 'hidden', 'withdrawn', name='comment_state', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('hidden_category', sa.Enum('abuse', 'personal_data', 'spam', 'off_topic', 'illegal', name='hiding_reason', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('support_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(state = 'hidden') = (hidden_reason IS NOT NULL AND hidden_category IS NOT NULL)", name=op.f('ck_comments_hidden_has_reason')),
    sa.CheckConstraint('support_count >= 0', name=op.f('ck_comments_support_count_not_negative')),
    sa.ForeignKeyConstraint(['article_id'], ['consulted_articles.id'], name=op.f('fk_comments_article_id_consulted_articles'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_comments_draft_id_drafts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_article_id'), ['article_id'], unique=False)
        batch_op.create_index('ix_comments_author_created_at', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_draft_fingerprint', ['draft_id', 'fingerprint'], unique=False)
        batch_op.create_index('ix_comments_draft_listing', ['draft_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_comments_draft_supported', ['draft_id', 'support_count', 'id'], unique=False)

    op.create_table('comment_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_reports_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_comment_reports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_reports')),
    sa.UniqueConstraint('comment_id', 'user_id', name='uq_comment_reports_comment_id_user_id')
    )
    with op.batch_alter_table('comment_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_reports_user_id'), ['user_id'], unique=False)

    op.create_table('comment_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_revisions_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_revisions'))
    )
    with op.batch_alter_table('comment_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_revisions_comment_id'), ['comment_id'], unique=False)

    op.create_table('comment_supports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('supported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_supports_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_comment_supports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_supports')),
    sa.UniqueConstraint('comment_id', 'user_id', name='uq_comment_supports_comment_id_user_id')
    )
    with op.batch_alter_table('comment_supports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_supports_user_id'), ['user_id'], unique=False)

    op.create_table('moderation_acts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('category', sa.Enum('abuse', 'personal_data', 'spam', 'off_topic', 'illegal', name='act_hiding_reason', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_moderation_acts_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_moderation_acts_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_acts'))
    )
    with op.batch_alter_table('moderation_acts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_acts_comment_id'), ['comment_id'], unique=False)




def downgrade():
    
    with op.batch_alter_table('moderation_acts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_acts_comment_id'))

    op.drop_table('moderation_acts')
    with op.batch_alter_table('comment_supports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_supports_user_id'))

    op.drop_table('comment_supports')
    with op.batch_alter_table('comment_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_revisions_comment_id'))

    op.drop_table('comment_revisions')
    with op.batch_alter_table('comment_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_reports_user_id'))

    op.drop_table('comment_reports')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_draft_supported')
        batch_op.drop_index('ix_comments_draft_listing')
        batch_op.drop_index('ix_comments_draft_fingerprint')
        batch_op.drop_index('ix_comments_author_created_at')
        batch_op.drop_index(batch_op.f('ix_comments_article_id'))

    op.drop_table('comments')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_votes_user_id'))

    op.drop_table('votes')

