"""Report statistics: two indexes on comments that the report's aggregates read instead of the table.

The comments' table holds their text and is six to nine times larger than each of these indexes; the report
counts a draft's comments several ways (by author and article, by text and author), and PostgreSQL answers
each from an index alone (an index-only scan), in the order the grouping needs.

Revision ID: f6stats0001
Revises: g7reports01
Create Date: 2026-11-28 03:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'f6stats0001'
down_revision = 'g7reports01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_comments_report_people', 'comments', ['draft_id', 'state', 'author_id', 'article_id'],
                    unique=False, postgresql_include=['stakeholder_category', 'id'])
    op.create_index('ix_comments_report_campaigns', 'comments', ['draft_id', 'fingerprint', 'author_id'],
                    unique=False, postgresql_where=sa.text("state = 'visible'"),
                    sqlite_where=sa.text("state = 'visible'"))


def downgrade():
    op.drop_index('ix_comments_report_campaigns', table_name='comments',
                  postgresql_where=sa.text("state = 'visible'"), sqlite_where=sa.text("state = 'visible'"))
    op.drop_index('ix_comments_report_people', table_name='comments', postgresql_include=['stakeholder_category', 'id'])
