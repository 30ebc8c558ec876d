"""Consultations on a service, a process or an action have no document type (a draft document must have one),
and a draft's supporting documents: its explanatory memorandum, regulatory impact assessment and table of current
and proposed provisions.

Revision ID: subject02
Revises: servans01
Create Date: 2026-12-05 17:20:00
"""

import sqlalchemy as sa
from alembic import op


revision = 'subject02'
down_revision = 'servans01'
branch_labels = None
depends_on = None

DOCUMENT_TYPE = sa.Enum('bylaw', 'bill', 'directive', 'circular', 'board_resolution', name='document_type',
                        native_enum=False, create_constraint=True, length=24)
SUPPORTING_KIND = sa.Enum('memorandum', 'impact_assessment', 'provisions_table', name='supporting_kind',
                          native_enum=False, create_constraint=True, length=24)


def upgrade():
    with op.batch_alter_table('drafts') as batch:
        batch.alter_column('document_type', existing_type=DOCUMENT_TYPE, nullable=True)
        batch.create_check_constraint(op.f('ck_drafts_document_has_type'), "(subject = 'document') = (document_type IS NOT NULL)")
    op.create_table(
        'supporting_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('kind', SUPPORTING_KIND, nullable=False),
        sa.Column('title_fa', sa.String(length=300), nullable=False),
        sa.Column('title_en', sa.String(length=300), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('file_key', sa.String(length=80), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=True),
        sa.Column('file_type', sa.String(length=100), nullable=True),
        sa.Column('file_size', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("text <> '' OR file_key IS NOT NULL", name=op.f('ck_supporting_documents_has_text_or_file')),
        sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_supporting_documents_draft_id_drafts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supporting_documents')),
        sa.UniqueConstraint('draft_id', 'kind', name='uq_supporting_documents_draft_id_kind'),
    )
    op.create_index(op.f('ix_supporting_documents_draft_id'), 'supporting_documents', ['draft_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_supporting_documents_draft_id'), table_name='supporting_documents')
    op.drop_table('supporting_documents')
    with op.batch_alter_table('drafts') as batch:
        batch.drop_constraint(op.f('ck_drafts_document_has_type'), type_='check')
        batch.alter_column('document_type', existing_type=DOCUMENT_TYPE, nullable=False)
