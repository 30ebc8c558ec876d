"""A consultation's report (S1–S4): a snapshot of its statistics and proposed themes, built by the report
worker when the draft closes, curated by the agency's editors (themes renamed, merged or dropped; the summary of
key concerns written in each required language), finalised, and frozen when the draft is published."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eparticipation.db import Base, UTCDateTime, portable_enum

THEME_NAME_MAX = 200
ERROR_MAX = 2000


class ReportStatus(enum.StrEnum):
    queued = "queued"  # waiting for the report worker
    ready = "ready"  # built; its numbers are those of built_at
    failed = "failed"  # the last build failed (last_error); a rebuild queues it again


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        sa.Index("ix_reports_queued", "requested_at", "id",
                 sqlite_where=sa.text("status = 'queued'"), postgresql_where=sa.text("status = 'queued'")),
        sa.CheckConstraint("(status = 'ready') = (statistics IS NOT NULL AND built_at IS NOT NULL)",
                           name="ready_has_statistics"),
        sa.CheckConstraint("finalised_at IS NULL OR status = 'ready'", name="finalised_when_ready"),
        sa.CheckConstraint("frozen_at IS NULL OR finalised_at IS NOT NULL", name="frozen_when_finalised"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), unique=True)
    status: Mapped[ReportStatus] = mapped_column(portable_enum(ReportStatus, "report_status"),
                                                 default=ReportStatus.queued)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    build_ms: Mapped[int | None]  # how long the last build took
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(ERROR_MAX))
    statistics: Mapped[dict | None] = mapped_column(sa.JSON)  # reports.statistics.build_statistics()
    # The editors' summary of the key concerns: {language: text}, one per required language.
    summary: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # published: never changes again

    themes: Mapped[list["ReportTheme"]] = relationship(
        order_by="ReportTheme.position", cascade="all, delete-orphan", lazy="selectin"
    )

    __parent__ = None
    __name__ = "report"

    @property
    def kept_themes(self) -> list["ReportTheme"]:
        return [theme for theme in self.themes if theme.kept and theme.merged_into_id is None]


class ReportTheme(Base):
    """A theme the system proposed, as the editors curated it."""

    __tablename__ = "report_themes"
    __table_args__ = (
        sa.UniqueConstraint("report_id", "key", name="uq_report_themes_report_id_key"),
        sa.CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(20))
    position: Mapped[int]
    name_fa: Mapped[str] = mapped_column(sa.String(THEME_NAME_MAX), default="")
    name_en: Mapped[str] = mapped_column(sa.String(THEME_NAME_MAX), default="")
    top_terms: Mapped[list] = mapped_column(sa.JSON)
    size: Mapped[int]
    articles: Mapped[dict] = mapped_column(sa.JSON)  # article number ("" = the whole draft) -> comments
    representatives: Mapped[list] = mapped_column(sa.JSON)  # comment ids, most typical first
    kept: Mapped[bool] = mapped_column(default=True)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report_themes.id", ondelete="SET NULL"))

    def name(self, language: str) -> str:
        return (self.name_fa if language == "fa" else self.name_en) or self.name_fa or self.name_en
