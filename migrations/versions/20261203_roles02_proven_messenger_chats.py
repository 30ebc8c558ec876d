"""Messenger chats are proved before they are linked: a code sent to a typed chat id waits on that chat
(messenger_link_codes.chat_id, with its wrong attempts counted), and one chat links one account (a unique
index per messenger on the linked chat id).

A chat linked to several accounts before this (typed by hand, never proved) cannot be told apart from the
right one: it is unlinked from all of them, and each person links it again with a code.

Revision ID: roles02
Revises: roles01
Create Date: 2026-12-03 08:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'roles02'
down_revision = 'roles01'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "DELETE FROM messenger_links WHERE EXISTS (SELECT 1 FROM messenger_links AS other "
        "WHERE other.messenger = messenger_links.messenger AND other.chat_id = messenger_links.chat_id "
        "AND other.id <> messenger_links.id)"
    )
    with op.batch_alter_table('messenger_links', schema=None) as batch_op:
        batch_op.create_unique_constraint(op.f('uq_messenger_links_messenger_chat_id'), ['messenger', 'chat_id'])
    with op.batch_alter_table('messenger_link_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('failed_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(op.f('ck_messenger_link_codes_failed_attempts_not_negative'),
                                         'failed_attempts >= 0')
        batch_op.create_index('ix_messenger_link_codes_chat', ['messenger', 'chat_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('messenger_link_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_messenger_link_codes_chat')
        batch_op.drop_constraint(op.f('ck_messenger_link_codes_failed_attempts_not_negative'), type_='check')
        batch_op.drop_column('failed_attempts')
        batch_op.drop_column('chat_id')
    with op.batch_alter_table('messenger_links', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_messenger_links_messenger_chat_id'), type_='unique')
