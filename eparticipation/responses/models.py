"""The agency's answers to comments (R1, R2): a response covers one or more similar comments, and every
wording of it is kept as a revision: nothing is overwritten or deleted."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eparticipation.db import Base, UTCDateTime, portable_enum
from eparticipation.decisions import Decision  # noqa: F401 (the responses' vocabulary, re-exported)

REASON_MAX = 5000
LAW_MAX = 300
LAW_ARTICLE_MAX = 100


class Response(Base):
    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    revisions: Mapped[list["ResponseRevision"]] = relationship(
        order_by="ResponseRevision.number", back_populates="response", lazy="selectin"
    )
    covered: Mapped[list["ResponseComment"]] = relationship(lazy="selectin", order_by="ResponseComment.comment_id")

    __parent__ = None

    @property
    def __name__(self):
        return str(self.id)

    @property
    def current(self) -> "ResponseRevision":
        return self.revisions[-1]

    @property
    def comment_ids(self) -> list[int]:
        return [c.comment_id for c in self.covered]


class ResponseRevision(Base):
    """One wording of a response: the decision, the reason and, for a refusal, its legal basis."""

    __tablename__ = "response_revisions"
    __table_args__ = (
        sa.UniqueConstraint("response_id", "number", name="uq_response_revisions_response_id_number"),
        sa.CheckConstraint("number > 0", name="number_positive"),
        sa.CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
        sa.CheckConstraint(
            "decision NOT IN ('rejected', 'partially_accepted') OR "
            "(length(trim(legal_basis_law)) > 0 AND length(trim(legal_basis_article)) > 0)",
            name="refusal_has_legal_basis",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("responses.id", ondelete="CASCADE"))
    number: Mapped[int]  # 1, 2, 3 … within the response
    decision: Mapped[Decision] = mapped_column(portable_enum(Decision, "decision"))
    reason: Mapped[str] = mapped_column(sa.Text)
    legal_basis_law: Mapped[str | None] = mapped_column(sa.String(LAW_MAX))  # the law or regulation
    legal_basis_article: Mapped[str | None] = mapped_column(sa.String(LAW_ARTICLE_MAX))  # its article
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)

    response: Mapped[Response] = relationship(back_populates="revisions")
    author: Mapped["User"] = relationship(lazy="joined")  # noqa: F821

    def as_dict(self) -> dict:
        return {"decision": self.decision, "reason": self.reason, "legal_basis_law": self.legal_basis_law,
                "legal_basis_article": self.legal_basis_article}


class ResponseComment(Base):
    """A comment a response answers: each comment is answered by at most one response."""

    __tablename__ = "response_comments"

    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("responses.id", ondelete="CASCADE"), index=True)


class ResponseChange(Base):
    """Evidence that participation changed the text: an article of the final text that an accepted (or partly
    accepted) response changed, as the agency's editors record it. The comments the response answers are the
    ones that caused the change."""

    __tablename__ = "response_changes"

    response_id: Mapped[int] = mapped_column(sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)


class OutcomeAnnouncement(Base):
    """Telling everyone who took part that the outcome is published (R3), queued by the publishing request and
    written by the delivery worker: for 100,000 participants the messages take seconds to write, which the
    coordinator's request should not wait for. The links are the request's, so the worker needs no site address."""

    __tablename__ = "outcome_announcements"
    __table_args__ = (
        # What the worker claims: the announcements not yet written, oldest first.
        sa.Index("ix_outcome_announcements_due", "queued_at", "id",
                 sqlite_where=sa.text("done_at IS NULL"), postgresql_where=sa.text("done_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Once per consultation: publishing happens once.
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), unique=True)
    outcome_link: Mapped[str] = mapped_column(sa.String(2000))
    answers_link: Mapped[str] = mapped_column(sa.String(2000))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    told: Mapped[int | None]  # how many people were told, once written
