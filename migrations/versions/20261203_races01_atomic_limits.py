"""Atomic limits: rate counters (sign-in failures per account and client address, and each participation per
person), and one comment per person per text per draft, kept by a unique index.

Before the index, texts that a person's parallel requests stored twice are settled: the first is kept, the
later copies are withdrawn (never deleted).

Revision ID: races01
Revises: roles02
Create Date: 2026-12-03 08:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'races01'
down_revision = 'roles02'
branch_labels = None
depends_on = None

NOT_WITHDRAWN = sa.text("state <> 'withdrawn'")


def upgrade():
    op.create_table('rate_counters',
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('action', 'subject', name=op.f('pk_rate_counters'))
    )
    op.execute("""
        UPDATE comments SET state = 'withdrawn', hidden_category = NULL, hidden_reason = NULL
        WHERE state <> 'withdrawn' AND EXISTS (
            SELECT 1 FROM comments AS earlier
            WHERE earlier.draft_id = comments.draft_id AND earlier.author_id = comments.author_id
              AND earlier.fingerprint = comments.fingerprint AND earlier.state <> 'withdrawn'
              AND earlier.id < comments.id)
    """)
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('uq_comments_author_fingerprint', ['draft_id', 'author_id', 'fingerprint'], unique=True,
                              sqlite_where=NOT_WITHDRAWN, postgresql_where=NOT_WITHDRAWN)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('uq_comments_author_fingerprint', sqlite_where=NOT_WITHDRAWN,
                            postgresql_where=NOT_WITHDRAWN)
    op.drop_table('rate_counters')
