"""Draft legal documents (the content objects with the workflow), their texts per language, their articles,
the frozen text that was consulted, and the history of their transitions."""

import enum
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, attribute_keyed_dict, mapped_column, relationship

from eparticipation.consultations.states import State  # noqa: F401 (imported from here by the rest of the code)
from eparticipation.db import Base, UTCDateTime, portable_enum, utcnow
from eparticipation.i18n import DISPLAY_TIMEZONE
from eparticipation.sections import child_of

TITLE_MAX = 300
SUMMARY_MAX = 3000
CALL_MAX = 10000
HEADING_MAX = 300
CHAPTER_MAX = 300
ARTICLE_TEXT_MAX = 20000
NOTE_MAX = 5000
REASON_MAX = 2000


class DocumentType(enum.StrEnum):
    bylaw = "bylaw"  # آیین‌نامه
    bill = "bill"  # لایحه
    directive = "directive"  # دستورالعمل
    circular = "circular"  # بخشنامه
    board_resolution = "board_resolution"  # مصوبه هیئت امنا


class Subject(enum.StrEnum):
    """What a consultation puts to the public: a draft document, or the quality of one of the government's
    services, processes or actions (the directive asks for feedback on all four)."""

    document = "document"  # پیش‌نویس سند
    service = "service"  # خدمت (e.g. the e-invoice portal)
    process = "process"  # فرایند (e.g. customs clearance)
    action = "action"  # اقدام (a programme, a decision already in force)


