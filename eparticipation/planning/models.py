"""The forward plan (notice of intent): the drafts an agency plans to put to consultation in a Jalali year and
quarter, people's comments on that intent, who follows an entry, and the draft that was written from it.

Traversal: /agencies/<code>/plan/ is an `AgencyPlan` (config.add_agency_child); /agencies/<code>/plan/<id>/ a
`PlanEntry` row. Their ACLs are computed from the agency's id and the entry's state; nothing is inherited.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, Allow, Authenticated, Deny, Everyone
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from eparticipation.accounts.models import Role
from eparticipation.accounts.principals import VERIFIED
from eparticipation.consultations.models import TITLE_MAX, DocumentType
from eparticipation.db import Base, UTCDateTime, portable_enum, utcnow
from eparticipation.permissions import Permissions as P
from eparticipation.security import abstention_principal, agency_principal, role_principal

REASON_MAX = 1000
COMMENT_MIN = 10
COMMENT_MAX = 2000
HIDING_REASON_MAX = 500
QUARTERS = (1, 2, 3, 4)
# Jalali years a plan may name: a year outside is a typing mistake (or a Gregorian year).
YEAR_MIN, YEAR_MAX = 1400, 1499


class PlanState(enum.StrEnum):
    draft = "draft"  # being written by the agency: seen only by its staff and auditors
    published = "published"  # announced: public, open to comments and followers
    withdrawn = "withdrawn"  # no longer planned: its page stays, with the reason


def plan_staff(agency_id: int) -> tuple:
    return agency_principal(agency_id, Role.editor), agency_principal(agency_id, Role.coordinator)


def plan_acl(agency_id: int) -> list:
    """The agency's plan: everyone reads it; its editors and coordinators add entries."""
    return [
        (Allow, Everyone, P.SiteView),
        *[(Allow, principal, permission) for principal in plan_staff(agency_id)
          for permission in (P.PlanEdit, P.PlanView)],
        (Allow, role_principal(Role.auditor), P.PlanView),
        DENY_ALL,
    ]


def entry_acl(agency_id: int, state: "PlanState") -> list:
    """An entry: its agency's editors and coordinators edit, publish and withdraw it and moderate its comments;
    once published, everyone reads it, signed-in people with a confirmed address comment on its intent (not the
    agency's own staff, who do not take part) and anyone signed in follows it. A withdrawn entry stays readable."""
    acl = [(Allow, Everyone, P.SiteView)]
    if state != PlanState.draft:
        acl.append((Allow, Everyone, P.PlanView))
    for principal in plan_staff(agency_id):
        acl.append((Allow, principal, P.PlanView))
        if state != PlanState.withdrawn:
            acl.append((Allow, principal, P.PlanEdit))
        if state != PlanState.draft:
            acl.append((Allow, principal, P.PlanModerate))
    acl.append((Allow, role_principal(Role.auditor), P.PlanView))
    if state == PlanState.published:
        acl.append((Deny, abstention_principal(agency_id), P.PlanComment))
        acl.append((Allow, VERIFIED, P.PlanComment))
        acl.append((Allow, Authenticated, P.PlanFollow))
    acl.append(DENY_ALL)
    return acl


class PlanEntry(Base):
    """One draft an agency plans to consult on: when (Jalali year and quarter), what, by which unit and why."""

    __tablename__ = "plan_entries"
    __table_args__ = (
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
        sa.CheckConstraint(f"year BETWEEN {YEAR_MIN} AND {YEAR_MAX}", name="jalali_year"),
        sa.CheckConstraint("title_fa <> '' OR title_en <> ''", name="has_a_title"),
        sa.CheckConstraint(f"length(reason) <= {REASON_MAX}", name="reason_length"),
        sa.CheckConstraint("state = 'draft' OR published_at IS NOT NULL", name="announced_has_date"),
        sa.CheckConstraint("state <> 'withdrawn' OR withdrawn_at IS NOT NULL", name="withdrawn_has_date"),
        sa.Index("ix_plan_entries_listing", "state", "year", "quarter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int] = mapped_column(sa.SmallInteger)  # Jalali
    quarter: Mapped[int] = mapped_column(sa.SmallInteger)
    title_fa: Mapped[str] = mapped_column(sa.String(TITLE_MAX), default="")
    title_en: Mapped[str] = mapped_column(sa.String(TITLE_MAX), default="")
    document_type: Mapped[DocumentType] = mapped_column(portable_enum(DocumentType, "plan_document_type"))
    drafting_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[PlanState] = mapped_column(portable_enum(PlanState, "plan_state"), default=PlanState.draft)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The draft written from this entry: one draft per entry, one entry per draft.
    draft_id: Mapped[int | None] = mapped_column(sa.ForeignKey("drafts.id", ondelete="SET NULL"), unique=True)
    # When the followers were told that its draft opened for consultation (once).
    followers_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped["Agency"] = relationship()  # noqa: F821
    drafting_unit: Mapped["Unit | None"] = relationship()  # noqa: F821
    draft: Mapped["Draft | None"] = relationship()  # noqa: F821

    __parent__ = None

    @property
    def __name__(self):
        return str(self.id)

    def __acl__(self):
        return entry_acl(self.agency_id, self.state)

    def title(self, locale_name: str) -> str:
        """In the reader's language, else in the other one."""
        first, second = (self.title_fa, self.title_en) if locale_name == "fa" else (self.title_en, self.title_fa)
        return first or second

    def title_language(self, locale_name: str) -> str:
        """The language `title` is in (for the lang attribute)."""
        if locale_name == "fa":
            return "fa" if self.title_fa else "en"
        return "en" if self.title_en else "fa"


class PlanComment(Base):
    """A signed-in person's comment on an entry's intent; the agency hides one with a reason, never deletes it."""

    __tablename__ = "plan_comments"
    __table_args__ = (
        sa.CheckConstraint(f"length(body) BETWEEN {COMMENT_MIN} AND {COMMENT_MAX}", name="body_length"),
        sa.CheckConstraint("(hidden_at IS NULL) = (hidden_reason IS NULL)", name="hidden_with_reason"),
        sa.Index("ix_plan_comments_entry_id_id", "entry_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_entries.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(sa.Text)
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped["User"] = relationship(foreign_keys=[author_id])  # noqa: F821


class PlanFollow(Base):
    """A person who wants to be told when the entry's draft opens for consultation."""

    __tablename__ = "plan_follows"

    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_entries.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgencyPlan:
    """/agencies/<code>/plan/: the agency's entries by id; an entry not published does not exist for those who
    may not see it (404)."""

    __name__ = "plan"

    def __init__(self, agency):
        self.agency = agency
        self.__parent__ = agency

    def __acl__(self):
        return plan_acl(self.agency.id)

    def __getitem__(self, name):
        from eparticipation.resources import path_number

        entry = object_session(self.agency).scalar(
            sa.select(PlanEntry).where(PlanEntry.id == path_number(name), PlanEntry.agency_id == self.agency.id)
        )
        if entry is None:
            raise KeyError(name)
        entry.__parent__ = self
        request = getattr(self.agency.__parent__, "request", None)
        if entry.state == PlanState.draft and request is not None and not request.has_permission(P.PlanView, entry):
            raise KeyError(name)
        return entry


class SitePlan:
    """/plan/: every agency's published entries for the coming year."""

    __name__ = "plan"

    def __init__(self, parent):
        self.__parent__ = parent
        self.request = parent.request

    def __acl__(self):
        return [(Allow, Everyone, P.SiteView), DENY_ALL]
