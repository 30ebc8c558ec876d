"""Consultation reports (S1–S4): the built snapshot, the editors' summary, the proposed and curated themes.

Revision ID: g7reports01
Revises: d4perf0001
Create Date: 2026-11-28 03:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'g7reports01'
down_revision = 'd4perf0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'ready', 'failed', name='report_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('build_ms', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=2000), nullable=True),
    sa.Column('statistics', sa.JSON(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalised_by_id', sa.Integer(), nullable=True),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'ready') = (statistics IS NOT NULL AND built_at IS NOT NULL)", name=op.f('ck_reports_ready_has_statistics')),
    sa.CheckConstraint("finalised_at IS NULL OR status = 'ready'", name=op.f('ck_reports_finalised_when_ready')),
    sa.CheckConstraint('frozen_at IS NULL OR finalised_at IS NOT NULL', name=op.f('ck_reports_frozen_when_finalised')),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_reports_draft_id_drafts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['finalised_by_id'], ['users.id'], name=op.f('fk_reports_finalised_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_reports_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('draft_id', name=op.f('uq_reports_draft_id'))
    )
    op.create_index('ix_reports_queued', 'reports', ['requested_at', 'id'], unique=False, postgresql_where=sa.text("status = 'queued'"), sqlite_where=sa.text("status = 'queued'"))
    op.create_table('report_themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_fa', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('top_terms', sa.JSON(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('articles', sa.JSON(), nullable=False),
    sa.Column('representatives', sa.JSON(), nullable=False),
    sa.Column('kept', sa.Boolean(), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('size >= 0', name=op.f('ck_report_themes_size_not_negative')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['report_themes.id'], name=op.f('fk_report_themes_merged_into_id_report_themes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_themes_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_themes')),
    sa.UniqueConstraint('report_id', 'key', name='uq_report_themes_report_id_key')
    )
    op.create_index(op.f('ix_report_themes_report_id'), 'report_themes', ['report_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_report_themes_report_id'), table_name='report_themes')
    op.drop_table('report_themes')
    op.drop_index('ix_reports_queued', table_name='reports', postgresql_where=sa.text("status = 'queued'"), sqlite_where=sa.text("status = 'queued'"))
    op.drop_table('reports')
