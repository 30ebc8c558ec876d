"""Certificates of participation (I2): one per person and consultation (or Jalali year), signed once when
issued; the signed credential is kept as issued, so that the PDF and the JSON always carry the same proof."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eparticipation.db import Base, UTCDateTime

CODE_LENGTH = 12
REASON_MAX = 1000


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        # One certificate per person and subject ("draft:<id>" or "year:<jalali year>"), however often issued.
        sa.UniqueConstraint("user_id", "subject", name="uq_certificates_user_id_subject"),
        sa.CheckConstraint("(draft_id IS NULL) <> (year IS NULL)", name="draft_or_year"),
        sa.CheckConstraint("(revoked_at IS NULL) = (revoked_reason IS NULL)", name="revocation_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(40))
    draft_id: Mapped[int | None] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    year: Mapped[int | None]
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"))
    holder_name: Mapped[str] = mapped_column(sa.String(200))
    # What the person did: comments, accepted comments, survey answered, vote cast (never who they are).
    contributions: Mapped[dict] = mapped_column(sa.JSON)
    # The Open Badges 3.0 credential with its proof, exactly as signed (JSON text).
    credential: Mapped[str] = mapped_column(sa.Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    __parent__ = None

    @property
    def __name__(self):
        return self.code


class CertificateRun(Base):
    """A published consultation whose certificates the worker is to issue (written in the publish transaction)."""

    __tablename__ = "certificate_runs"

    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), primary_key=True)
    # The site's address at the moment of publishing: the certificates' links (the worker knows no host).
    site_url: Mapped[str] = mapped_column(sa.String(300))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    issued: Mapped[int] = mapped_column(default=0)
