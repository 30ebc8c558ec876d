"""Certificates of participation: one per person and consultation (or Jalali year), signed when issued, and the
published consultations whose certificates the worker is to issue.

Revision ID: certs01
Revises: announce01
Create Date: 2026-12-05 17:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'certs01'
down_revision = 'announce01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'certificates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=40), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('agency_id', sa.Integer(), nullable=True),
        sa.Column('holder_name', sa.String(length=200), nullable=False),
        sa.Column('contributions', sa.JSON(), nullable=False),
        sa.Column('credential', sa.Text(), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_reason', sa.Text(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('(draft_id IS NULL) <> (year IS NULL)', name=op.f('ck_certificates_draft_or_year')),
        sa.CheckConstraint('(revoked_at IS NULL) = (revoked_reason IS NULL)',
                           name=op.f('ck_certificates_revocation_has_reason')),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_certificates_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_certificates_draft_id_drafts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_certificates_revoked_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
        sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
        sa.UniqueConstraint('user_id', 'subject', name='uq_certificates_user_id_subject'),
    )
    op.create_index(op.f('ix_certificates_draft_id'), 'certificates', ['draft_id'], unique=False)
    op.create_index(op.f('ix_certificates_user_id'), 'certificates', ['user_id'], unique=False)
    op.create_table(
        'certificate_runs',
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('site_url', sa.String(length=300), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('issued', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_certificate_runs_draft_id_drafts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('draft_id', name=op.f('pk_certificate_runs')),
    )
    op.create_index(op.f('ix_certificate_runs_done_at'), 'certificate_runs', ['done_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_certificate_runs_done_at'), table_name='certificate_runs')
    op.drop_table('certificate_runs')
    op.drop_index(op.f('ix_certificates_user_id'), table_name='certificates')
    op.drop_index(op.f('ix_certificates_draft_id'), table_name='certificates')
    op.drop_table('certificates')
