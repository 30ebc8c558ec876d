"""Subscriptions: people and e-mail-only visitors follow the whole site, an agency or a document type, and are
told when a consultation opens, a week before it closes and when its outcome is published, once each.

The outbox takes messages to an address without an account (user_id NULL, once per address, key and channel),
and an e-mail's one-click unsubscribe address.

Revision ID: subs01
Revises: embed01
Create Date: 2026-12-04 22:00:00
"""

from alembic import op
import sqlalchemy as sa



revision = 'subs01'
down_revision = 'embed01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('unsubscribe', sa.Text(), nullable=True))
        batch_op.create_index('uq_outbox_messages_address_key_channel', ['address', 'key', 'channel'], unique=True,
                              sqlite_where=sa.text('user_id IS NULL'), postgresql_where=sa.text('user_id IS NULL'))
    op.create_table(
        'subscribers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('locale', sa.String(length=8), nullable=False),
        sa.Column('unsubscribe_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('(user_id IS NULL) <> (email IS NULL)', name=op.f('ck_subscribers_account_or_address')),
        sa.CheckConstraint('email IS NULL OR email = lower(email)', name=op.f('ck_subscribers_email_lowercase')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscribers_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subscribers')),
        sa.UniqueConstraint('email', name=op.f('uq_subscribers_email')),
        sa.UniqueConstraint('unsubscribe_token', name=op.f('uq_subscribers_unsubscribe_token')),
        sa.UniqueConstraint('user_id', name=op.f('uq_subscribers_user_id')),
    )
    op.create_table(
        'subscriber_channels',
        sa.Column('subscriber_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'],
                                name=op.f('fk_subscriber_channels_subscriber_id_subscribers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('subscriber_id', 'channel', name=op.f('pk_subscriber_channels')),
    )
    op.create_table(
        'subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscriber_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=60), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('confirm_token_hash', sa.String(length=64), nullable=True),
        sa.CheckConstraint("target = 'site' OR target LIKE 'agency:%' OR target LIKE 'type:%'",
                           name=op.f('ck_subscriptions_target_known')),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_subscriptions_agency_id_agencies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'],
                                name=op.f('fk_subscriptions_subscriber_id_subscribers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
        sa.UniqueConstraint('confirm_token_hash', name=op.f('uq_subscriptions_confirm_token_hash')),
        sa.UniqueConstraint('subscriber_id', 'target', name='uq_subscriptions_subscriber_id_target'),
    )
    op.create_index('ix_subscriptions_target_subscriber', 'subscriptions', ['target', 'subscriber_id'])
    op.create_index(op.f('ix_subscriptions_agency_id'), 'subscriptions', ['agency_id'])
    op.create_table(
        'subscription_fanouts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.Enum('opened', 'closing', 'published', name='fanout_event', native_enum=False,
                                   create_constraint=True, length=24), nullable=False),
        sa.Column('occasion', sa.String(length=40), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('link', sa.Text(), nullable=False),
        sa.Column('unsubscribe_base', sa.Text(), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('told', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_subscription_fanouts_draft_id_drafts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_fanouts')),
        sa.UniqueConstraint('draft_id', 'event', 'occasion', name='uq_subscription_fanouts_draft_id_event_occasion'),
    )
    op.create_index('ix_subscription_fanouts_due', 'subscription_fanouts', ['due_at', 'id'],
                    sqlite_where=sa.text('done_at IS NULL'), postgresql_where=sa.text('done_at IS NULL'))
    op.create_table(
        'subscription_notices',
        sa.Column('fanout_id', sa.Integer(), nullable=False),
        sa.Column('subscriber_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['fanout_id'], ['subscription_fanouts.id'],
                                name=op.f('fk_subscription_notices_fanout_id_subscription_fanouts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'],
                                name=op.f('fk_subscription_notices_subscriber_id_subscribers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('fanout_id', 'subscriber_id', name=op.f('pk_subscription_notices')),
    )
    op.create_index(op.f('ix_subscription_notices_subscriber_id'), 'subscription_notices', ['subscriber_id'])


def downgrade():
    op.drop_table('subscription_notices')
    op.drop_table('subscription_fanouts')
    op.drop_table('subscriptions')
    op.drop_table('subscriber_channels')
    op.drop_table('subscribers')
    # Messages to addresses without an account cannot stay in an outbox whose every message has an account.
    op.execute("DELETE FROM outbox_messages WHERE user_id IS NULL")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('uq_outbox_messages_address_key_channel')
        batch_op.drop_column('unsubscribe')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
