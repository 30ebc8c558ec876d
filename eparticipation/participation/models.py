"""What participants send during a consultation: comments (with revisions, supports and reports, hidden by
moderators but never deleted), and votes on the draft."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eparticipation.accounts.models import StakeholderCategory
from eparticipation.db import Base, UTCDateTime, portable_enum
from eparticipation.participation.states import CommentState  # noqa: F401 (imported from here by the rest of the code)
from eparticipation.text import normalise

COMMENT_MIN = 10
COMMENT_MAX = 5000
ORGANISATION_MAX = 200
REASON_MAX = 1000


class OrganisationKind(enum.StrEnum):
    ngo = "ngo"
    company = "company"
    university = "university"
    other = "other"


class HidingReason(enum.StrEnum):
    abuse = "abuse"  # insults, threats, hate
    personal_data = "personal_data"  # someone's private details
    spam = "spam"  # advertising, repeated content
    off_topic = "off_topic"
    illegal = "illegal"  # content the law forbids publishing


class VoteChoice(enum.StrEnum):
    support = "support"
    oppose = "oppose"
    abstain = "abstain"


def normalised_body(context) -> str:
    """The insert's default for `search_text`, whatever inserts the comment (the participation service's own
    INSERT, factories, seeds); an edit of the body sets it again (services.edit_comment)."""
    return normalise(context.get_current_parameters().get("body") or "")


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        sa.Index("ix_comments_draft_listing", "draft_id", "created_at", "id"),
        sa.Index("ix_comments_draft_supported", "draft_id", "support_count", "id"),
        sa.Index("ix_comments_draft_fingerprint", "draft_id", "fingerprint"),
        sa.Index("ix_comments_author_created_at", "author_id", "created_at"),
        # One person sends one text once per draft (on the whole draft or on any article): the database keeps
        # it so when the same comment arrives twice at once. A withdrawn comment may be sent again.
        sa.Index("uq_comments_author_fingerprint", "draft_id", "author_id", "fingerprint", unique=True,
                 postgresql_where=sa.text("state <> 'withdrawn'"), sqlite_where=sa.text("state <> 'withdrawn'")),
        # The report's statistics read these instead of the table (index-only scans, in grouping order).
        sa.Index("ix_comments_report_people", "draft_id", "state", "author_id", "article_id",
                 postgresql_include=["stakeholder_category", "id"]),
        sa.Index("ix_comments_report_campaigns", "draft_id", "fingerprint", "author_id",
                 postgresql_where=sa.text("state = 'visible'"), sqlite_where=sa.text("state = 'visible'")),
        sa.CheckConstraint("support_count >= 0", name="support_count_not_negative"),
        sa.CheckConstraint(
            "(state = 'hidden') = (hidden_reason IS NOT NULL AND hidden_category IS NOT NULL)", name="hidden_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"))
    # Comments on an article point at the text that was consulted, never at the working text.
    article_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("consulted_articles.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(sa.Text)
    # The body normalised for Persian (text.normalise), which search looks in (eparticipation/search.py); only
    # the database reads it.
    search_text: Mapped[str] = mapped_column(sa.Text, default=normalised_body, server_default="", deferred=True)
    # SHA-256 of the normalised body: the same participant may not post it twice; many participants
    # posting it are a campaign.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    anonymous: Mapped[bool] = mapped_column(default=False)
    organisation_name: Mapped[str | None] = mapped_column(sa.String(ORGANISATION_MAX))
    organisation_kind: Mapped[OrganisationKind | None] = mapped_column(
        portable_enum(OrganisationKind, "organisation_kind")
    )
    # The author's category when they commented (the report counts what they were then).
    stakeholder_category: Mapped[StakeholderCategory | None] = mapped_column(
        portable_enum(StakeholderCategory, "comment_stakeholder_category")
    )
    # Written by an editor or coordinator of the draft's agency (a site that lets its staff take part): the
    # comment says so, and its category is then `government`.
    by_agency_staff: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    state: Mapped[CommentState] = mapped_column(portable_enum(CommentState, "comment_state"), default=CommentState.visible)
    hidden_category: Mapped[HidingReason | None] = mapped_column(portable_enum(HidingReason, "hiding_reason"))
    hidden_reason: Mapped[str | None] = mapped_column(sa.Text)
    support_count: Mapped[int] = mapped_column(default=0)  # kept by the same statement that adds a support
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    author: Mapped["User"] = relationship(lazy="joined")  # noqa: F821
    article: Mapped["ConsultedArticle | None"] = relationship(lazy="joined")  # noqa: F821
    revisions: Mapped[list["CommentRevision"]] = relationship(
        order_by="CommentRevision.id", cascade="all, delete-orphan"
    )

    __parent__ = None

    @property
    def __name__(self):
        return str(self.id)

    # As the rows of the draft page's list of comments name them (participation.services.LISTED_COLUMNS),
    # so that one template shows either.
    @property
    def author_name(self) -> str:
        return self.author.display_name

    @property
    def article_number(self) -> str | None:
        return self.article.number if self.article is not None else None

    def __acl__(self):
        from eparticipation.participation.security import comment_acl

        return comment_acl(self)


class CommentRevision(Base):
    """An earlier wording of a comment, kept when its author edits it."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommentSupport(Base):
    __tablename__ = "comment_supports"
    __table_args__ = (sa.UniqueConstraint("comment_id", "user_id", name="uq_comment_supports_comment_id_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    supported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommentReport(Base):
    """A participant's report that a comment breaks the rules; the moderators decide."""

    __tablename__ = "comment_reports"
    __table_args__ = (sa.UniqueConstraint("comment_id", "user_id", name="uq_comment_reports_comment_id_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ModerationAct(Base):
    """Every hiding and restoring of a comment: who, when, why (P5)."""

    __tablename__ = "moderation_acts"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(16))  # "hide" or "restore"
    category: Mapped[HidingReason | None] = mapped_column(portable_enum(HidingReason, "act_hiding_reason"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    actor: Mapped["User | None"] = relationship()  # noqa: F821


class Vote(Base):
    """One participant's vote on a draft; changeable until the consultation closes (P2)."""

    __tablename__ = "votes"
    __table_args__ = (sa.UniqueConstraint("draft_id", "user_id", name="uq_votes_draft_id_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    choice: Mapped[VoteChoice] = mapped_column(portable_enum(VoteChoice, "vote_choice"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
