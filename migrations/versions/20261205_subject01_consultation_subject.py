"""A consultation's subject: a draft document (every consultation so far), a service, a process or an action.

Revision ID: subject01
Revises: api01
Create Date: 2026-12-05 17:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = 'subject01'
down_revision = 'api01'
branch_labels = None
depends_on = None

SUBJECT = sa.Enum('document', 'service', 'process', 'action', name='consultation_subject', native_enum=False,
                  create_constraint=True, length=24)


def upgrade():
    with op.batch_alter_table('drafts') as batch:
        batch.add_column(sa.Column('subject', SUBJECT, server_default='document', nullable=False))


def downgrade():
    with op.batch_alter_table('drafts') as batch:
        batch.drop_column('subject')
