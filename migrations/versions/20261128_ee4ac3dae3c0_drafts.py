"""Draft documents: their texts per language, articles, the consulted text, and workflow events.

Revision ID: ee4ac3dae3c0
Revises: 62031af2d59b
Create Date: 2026-11-28 00:06:02.848573
"""

from alembic import op
import sqlalchemy as sa


revision = 'ee4ac3dae3c0'
down_revision = '62031af2d59b'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('drafting_unit_id', sa.Integer(), nullable=True),
    sa.Column('document_type', sa.Enum('bylaw', 'bill', 'directive', 'circular', 'board_resolution', name='document_type', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('state', sa.Enum('draft', 'consultation', 'closed', 'published', name='draft_state', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=True),
    sa.Column('listed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('original_file_key', sa.String(length=80), nullable=True),
    sa.Column('original_file_name', sa.String(length=255), nullable=True),
    sa.Column('original_file_type', sa.String(length=100), nullable=True),
    sa.Column('original_file_size', sa.Integer(), nullable=True),
    sa.CheckConstraint("state = 'draft' OR (opens_at IS NOT NULL AND closes_at IS NOT NULL)", name=op.f('ck_drafts_open_has_dates')),
    sa.CheckConstraint('closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at', name=op.f('ck_drafts_closes_after_opening')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_drafts_agency_id_agencies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_drafts_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['drafting_unit_id'], ['units.id'], name=op.f('fk_drafts_drafting_unit_id_units'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts'))
    )
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drafts_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index('ix_drafts_listing', ['listed_at', 'id'], unique=False)
        batch_op.create_index('ix_drafts_state_closes_at', ['state', 'closes_at'], unique=False)

    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('chapter', sa.String(length=300), nullable=True),
    sa.Column('heading', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_articles_draft_id_drafts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('draft_id', 'number', name='uq_articles_draft_id_number')
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_articles_draft_id'), ['draft_id'], unique=False)

    op.create_table('consulted_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('chapter', sa.String(length=300), nullable=True),
    sa.Column('heading', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_consulted_articles_draft_id_drafts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consulted_articles')),
    sa.UniqueConstraint('draft_id', 'number', name='uq_consulted_articles_draft_id_number')
    )
    with op.batch_alter_table('consulted_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consulted_articles_draft_id'), ['draft_id'], unique=False)

    op.create_table('draft_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('call', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_draft_texts_draft_id_drafts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_texts')),
    sa.UniqueConstraint('draft_id', 'language', name='uq_draft_texts_draft_id_language')
    )
    with op.batch_alter_table('draft_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_texts_draft_id'), ['draft_id'], unique=False)

    op.create_table('workflow_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('transition', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.Enum('draft', 'consultation', 'closed', 'published', name='from_state', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('to_state', sa.Enum('draft', 'consultation', 'closed', 'published', name='to_state', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_workflow_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_workflow_events_draft_id_drafts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_events'))
    )
    with op.batch_alter_table('workflow_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_events_draft_id'), ['draft_id'], unique=False)




def downgrade():
    
    with op.batch_alter_table('workflow_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflow_events_draft_id'))

    op.drop_table('workflow_events')
    with op.batch_alter_table('draft_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_texts_draft_id'))

    op.drop_table('draft_texts')
    with op.batch_alter_table('consulted_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consulted_articles_draft_id'))

    op.drop_table('consulted_articles')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_articles_draft_id'))

    op.drop_table('articles')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_drafts_state_closes_at')
        batch_op.drop_index('ix_drafts_listing')
        batch_op.drop_index(batch_op.f('ix_drafts_agency_id'))

    op.drop_table('drafts')

