"""What is told to people: the in-app inbox, the outbox the delivery worker sends from, the messengers a person
linked, and the one-time codes that link them.

An inbox message and its outbox rows are written in the transaction of whatever caused them (a transactional
outbox), so a message exists exactly when its cause was committed, and nothing is sent inside a web request.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column

from eparticipation.accounts.models import User
from eparticipation.db import Base, UTCDateTime, portable_enum

KEY_MAX = 200
ADDRESS_MAX = 254
CHAT_ID_MAX = 32
LINK_CODE_LENGTH = 8


class Channel(enum.StrEnum):
    """Where an outbox message goes. Rubika and Soroush are known to the database already, so an adapter for
    them needs no migration."""

    email = "email"
    bale = "bale"
    eitaa = "eitaa"
    rubika = "rubika"
    soroush = "soroush"

    @property
    def is_messenger(self) -> bool:
        return self is not Channel.email


class OutboxStatus(enum.StrEnum):
    pending = "pending"  # due at next_attempt_at
    sent = "sent"
    dead = "dead"  # gave up after the last attempt; an administrator may put it back


class InboxMessage(Base):
    __tablename__ = "inbox_messages"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "key", name="uq_inbox_messages_user_id_key"),
        sa.Index("ix_inbox_messages_user_listing", "user_id", "id"),
        # The header's unread count reads only this small index.
        sa.Index(
            "ix_inbox_messages_user_unread",
            "user_id",
            sqlite_where=sa.text("read_at IS NULL"),
            postgresql_where=sa.text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(KEY_MAX))
    subject: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Every signed-in page shows the person's unread messages in its header: the count comes with the person, in
# the statement that loads them on each request (security.py), rather than in a statement of its own.
User.unread_messages = column_property(
    sa.select(sa.func.count(InboxMessage.id))
    .where(InboxMessage.user_id == User.id, InboxMessage.read_at.is_(None))
    .correlate_except(InboxMessage)
    .scalar_subquery(),
    deferred=True,
)


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "key", "channel", name="uq_outbox_messages_user_id_key_channel"),
        # What the workers claim: the due pending rows, oldest first.
        sa.Index(
            "ix_outbox_messages_due",
            "next_attempt_at",
            "id",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_outbox_messages_status_channel", "status", "channel"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_iff_sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(portable_enum(Channel, "outbox_channel"))
    # The e-mail address or chat id when the message was written.
    address: Mapped[str] = mapped_column(sa.String(ADDRESS_MAX))
    key: Mapped[str] = mapped_column(sa.String(KEY_MAX))
    subject: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = mapped_column(
        portable_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self):
        return f"<OutboxMessage {self.id} {self.channel} {self.status}>"


class MessengerLink(Base):
    """A person's chat with the agency's bot on one messenger: where that messenger's messages go."""

    __tablename__ = "messenger_links"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "messenger", name="uq_messenger_links_user_id_messenger"),
        sa.CheckConstraint("messenger <> 'email'", name="messenger_not_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    messenger: Mapped[Channel] = mapped_column(portable_enum(Channel, "link_messenger"))
    chat_id: Mapped[str] = mapped_column(sa.String(CHAT_ID_MAX))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessengerLinkCode(Base):
    """A one-time code the person sends to the bot (`/start CODE`) to link that chat; it expires, and is used once."""

    __tablename__ = "messenger_link_codes"
    __table_args__ = (sa.CheckConstraint("messenger <> 'email'", name="messenger_not_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    messenger: Mapped[Channel] = mapped_column(portable_enum(Channel, "code_messenger"))
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
