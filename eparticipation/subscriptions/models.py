"""Who follows what, how they are told, and which of the consultations' events each has been told of.

    subscribers             one per person who follows anything: a signed-in person (user_id) or a visitor known
                            only by an e-mail address (email); the token of the unsubscribe link in every message
    subscriber_channels     the channels a signed-in person chose (inbox, email, and their linked messengers);
                            a visitor is told by e-mail, the only channel they gave
    subscriptions           what a subscriber follows: the whole site, an agency or a document type (`target`);
                            a visitor's waits for the confirmation link (double opt-in) before anything is sent
    subscription_fanouts    an event of a consultation that its followers are to be told of, recorded by the
                            request (or the tick) that caused it, written out by the delivery worker
    subscription_notices    who has been told of which fan-out: one row per event and person, unique
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eparticipation.db import Base, UTCDateTime, portable_enum

EMAIL_MAX = 254
TARGET_MAX = 60
TOKEN_MAX = 64
CHANNEL_MAX = 24
OCCASION_MAX = 40
SITE = "site"
INBOX = "inbox"


class FanoutEvent(enum.StrEnum):
    """What a consultation's followers are told of."""

    opened = "opened"  # its consultation opens (at its first day)
    closing = "closing"  # seven days before it closes
    published = "published"  # its outcome is published


class Subscriber(Base):
    __tablename__ = "subscribers"
    __table_args__ = (
        sa.CheckConstraint("(user_id IS NULL) <> (email IS NULL)", name="account_or_address"),
        sa.CheckConstraint("email IS NULL OR email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(EMAIL_MAX), unique=True)
    # A visitor's language, from the page they subscribed on; a person's is their account's.
    locale: Mapped[str] = mapped_column(sa.String(8))
    # In the unsubscribe link of every message: written into each message by SQL, so kept as it is.
    unsubscribe_token: Mapped[str] = mapped_column(sa.String(TOKEN_MAX), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SubscriberChannel(Base):
    __tablename__ = "subscriber_channels"

    subscriber_id: Mapped[int] = mapped_column(sa.ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True)
    # "inbox" or an outbox channel (messaging.models.Channel).
    channel: Mapped[str] = mapped_column(sa.String(CHANNEL_MAX), primary_key=True)


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        sa.UniqueConstraint("subscriber_id", "target", name="uq_subscriptions_subscriber_id_target"),
        sa.CheckConstraint("target = 'site' OR target LIKE 'agency:%' OR target LIKE 'type:%'", name="target_known"),
        # What the fan-out reads: the confirmed followers of one target.
        sa.Index("ix_subscriptions_target_subscriber", "target", "subscriber_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(sa.ForeignKey("subscribers.id", ondelete="CASCADE"))
    # "site", "agency:<id>" or "type:<document type>" (services.target_of).
    target: Mapped[str] = mapped_column(sa.String(TARGET_MAX))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Nothing is sent before: a visitor's subscription waits for its confirmation link to be opened.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The SHA-256 of the confirmation link's secret (the link itself is only in the visitor's mailbox).
    confirm_token_hash: Mapped[str | None] = mapped_column(sa.String(TOKEN_MAX), unique=True)


class SubscriptionFanout(Base):
    __tablename__ = "subscription_fanouts"
    __table_args__ = (
        sa.UniqueConstraint("draft_id", "event", "occasion", name="uq_subscription_fanouts_draft_id_event_occasion"),
        # What the worker claims: the due fan-outs not yet written.
        sa.Index(
            "ix_subscription_fanouts_due",
            "due_at",
            "id",
            sqlite_where=sa.text("done_at IS NULL"),
            postgresql_where=sa.text("done_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"))
    event: Mapped[FanoutEvent] = mapped_column(portable_enum(FanoutEvent, "fanout_event"))
    # Which occurrence of the event: the reminder's closing day (an extension brings a new reminder), else "".
    occasion: Mapped[str] = mapped_column(sa.String(OCCASION_MAX), default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The consultation's address and the unsubscribe link's beginning, as the site's pages give them (the worker
    # has no request to ask).
    link: Mapped[str] = mapped_column(sa.Text)
    unsubscribe_base: Mapped[str] = mapped_column(sa.Text)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    told: Mapped[int] = mapped_column(default=0, server_default="0")  # people told, once done


class SubscriptionNotice(Base):
    """One event told to one subscriber: the unique key is what makes it once."""

    __tablename__ = "subscription_notices"

    fanout_id: Mapped[int] = mapped_column(sa.ForeignKey("subscription_fanouts.id", ondelete="CASCADE"),
                                           primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(sa.ForeignKey("subscribers.id", ondelete="CASCADE"),
                                               primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
