"""The audit log (R4): one row per state change, append-only and hash-chained.

Each entry carries the hash of the entry before it and the hash of its own canonical content, so that
changing, removing or reordering a row breaks the chain at that row (see `chain.verify`). The application
only ever INSERTs here; triggers in the database refuse UPDATE and DELETE, and the session refuses to
flush a changed or deleted entry.

The chain alone cannot show that its last entries were cut off, or that someone able to switch the triggers
off rewrote the table and recomputed every hash: signed checkpoints of its head (AuditCheckpoint, signing.py,
checkpoints.py), copied outside the database, can.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eparticipation.db import Base, UTCDateTime

HASH_LENGTH = 64  # hex SHA-256
GENESIS_HASH = "0" * HASH_LENGTH  # the "previous hash" of the first entry


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        # One successor per entry: two appenders racing for the same predecessor cannot both win.
        sa.UniqueConstraint("previous_hash", name="uq_audit_log_previous_hash"),
        sa.CheckConstraint("seq > 0", name="seq_positive"),
        sa.Index("ix_audit_log_draft_id_seq", "draft_id", "seq"),
        sa.Index("ix_audit_log_agency_id_seq", "agency_id", "seq"),
        sa.Index("ix_audit_log_actor_id_seq", "actor_id", "seq"),
        sa.Index("ix_audit_log_action_seq", "action", "seq"),
        sa.Index("ix_audit_log_at", "at"),
    )

    # Numbered by the application (1, 2, 3 …, no gaps) because the number is part of the hashed content.
    seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Users are never deleted while the log names them (RESTRICT); None is the system (the clock, a worker).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(sa.String(40))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str] = mapped_column(sa.String(40))
    # Where the change happened, for the auditors' filters; no foreign keys, the log outlives its objects.
    agency_id: Mapped[int | None]
    draft_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    previous_hash: Mapped[str] = mapped_column(sa.String(HASH_LENGTH))
    entry_hash: Mapped[str] = mapped_column(sa.String(HASH_LENGTH), unique=True)

    def canonical(self) -> dict:
        return canonical_content(
            seq=self.seq, at=self.at, actor_id=self.actor_id, action=self.action, object_type=self.object_type,
            object_id=self.object_id, agency_id=self.agency_id, draft_id=self.draft_id, before=self.before,
            after=self.after, previous_hash=self.previous_hash,
        )


class AuditCheckpoint(Base):
    """The head of the chain at one moment, signed with the site's key: entry `seq` had hash `entry_hash` and
    the log `count` entries. Append-only like the log; published at /audit/checkpoints."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (sa.CheckConstraint("seq > 0", name="seq_positive"),)

    # One checkpoint per entry at most: the one written every N entries may also be a publish's.
    seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    entry_hash: Mapped[str] = mapped_column(sa.String(HASH_LENGTH))
    count: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(20))  # every, publish, manual
    key_id: Mapped[str] = mapped_column(sa.String(16))
    signature: Mapped[str] = mapped_column(sa.String(88))


def canonical_content(*, seq, at, actor_id, action, object_type, object_id, agency_id, draft_id, before, after,
                      previous_hash) -> dict:
    from datetime import timezone

    return {
        "seq": seq,
        "at": at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "agency_id": agency_id,
        "draft_id": draft_id,
        "before": before,
        "after": after,
        "previous_hash": previous_hash,
    }
