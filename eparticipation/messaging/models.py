"""What is told to people: the in-app inbox, the outbox the delivery worker sends from, the messengers a person
linked, and the one-time codes that link them.

An inbox message and its outbox rows are written in the transaction of whatever caused them (a transactional
outbox), so a message exists exactly when its cause was committed, and nothing is sent inside a web request.
"""

import enum
import hashlib
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column

from eparticipation.accounts.models import User
from eparticipation.db import Base, UTCDateTime, portable_enum

KEY_MAX = 200
ADDRESS_MAX = 254
CHAT_ID_MAX = 32
CLAIMED_BY_MAX = 200
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
    sending = "sending"  # claimed by a worker (claimed_by) that is handing it to its channel until lease_until
    sent = "sent"
    dead = "dead"  # gave up after the last attempt; an administrator may put it back
    # Its worker's lease ran out before it said how the sending went: it may or may not have reached the
    # person, so only an administrator sends it again (or drops it).
    uncertain = "uncertain"
    dropped = "dropped"  # an administrator decided an uncertain message is not sent again

    @property
    def leased(self) -> bool:
        """A worker's claim (claimed_by, lease_until) is kept: the one sending it, or the one whose lease ran out."""
        return self in (OutboxStatus.sending, OutboxStatus.uncertain)


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
        # A message to an address without an account (a visitor's subscription, subscriptions/): once per address.
        sa.Index(
            "uq_outbox_messages_address_key_channel",
            "address",
            "key",
            "channel",
            unique=True,
            sqlite_where=sa.text("user_id IS NULL"),
            postgresql_where=sa.text("user_id IS NULL"),
        ),
        # What the workers claim: the due pending rows, oldest first.
        sa.Index(
            "ix_outbox_messages_due",
            "next_attempt_at",
            "id",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_outbox_messages_status_channel", "status", "channel"),
        # What the workers look through for leases that ran out: the few rows being sent.
        sa.Index(
            "ix_outbox_messages_leases",
            "lease_until",
            sqlite_where=sa.text("status = 'sending'"),
            postgresql_where=sa.text("status = 'sending'"),
        ),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_iff_sent_at"),
        sa.CheckConstraint(
            "(status IN ('sending', 'uncertain')) = (lease_until IS NOT NULL AND claimed_by IS NOT NULL)",
            name="lease_iff_claimed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: an address without an account (a visitor who subscribed by e-mail alone).
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(portable_enum(Channel, "outbox_channel"))
    # The e-mail address or chat id when the message was written.
    address: Mapped[str] = mapped_column(sa.String(ADDRESS_MAX))
    key: Mapped[str] = mapped_column(sa.String(KEY_MAX))
    subject: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str] = mapped_column(sa.Text)
    # The one-click unsubscribe address of a message someone subscribed to: an e-mail carries it as its
    # List-Unsubscribe header (RFC 8058).
    unsubscribe: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = mapped_column(
        portable_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker sending it ("host:pid") and until when its claim holds; kept on an uncertain message, for the
    # administrator who decides.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(CLAIMED_BY_MAX))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def reference(self) -> str:
        """The message's own name, the same on every attempt and every resend (an e-mail's Message-ID is
        `<reference@sender's domain>`), so a copy sent again is recognisable as the same message. The hash of
        when and for whom it was written keeps it unique beyond this database's ids (a database restored or
        built anew counts ids from 1 again, and mail programs hide a second message under a known Message-ID)."""
        created = self.created_at.astimezone(timezone.utc).isoformat()
        digest = hashlib.sha256(f"{self.id}|{self.user_id}|{self.channel}|{self.key}|{created}".encode()).hexdigest()
        return f"outbox.{self.id}.{digest[:16]}"

    def __repr__(self):
        return f"<OutboxMessage {self.id} {self.channel} {self.status}>"


class MessengerLink(Base):
    """A person's chat with the agency's bot on one messenger: where that messenger's messages go. Only a chat
    proved to be the person's is here (the code came back from it, or what was sent to it came back,
    services.py), and one chat reaches one account."""

    __tablename__ = "messenger_links"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "messenger", name="uq_messenger_links_user_id_messenger"),
        sa.UniqueConstraint("messenger", "chat_id", name="uq_messenger_links_messenger_chat_id"),
        sa.CheckConstraint("messenger <> 'email'", name="messenger_not_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    messenger: Mapped[Channel] = mapped_column(portable_enum(Channel, "link_messenger"))
    chat_id: Mapped[str] = mapped_column(sa.String(CHAT_ID_MAX))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessengerLinkCode(Base):
    """A one-time code that proves a chat is the person's; it expires, and is used once. Without a chat id, the
    person sends it to the bot (`/start CODE`) and the chat it comes from is linked. With one (a chat id they
    typed: the link is pending), it was sent to that chat and only that chat is linked by it: sent back from
    there to the bot, or, on a messenger whose bot receives nothing, typed back on the site. The codes of the
    last hour are kept (not deleted when replaced) so that the requests for them can be counted."""

    __tablename__ = "messenger_link_codes"
    __table_args__ = (
        sa.CheckConstraint("messenger <> 'email'", name="messenger_not_email"),
        sa.CheckConstraint("failed_attempts >= 0", name="failed_attempts_not_negative"),
        sa.Index("ix_messenger_link_codes_chat", "messenger", "chat_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    messenger: Mapped[Channel] = mapped_column(portable_enum(Channel, "code_messenger"))
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    chat_id: Mapped[str | None] = mapped_column(sa.String(CHAT_ID_MAX))  # the typed chat it was sent to
    failed_attempts: Mapped[int] = mapped_column(default=0, server_default="0")  # wrong codes typed back
