"""Audit checkpoints: the chain's head, signed, in an append-only table of its own (refused UPDATE and DELETE
by the database, like the log).

Revision ID: i9checkpoints01
Revises: f6stats0001
Create Date: 2026-12-02 18:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'i9checkpoints01'
down_revision = 'f6stats0001'
branch_labels = None
depends_on = None

REFUSAL = "the audit checkpoints are append-only"


def upgrade():
    op.create_table('audit_checkpoints',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.Column('count', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.String(length=88), nullable=False),
    sa.CheckConstraint('seq > 0', name=op.f('ck_audit_checkpoints_seq_positive')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_checkpoints'))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION audit_checkpoints_refuse_change() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$ LANGUAGE plpgsql
        """)
        op.execute("""CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
                      FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_refuse_change()""")
        op.execute("""CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
                      FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_refuse_change()""")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_checkpoints_no_{event.lower()} BEFORE {event} ON audit_checkpoints
                           BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""")


def downgrade():
    op.drop_table('audit_checkpoints')  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_checkpoints_refuse_change()")
