"""Responses to comments (R1, R2): a response covers comments; its revisions are all kept.

Revision ID: e5responses01
Revises: d4audit0001
Create Date: 2026-11-28 03:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'e5responses01'
down_revision = 'd4audit0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_responses_created_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_responses_draft_id_drafts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses'))
    )
    op.create_index(op.f('ix_responses_draft_id'), 'responses', ['draft_id'], unique=False)
    op.create_table('response_comments',
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_response_comments_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_response_comments_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_response_comments'))
    )
    op.create_index(op.f('ix_response_comments_response_id'), 'response_comments', ['response_id'], unique=False)
    op.create_table('response_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('accepted', 'partially_accepted', 'rejected', 'noted', name='decision', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('legal_basis_law', sa.String(length=300), nullable=True),
    sa.Column('legal_basis_article', sa.String(length=100), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('number > 0', name=op.f('ck_response_revisions_number_positive')),
    sa.CheckConstraint('length(trim(reason)) > 0', name=op.f('ck_response_revisions_reason_given')),
    sa.CheckConstraint("decision NOT IN ('rejected', 'partially_accepted') OR (length(trim(legal_basis_law)) > 0 AND length(trim(legal_basis_article)) > 0)", name=op.f('ck_response_revisions_refusal_has_legal_basis')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_response_revisions_author_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_response_revisions_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_revisions')),
    sa.UniqueConstraint('response_id', 'number', name='uq_response_revisions_response_id_number')
    )


def downgrade():
    op.drop_table('response_revisions')
    op.drop_index(op.f('ix_response_comments_response_id'), table_name='response_comments')
    op.drop_table('response_comments')
    op.drop_index(op.f('ix_responses_draft_id'), table_name='responses')
    op.drop_table('responses')
