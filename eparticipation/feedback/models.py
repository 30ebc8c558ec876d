"""Service feedback (DESIGN P4): an agency's services and processes, and the citizens' monthly ratings of them.

Traversal: /agencies/<code>/services/ is a `ServiceContainer` (registered by includeme: config.add_agency_child);
/agencies/<code>/services/<id>/ is a `Service` row. Both compute their ACLs from the agency's id.

A citizen rates a service at most once per Jalali calendar month in Tehran: the rating's `period` ("1405-09")
is part of a unique constraint, so the database holds the rule even under a race.
"""

from datetime import date, datetime

import sqlalchemy as sa
from persiantools.jdatetime import JalaliDate
from pyramid.authorization import DENY_ALL, Allow, Deny, Everyone
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from eparticipation.accounts.models import Role
from eparticipation.accounts.principals import VERIFIED
from eparticipation.db import Base, UTCDateTime, utcnow
from eparticipation.decisions import Decision
from eparticipation.i18n import DISPLAY_TIMEZONE
from eparticipation.permissions import Permissions
from eparticipation.security import abstention_principal, agency_principal, role_principal

NAME_MAX = 200
DESCRIPTION_MAX = 3000
COMMENT_MAX = 2000
ANSWER_MAX = 3000
SCORES = (1, 2, 3, 4, 5)


def services_acl(agency_id: int) -> list:
    """Computed, never stored: everyone reads the services; the agency's editors and coordinators, and
    administrators, manage them and read the ratings' comments, as auditors do; anyone signed in with a confirmed
    address rates them. Nothing is inherited from the agency or the site."""
    staff = (agency_principal(agency_id, Role.editor), agency_principal(agency_id, Role.coordinator),
             role_principal(Role.admin))
    return [
        (Allow, Everyone, Permissions.SiteView),
        *[(Allow, principal, permission) for principal in staff
          for permission in (Permissions.ServiceManage, Permissions.AgencyStaff)],
        (Allow, role_principal(Role.auditor), Permissions.AgencyStaff),
        # The agency's editors are its responders: they answer comments on its services as on its drafts.
        (Allow, agency_principal(agency_id, Role.editor), Permissions.ServiceAnswer),
        # The agency's own staff do not rate its services (unless the site lets them, security.py).
        (Deny, abstention_principal(agency_id), Permissions.ServiceRate),
        (Allow, VERIFIED, Permissions.ServiceRate),  # signed in, with a confirmed address
        DENY_ALL,
    ]


def rating_period(moment: datetime) -> str:
    """The Jalali month in Tehran that `moment` falls in, e.g. "1405-09"."""
    local = JalaliDate(moment.astimezone(DISPLAY_TIMEZONE).date())
    return f"{local.year:04d}-{local.month:02d}"


def next_period_start(moment: datetime) -> date:
    """The (Gregorian) date of the first day of the Jalali month after the one `moment` falls in, in Tehran."""
    local = JalaliDate(moment.astimezone(DISPLAY_TIMEZONE).date())
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return JalaliDate(year, month, 1).to_gregorian()


class Service(Base):
    """A service or process of an agency; a traversal resource at /agencies/<code>/services/<id>/."""

    __tablename__ = "services"
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "name_fa", name="uq_services_agency_id_name_fa"),
        sa.UniqueConstraint("agency_id", "name_en", name="uq_services_agency_id_name_en"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    name_fa: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    name_en: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    description_fa: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped["Agency"] = relationship()  # noqa: F821

    __parent__ = None

    @property
    def __name__(self):
        return str(self.id)

    def __acl__(self):
        return services_acl(self.agency_id)

    def name(self, locale_name: str) -> str:
        return self.name_fa if locale_name == "fa" else self.name_en

    def description(self, locale_name: str) -> str:
        return self.description_fa if locale_name == "fa" else self.description_en


class ServiceRating(Base):
    """One citizen's rating of one service in one Jalali month. Only aggregates are public; the comments are
    read by the agency's staff and auditors, without the rater's identity or demographics."""

    __tablename__ = "service_ratings"
    __table_args__ = (
        sa.UniqueConstraint("service_id", "user_id", "period", name="uq_service_ratings_service_id_user_id_period"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        sa.CheckConstraint(f"comment IS NULL OR length(comment) <= {COMMENT_MAX}", name="comment_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score: Mapped[int] = mapped_column(sa.SmallInteger)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    period: Mapped[str] = mapped_column(sa.String(7))  # the Jalali month in Tehran, "1405-09"
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServiceAnswer(Base):
    """The agency's public answer to one rating's comment: a decision of the responses' vocabulary and its
    reason. One per rating; a revision overwrites it (the audit log keeps every wording) and counts up
    `revision`, so the rater is told of each new wording once."""

    __tablename__ = "service_answers"
    __table_args__ = (
        sa.CheckConstraint("decision IN (" + ", ".join(f"'{d.value}'" for d in Decision) + ")",
                           name="decision_known"),
        sa.CheckConstraint(f"length(trim(reason)) > 0 AND length(reason) <= {ANSWER_MAX}", name="reason_given"),
        sa.CheckConstraint("revision > 0", name="revision_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(sa.ForeignKey("service_ratings.id", ondelete="CASCADE"), unique=True)
    decision: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text)
    revision: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def as_dict(self) -> dict:
        return {"decision": self.decision, "reason": self.reason}


class ServiceContainer:
    """/agencies/<code>/services/: the agency's services by id; other names are views (add) or 404."""

    __name__ = "services"

    def __init__(self, agency):
        self.agency = agency
        self.__parent__ = agency

    def __acl__(self):
        return services_acl(self.agency.id)

    def __getitem__(self, name):
        from eparticipation.resources import path_number

        service = object_session(self.agency).scalar(
            sa.select(Service).where(Service.id == path_number(name), Service.agency_id == self.agency.id)
        )
        if service is None:
            raise KeyError(name)
        service.__parent__ = self
        return service
