"""The settings of an agency's widget: the origins (its portal's) whose pages may frame it."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eparticipation.db import Base, UTCDateTime, utcnow


class EmbedSettings(Base):
    """One row per agency that configured its widget; an agency without one is framed by no one."""

    __tablename__ = "embed_settings"

    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    # Validated and normalised origins ("https://portal.example.ir", "http://localhost:8080"), in the order given.
    origins: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