class Draft(Base):
    """A draft legal document. It is a traversal resource at /consultations/<id>/; its ACL comes from
    its state and agency (workflow.py)."""

    __tablename__ = "drafts"
    __table_args__ = (
        sa.CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="closes_after_opening"),
        sa.CheckConstraint("state = 'draft' OR (opens_at IS NOT NULL AND closes_at IS NOT NULL)", name="open_has_dates"),
        # A draft document has a type (bylaw, bill, …); a service, a process or an action has none.
        sa.CheckConstraint("(subject = 'document') = (document_type IS NOT NULL)", name="document_has_type"),
        sa.Index("ix_drafts_state_closes_at", "state", "closes_at"),
        sa.Index("ix_drafts_listing", "listed_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    drafting_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="SET NULL"))
    document_type: Mapped[DocumentType | None] = mapped_column(portable_enum(DocumentType, "document_type"))
    subject: Mapped[Subject] = mapped_column(
        portable_enum(Subject, "consultation_subject"), default=Subject.document, server_default="document"
    )
    state: Mapped[State] = mapped_column(portable_enum(State, "draft_state"), default=State.draft)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The listing's order: when it opened (or, still a draft, when it was written); keyset-paged.
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Titles, summaries, calls and article text, normalised for Persian (text.normalise), for search. Only
    # the database reads it (the listing's LIKE), so loading a draft leaves it there: it is as long as the text.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", deferred=True)
    # Moved by every comment, edit, withdrawal, support, hiding, restoring and vote (participation.services):
    # the cached anonymous draft page (pagecache.py) is out of date once it moves.
    participation_version: Mapped[int] = mapped_column(default=0, server_default="0")

    original_file_key: Mapped[str | None] = mapped_column(sa.String(80))
    original_file_name: Mapped[str | None] = mapped_column(sa.String(255))
    original_file_type: Mapped[str | None] = mapped_column(sa.String(100))
    original_file_size: Mapped[int | None]

    agency: Mapped["Agency"] = relationship(lazy="joined")  # noqa: F821
    drafting_unit: Mapped["Unit | None"] = relationship()  # noqa: F821
    texts: Mapped[dict[str, "DraftText"]] = relationship(
        collection_class=attribute_keyed_dict("language"), cascade="all, delete-orphan", back_populates="draft"
    )
    articles: Mapped[list["Article"]] = relationship(
        order_by="Article.position", cascade="all, delete-orphan", back_populates="draft"
    )
    consulted_articles: Mapped[list["ConsultedArticle"]] = relationship(
        order_by="ConsultedArticle.position", cascade="all, delete-orphan"
    )
    events: Mapped[list["WorkflowEvent"]] = relationship(
        order_by="WorkflowEvent.id", cascade="all, delete-orphan", back_populates="draft"
    )
    supporting_documents: Mapped[list["SupportingDocument"]] = relationship(
        order_by="SupportingDocument.kind", cascade="all, delete-orphan", back_populates="draft"
    )

    __parent__ = None

    @property
    def __name__(self):
        return str(self.id)

    def __acl__(self):
        from eparticipation.consultations.acl import acl_for

        return acl_for(self)

    def __getitem__(self, name):
        """The draft's sub-objects (articles/, comments/, survey/, …): each part of the system (or a host's
        package) that adds one registers a factory(draft) -> resource with `config.add_draft_child`."""
        return child_of(self, "draft", name)

    @property
    def is_document(self) -> bool:
        """A draft document has articles and the minimum length of a consultation; the other subjects have
        sections their editors define (or none) and any length."""
        return self.subject == Subject.document

    def is_accepting(self, now: datetime) -> bool:
        """Participation is accepted in consultation, from the opening to the end."""
        return self.state == State.consultation and self.opens_at <= now < self.closes_at

    def last_day(self) -> date | None:
        """The last calendar day (in Tehran) of the consultation: it closes at the following midnight."""
        if self.closes_at is None:
            return None
        return (self.closes_at - timedelta(microseconds=1)).astimezone(DISPLAY_TIMEZONE).date()

    def days_left(self, now: datetime) -> int | None:
        """Whole days until the end (a part of a day counts as a day), while in consultation."""
        if self.state != State.consultation:
            return None
        return max(0, -((now - self.closes_at) // timedelta(days=1)))

    def text(self, language: str, fallback: str = "fa") -> "DraftText | None":
        return self.texts.get(language) or self.texts.get(fallback) or next(iter(self.texts.values()), None)


class DraftText(Base):
    """A draft's title, summary and call for participation in one language."""

    __tablename__ = "draft_texts"
    __table_args__ = (sa.UniqueConstraint("draft_id", "language", name="uq_draft_texts_draft_id_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    call: Mapped[str] = mapped_column(sa.Text, default="")

    draft: Mapped[Draft] = relationship(back_populates="texts")


class ArticleColumns:
    number: Mapped[str] = mapped_column(sa.String(16))
    position: Mapped[int]
    chapter: Mapped[str | None] = mapped_column(sa.String(CHAPTER_MAX))
    heading: Mapped[str] = mapped_column(sa.String(HEADING_MAX), default="")
    text: Mapped[str] = mapped_column(sa.Text, default="")
    notes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)


class Article(ArticleColumns, Base):
    """An article (ماده) of the working text: the draft before opening, the final text once closed."""

    __tablename__ = "articles"
    __table_args__ = (sa.UniqueConstraint("draft_id", "number", name="uq_articles_draft_id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    draft: Mapped[Draft] = relationship(back_populates="articles")


class ConsultedArticle(ArticleColumns, Base):
    """An article as it was put to the public: copied when the consultation opens, never changed after.
    Comments on an article point here, so they keep the words they were written about."""

    __tablename__ = "consulted_articles"
    __table_args__ = (sa.UniqueConstraint("draft_id", "number", name="uq_consulted_articles_draft_id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), index=True)


class WorkflowEvent(Base):
    """One transition of a draft: who, when, from, to, and why."""

    __tablename__ = "workflow_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    transition: Mapped[str] = mapped_column(sa.String(32))
    from_state: Mapped[State] = mapped_column(portable_enum(State, "from_state"))
    to_state: Mapped[State] = mapped_column(portable_enum(State, "to_state"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))  # None: the system
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    draft: Mapped[Draft] = relationship(back_populates="events")
    actor: Mapped["User | None"] = relationship()  # noqa: F821


class SupportingKind(enum.StrEnum):
    """The documents that go with a draft's call for participation."""

    memorandum = "memorandum"  # گزارش توجیهی: the reasons for the regulation
    impact_assessment = "impact_assessment"  # ارزیابی آثار مقررات
    provisions_table = "provisions_table"  # جدول مقایسه مقررات فعلی و پیشنهادی


class SupportingDocument(Base):
    """One supporting document of a draft, of each kind at most one: a text, an uploaded file (PDF or Word,
    kept by files.py as the original document is), or both, with a title in each language."""

    __tablename__ = "supporting_documents"
    __table_args__ = (
        sa.UniqueConstraint("draft_id", "kind", name="uq_supporting_documents_draft_id_kind"),
        sa.CheckConstraint("text <> '' OR file_key IS NOT NULL", name="has_text_or_file"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SupportingKind] = mapped_column(portable_enum(SupportingKind, "supporting_kind"))
    title_fa: Mapped[str] = mapped_column(sa.String(TITLE_MAX), default="")
    title_en: Mapped[str] = mapped_column(sa.String(TITLE_MAX), default="")
    text: Mapped[str] = mapped_column(sa.Text, default="")
    file_key: Mapped[str | None] = mapped_column(sa.String(80))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    file_type: Mapped[str | None] = mapped_column(sa.String(100))
    file_size: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    draft: Mapped[Draft] = relationship(back_populates="supporting_documents")

    def title(self, language: str) -> str:
        return (self.title_en if language == "en" else self.title_fa) or self.title_fa or self.title_en
