"""Evidence that participation changed the text: which articles of the final text each accepted response changed.

Revision ID: evidence01
Revises: passwords01
Create Date: 2026-12-04 22:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'evidence01'
down_revision = 'passwords01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('response_changes',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_response_changes_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_response_changes_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'article_id', name=op.f('pk_response_changes'))
    )
    with op.batch_alter_table('response_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_changes_article_id'), ['article_id'], unique=False)


def downgrade():
    with op.batch_alter_table('response_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_changes_article_id'))
    op.drop_table('response_changes')
