"""Two-phase delivery: an outbox message is claimed as `sending` by a worker, with a lease, before it is sent; a
message whose lease ran out without an outcome is `uncertain` until an administrator sends it again or drops it.

Revision ID: h8delivery01
Revises: i9checkpoints01
Create Date: 2026-12-02 18:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'h8delivery01'
down_revision = 'i9checkpoints01'
branch_labels = None
depends_on = None


def status_type(*values):
    return sa.Enum(*values, name='outbox_status', native_enum=False, create_constraint=True, length=24)


OLD_STATUSES = ('pending', 'sent', 'dead')
NEW_STATUSES = ('pending', 'sending', 'sent', 'dead', 'uncertain', 'dropped')


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=status_type(*OLD_STATUSES), type_=status_type(*NEW_STATUSES),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_outbox_messages_lease_iff_claimed'),
            "(status IN ('sending', 'uncertain')) = (lease_until IS NOT NULL AND claimed_by IS NOT NULL)",
        )
        batch_op.create_index('ix_outbox_messages_leases', ['lease_until'], unique=False,
                              sqlite_where=sa.text("status = 'sending'"),
                              postgresql_where=sa.text("status = 'sending'"))


def downgrade():
    # A message being sent or awaiting a decision cannot be told apart from a pending one any more: it goes back
    # to the queue, as the one-phase worker would have left it; a dropped one counts as given up.
    op.execute("UPDATE outbox_messages SET status = 'pending' WHERE status IN ('sending', 'uncertain')")
    op.execute("UPDATE outbox_messages SET status = 'dead' WHERE status = 'dropped'")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_leases', sqlite_where=sa.text("status = 'sending'"),
                            postgresql_where=sa.text("status = 'sending'"))
        batch_op.drop_constraint(op.f('ck_outbox_messages_lease_iff_claimed'), type_='check')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimed_by')
        batch_op.alter_column('status', existing_type=status_type(*NEW_STATUSES), type_=status_type(*OLD_STATUSES),
                              existing_nullable=False)
