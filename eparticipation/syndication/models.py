"""The pushes to the national e-participation system: one row per consultation transition, written in the
transition's transaction (a transactional outbox, as messaging's), sent by the delivery worker."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eparticipation.db import Base, UTCDateTime, portable_enum

EVENT_MAX = 40
KEY_MAX = 64
CLAIMED_BY_MAX = 200
ERROR_MAX = 2000


class PushStatus(enum.StrEnum):
    pending = "pending"  # due at next_attempt_at, once every earlier push of its consultation is sent
    sending = "sending"  # claimed by a worker (claimed_by) until lease_until
    sent = "sent"  # the receiver answered 2xx
    dead = "dead"  # gave up after the last attempt; an administrator puts it back (/admin/syndication)


class SyndicationPush(Base):
    """What is sent to the national system about one transition of one consultation. `body` is the JSON
    exactly as it is sent and signed, built when the transition was made (the consultation as it was then);
    `idempotency_key` is sent with every attempt, so the receiver can tell a retry from a new event."""

    __tablename__ = "syndication_pushes"
    __table_args__ = (
        # What the workers claim: the due pending rows, oldest first.
        sa.Index(
            "ix_syndication_pushes_due",
            "next_attempt_at",
            "id",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
        # The order per consultation: a push waits while an earlier one of its draft is not sent.
        sa.Index("ix_syndication_pushes_draft_id_id", "draft_id", "id"),
        sa.Index("ix_syndication_pushes_status", "status"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_iff_sent_at"),
        sa.CheckConstraint("(status = 'sending') = (lease_until IS NOT NULL AND claimed_by IS NOT NULL)",
                           name="lease_iff_sending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"))
    # The transition it tells of: one push per transition, whoever writes it twice.
    workflow_event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workflow_events.id", ondelete="CASCADE"), unique=True)
    event: Mapped[str] = mapped_column(sa.String(EVENT_MAX))  # consultation.opened, ... (payload.EVENTS)
    idempotency_key: Mapped[str] = mapped_column(sa.String(KEY_MAX), unique=True)
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[PushStatus] = mapped_column(portable_enum(PushStatus, "push_status"), default=PushStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(ERROR_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(CLAIMED_BY_MAX))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self):
        return f"<SyndicationPush {self.id} {self.event} {self.status}>"
