"""Points, levels, badges and recognition (DESIGN I1, I3).

    points_ledger       every change of a person's points: who, what act, which object, how many, when, why;
                        append-only (the database refuses UPDATE and DELETE: migration incent01)
    points_totals       each person's sum per period ("all", a Jalali year "1405", a season "1405-s3") and scope
                        (0: the whole site, else the agency's id), kept by the statement that appends to the ledger,
                        so that no page sums the ledger
    points_public       the people who chose to appear on the public leaderboards, and the name shown there
    points_badges       the milestones a person reached, once each
    thank_you_lists     an agency's published thanks for a Jalali year, with the names its staff chose
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eparticipation.db import Base, UTCDateTime

ACTS = ("comment", "article_comment", "vote", "survey", "rating", "acceptance")
REASONS = ("earned", "accepted", "partially_accepted", "hidden", "withdrawn", "restored", "campaign", "staff", "cap",
           "corrected")
BADGES = ("first_comment", "five_consultations", "first_accepted", "province_pioneer")
PUBLIC_NAME_MAX = 60
PERIOD_MAX = 8
# The scope of the whole site in points_totals (agencies' ids start at 1).
SITE_SCOPE = 0


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LedgerEntry(Base):
    __tablename__ = "points_ledger"
    __table_args__ = (
        sa.Index("ix_points_ledger_user_id_id", "user_id", "id"),
        sa.Index("ix_points_ledger_user_id_draft_id", "user_id", "draft_id"),
        sa.Index("ix_points_ledger_agency_id_user_id", "agency_id", "user_id"),
        sa.CheckConstraint(_one_of("act", ACTS), name="act_known"),
        sa.CheckConstraint(_one_of("reason", REASONS), name="reason_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="RESTRICT"))
    # The consultation the act belongs to (None for a rating of a service).
    draft_id: Mapped[int | None] = mapped_column(sa.ForeignKey("drafts.id", ondelete="RESTRICT"))
    act: Mapped[str] = mapped_column(sa.String(24))
    # The comment, vote, survey submission or service rating (an acceptance: the accepted comment).
    object_id: Mapped[int] = mapped_column(sa.Integer)
    points: Mapped[int] = mapped_column(sa.Integer)  # negative for a reversal
    basis: Mapped[int] = mapped_column(sa.Integer)  # what the rules give the act, before any reduction
    reason: Mapped[str] = mapped_column(sa.String(24))
    # When the act was done: the period it counts in, also for its later reversals.
    act_at: Mapped[datetime] = mapped_column(UTCDateTime)
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # when this entry was written


class PointsTotal(Base):
    __tablename__ = "points_totals"
    __table_args__ = (
        sa.Index("ix_points_totals_board", "period", "scope", "points", "user_id"),
        sa.Index("ix_points_totals_user_id", "user_id"),
    )

    period: Mapped[str] = mapped_column(sa.String(PERIOD_MAX), primary_key=True)
    scope: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # SITE_SCOPE or an agency's id
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    points: Mapped[int] = mapped_column(sa.Integer, default=0)


class PublicProfile(Base):
    """Opting in to the public leaderboards: nobody is on them without a row here."""

    __tablename__ = "points_public"
    __table_args__ = (sa.CheckConstraint("length(trim(public_name)) > 0", name="public_name_given"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    public_name: Mapped[str] = mapped_column(sa.String(PUBLIC_NAME_MAX))
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Badge(Base):
    __tablename__ = "points_badges"
    __table_args__ = (sa.CheckConstraint(_one_of("badge", BADGES), name="badge_known"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    badge: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    draft_id: Mapped[int | None] = mapped_column(sa.ForeignKey("drafts.id", ondelete="SET NULL"))
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ThankYouList(Base):
    __tablename__ = "thank_you_lists"
    __table_args__ = (sa.UniqueConstraint("agency_id", "period", name="uq_thank_you_lists_agency_id_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(sa.String(PERIOD_MAX))  # a Jalali year
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class ThankYouName(Base):
    __tablename__ = "thank_you_names"

    list_id: Mapped[int] = mapped_column(sa.ForeignKey("thank_you_lists.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
