"""Accounts with demographic profiles, role grants, sign-in attempts; agencies and their units.

Revision ID: 62031af2d59b
Revises: 
Create Date: 2026-11-27 23:43:10.974597
"""

from alembic import op
import sqlalchemy as sa


revision = '62031af2d59b'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_fa', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_agencies_not_own_parent')),
    sa.ForeignKeyConstraint(['parent_id'], ['agencies.id'], name=op.f('fk_agencies_parent_id_agencies'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
    sa.UniqueConstraint('code', name=op.f('uq_agencies_code')),
    sa.UniqueConstraint('name_en', name=op.f('uq_agencies_name_en')),
    sa.UniqueConstraint('name_fa', name=op.f('uq_agencies_name_fa'))
    )
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agencies_parent_id'), ['parent_id'], unique=False)

    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('client_addr', sa.String(length=64), nullable=True),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_email_attempted_at', ['email', 'attempted_at'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('mobile', sa.String(length=16), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('birth_year', sa.SmallInteger(), nullable=True),
    sa.Column('gender', sa.Enum('female', 'male', 'undisclosed', name='gender', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('residence', sa.String(length=16), nullable=True),
    sa.Column('stakeholder_category', sa.Enum('individual', 'academic', 'ngo', 'private_sector', 'government', 'other', name='stakeholder_category', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.CheckConstraint("residence IS NULL OR residence IN ('IR-00', 'IR-01', 'IR-02', 'IR-03', 'IR-04', 'IR-05', 'IR-06', 'IR-07', 'IR-08', 'IR-09', 'IR-10', 'IR-11', 'IR-12', 'IR-13', 'IR-14', 'IR-15', 'IR-16', 'IR-17', 'IR-18', 'IR-19', 'IR-20', 'IR-21', 'IR-22', 'IR-23', 'IR-24', 'IR-25', 'IR-26', 'IR-27', 'IR-28', 'IR-29', 'IR-30', 'abroad', 'undisclosed')", name=op.f('ck_users_residence_known')),
    sa.CheckConstraint('birth_year IS NULL OR birth_year >= 1900', name=op.f('ck_users_birth_year_plausible')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_users_email_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('role_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('editor', 'coordinator', 'auditor', 'admin', name='role', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role IN ('editor', 'coordinator')) = (agency_id IS NOT NULL)", name=op.f('ck_role_grants_agency_iff_agency_role')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_role_grants_agency_id_agencies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_role_grants_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grants'))
    )
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grants_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grants_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_role_grants_agency_role', ['user_id', 'role', 'agency_id'], unique=True, sqlite_where=sa.text('agency_id IS NOT NULL'), postgresql_where=sa.text('agency_id IS NOT NULL'))
        batch_op.create_index('uq_role_grants_system_role', ['user_id', 'role'], unique=True, sqlite_where=sa.text('agency_id IS NULL'), postgresql_where=sa.text('agency_id IS NULL'))

    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('drafting', 'public_relations', name='unit_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('name_fa', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_units_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('agency_id', 'name_en', name='uq_units_agency_id_name_en'),
    sa.UniqueConstraint('agency_id', 'name_fa', name='uq_units_agency_id_name_fa')
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_agency_id'), ['agency_id'], unique=False)




def downgrade():
    
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_agency_id'))

    op.drop_table('units')
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_index('uq_role_grants_system_role', sqlite_where=sa.text('agency_id IS NULL'), postgresql_where=sa.text('agency_id IS NULL'))
        batch_op.drop_index('uq_role_grants_agency_role', sqlite_where=sa.text('agency_id IS NOT NULL'), postgresql_where=sa.text('agency_id IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_role_grants_user_id'))
        batch_op.drop_index(batch_op.f('ix_role_grants_agency_id'))

    op.drop_table('role_grants')
    op.drop_table('users')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_email_attempted_at')

    op.drop_table('login_attempts')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agencies_parent_id'))

    op.drop_table('agencies')

