"""The ministry and its affiliated agencies, and their units."""

import enum
import re
from datetime import datetime

import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, Allow, Everyone
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eparticipation.accounts.models import Role
from eparticipation.db import Base, UTCDateTime, portable_enum, utcnow
from eparticipation.permissions import Permissions
from eparticipation.sections import child_of
from eparticipation.security import agency_principal, role_principal

CODE_MAX = 32
NAME_MAX = 200
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,31}$")


class UnitKind(enum.StrEnum):
    drafting = "drafting"  # واحد تهیه‌کننده: writes drafts, responds to comments, prepares the report
    public_relations = "public_relations"  # روابط عمومی و امور بین‌الملل: leads the consultation


class Agency(Base):
    """An agency is also a traversal resource: /agencies/<code>/ (its __parent__ is set on lookup)."""

    __tablename__ = "agencies"
    __table_args__ = (sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(CODE_MAX), unique=True)
    name_fa: Mapped[str] = mapped_column(sa.String(NAME_MAX), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(NAME_MAX), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped["Agency | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Agency"]] = relationship(back_populates="parent", order_by="Agency.code")
    units: Mapped[list["Unit"]] = relationship(
        back_populates="agency", cascade="all, delete-orphan", order_by="Unit.id"
    )

    __parent__ = None

    @property
    def __name__(self):
        return self.code

    def __acl__(self):
        """Its own editors write its drafts; administrators edit the agency and its units and see its staff,
        but write no draft (they are no one's drafting unit); auditors read its internal pages. Its coordinators
        (who lead its consultations) and administrators set up its widget for the agency's portal. Nothing else,
        from anyone, is inherited."""
        return [
            (Allow, Everyone, Permissions.SiteView),
            (Allow, agency_principal(self.id, Role.editor), Permissions.AgencyStaff),
            (Allow, agency_principal(self.id, Role.editor), Permissions.DraftAdd),
            (Allow, agency_principal(self.id, Role.coordinator), Permissions.AgencyStaff),
            (Allow, agency_principal(self.id, Role.coordinator), Permissions.EmbedManage),
            (Allow, role_principal(Role.auditor), Permissions.AgencyStaff),
            (Allow, role_principal(Role.admin), Permissions.AgencyStaff),
            (Allow, role_principal(Role.admin), Permissions.AdminAgencies),
            (Allow, role_principal(Role.admin), Permissions.EmbedManage),
            DENY_ALL,
        ]

    def __getitem__(self, name):
        """The agency's sub-objects (services/, …): factory(agency) -> resource, registered with
        `config.add_agency_child`."""
        return child_of(self, "agency", name)

    def name(self, locale_name: str) -> str:
        return self.name_fa if locale_name == "fa" else self.name_en


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "name_fa", name="uq_units_agency_id_name_fa"),
        sa.UniqueConstraint("agency_id", "name_en", name="uq_units_agency_id_name_en"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    kind: Mapped[UnitKind] = mapped_column(portable_enum(UnitKind, "unit_kind"))
    name_fa: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    name_en: Mapped[str] = mapped_column(sa.String(NAME_MAX))

    agency: Mapped[Agency] = relationship(back_populates="units")

    def name(self, locale_name: str) -> str:
        return self.name_fa if locale_name == "fa" else self.name_en
