"""Messaging: the in-app inbox, the outbox the delivery worker sends from, messenger links and their one-time codes.

Revision ID: d4messaging01
Revises: e5responses01
Create Date: 2026-11-28 02:51:58.522325
"""

from alembic import op
import sqlalchemy as sa


revision = 'd4messaging01'
down_revision = 'e5responses01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inbox_messages_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_messages')),
    sa.UniqueConstraint('user_id', 'key', name='uq_inbox_messages_user_id_key')
    )
    with op.batch_alter_table('inbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_messages_user_listing', ['user_id', 'id'], unique=False)
        batch_op.create_index('ix_inbox_messages_user_unread', ['user_id'], unique=False, sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))

    op.create_table('messenger_link_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('messenger', sa.Enum('email', 'bale', 'eitaa', 'rubika', 'soroush', name='code_messenger', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("messenger <> 'email'", name=op.f('ck_messenger_link_codes_messenger_not_email')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_messenger_link_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messenger_link_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_messenger_link_codes_code'))
    )
    with op.batch_alter_table('messenger_link_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messenger_link_codes_user_id'), ['user_id'], unique=False)

    op.create_table('messenger_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('messenger', sa.Enum('email', 'bale', 'eitaa', 'rubika', 'soroush', name='link_messenger', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('chat_id', sa.String(length=32), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("messenger <> 'email'", name=op.f('ck_messenger_links_messenger_not_email')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_messenger_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messenger_links')),
    sa.UniqueConstraint('user_id', 'messenger', name='uq_messenger_links_user_id_messenger')
    )
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'bale', 'eitaa', 'rubika', 'soroush', name='outbox_channel', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'dead', name='outbox_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name=op.f('ck_outbox_messages_sent_iff_sent_at')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_messages_attempts_not_negative')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_messages_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('user_id', 'key', 'channel', name='uq_outbox_messages_user_id_key_channel')
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_due', ['next_attempt_at', 'id'], unique=False, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.create_index('ix_outbox_messages_status_channel', ['status', 'channel'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_status_channel')
        batch_op.drop_index('ix_outbox_messages_due', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.drop_table('outbox_messages')
    op.drop_table('messenger_links')
    with op.batch_alter_table('messenger_link_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messenger_link_codes_user_id'))

    op.drop_table('messenger_link_codes')
    with op.batch_alter_table('inbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_messages_user_unread', sqlite_where=sa.text('read_at IS NULL'), postgresql_where=sa.text('read_at IS NULL'))
        batch_op.drop_index('ix_inbox_messages_user_listing')

    op.drop_table('inbox_messages')
