"""People: accounts with their demographic profile, role grants, second factors, and sign-in attempts."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eparticipation.db import Base, UTCDateTime, portable_enum, utcnow
from eparticipation.geography import residence_codes

EMAIL_MAX = 254
DISPLAY_NAME_MAX = 80
ORGANISATION_MAX = 200
MOBILE_MAX = 16
EARLIEST_BIRTH_YEAR = 1900


class Gender(enum.StrEnum):
    female = "female"
    male = "male"
    undisclosed = "undisclosed"


class StakeholderCategory(enum.StrEnum):
    individual = "individual"
    academic = "academic"
    ngo = "ngo"
    private_sector = "private_sector"
    government = "government"
    other = "other"


class Role(enum.StrEnum):
    editor = "editor"  # drafting unit of one agency
    coordinator = "coordinator"  # public relations / international affairs unit of one agency
    auditor = "auditor"  # ministry inspection, read-only over every agency
    admin = "admin"  # the system

    @property
    def is_agency_role(self) -> bool:
        return self in (Role.editor, Role.coordinator)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint(
            f"birth_year IS NULL OR birth_year >= {EARLIEST_BIRTH_YEAR}", name="birth_year_plausible"
        ),
        sa.CheckConstraint(
            "residence IS NULL OR residence IN ({})".format(", ".join(f"'{c}'" for c in residence_codes())),
            name="residence_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(DISPLAY_NAME_MAX))
    mobile: Mapped[str | None] = mapped_column(sa.String(MOBILE_MAX))
    locale: Mapped[str] = mapped_column(sa.String(8), default="fa")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the person opened the link sent to their address; until then they may sign in but not take part.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The demographic profile: only ever published in aggregate (never per person).
    birth_year: Mapped[int | None] = mapped_column(sa.SmallInteger)
    gender: Mapped[Gender | None] = mapped_column(portable_enum(Gender, "gender"))
    residence: Mapped[str | None] = mapped_column(sa.String(16))  # a province code, "abroad" or "undisclosed"
    stakeholder_category: Mapped[StakeholderCategory | None] = mapped_column(
        portable_enum(StakeholderCategory, "stakeholder_category")
    )
    organisation: Mapped[str | None] = mapped_column(sa.String(ORGANISATION_MAX))

    # Also `unread_messages`, the count of unread inbox messages: a deferred column that messaging/models.py
    # adds, loaded with the signed-in person (security.identity_statement).
    grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        foreign_keys="RoleGrant.user_id",
        lazy="selectin",
        order_by="RoleGrant.id",
    )
    second_factor: Mapped["SecondFactor | None"] = relationship(
        back_populates="user", cascade="all, delete-orphan", uselist=False
    )

    def __repr__(self):
        return f"<User {self.id} {self.email}>"

    @property
    def profile_complete(self) -> bool:
        return None not in (self.birth_year, self.gender, self.residence, self.stakeholder_category)

    def has_role(self, role: Role, agency_id: int | None = None) -> bool:
        return any(g.role == role and g.agency_id == agency_id for g in self.grants)


class RoleGrant(Base):
    """A role given to a user: editor or coordinator of one agency, or auditor or admin of the system."""

    __tablename__ = "role_grants"
    __table_args__ = (
        sa.CheckConstraint(
            "(role IN ('editor', 'coordinator')) = (agency_id IS NOT NULL)", name="agency_iff_agency_role"
        ),
        # NULLs are distinct in unique constraints, so system roles and agency roles get one index each.
        sa.Index(
            "uq_role_grants_system_role",
            "user_id",
            "role",
            unique=True,
            sqlite_where=sa.text("agency_id IS NULL"),
            postgresql_where=sa.text("agency_id IS NULL"),
        ),
        sa.Index(
            "uq_role_grants_agency_role",
            "user_id",
            "role",
            "agency_id",
            unique=True,
            sqlite_where=sa.text("agency_id IS NOT NULL"),
            postgresql_where=sa.text("agency_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(portable_enum(Role, "role"))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    agency: Mapped["Agency | None"] = relationship(lazy="joined")  # noqa: F821


class LoginAttempt(Base):
    """Every sign-in attempt; recent failures for one address throttle further attempts."""

    __tablename__ = "login_attempts"
    __table_args__ = (sa.Index("ix_login_attempts_email_attempted_at", "email", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX))
    client_addr: Mapped[str | None] = mapped_column(sa.String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool]


class SecondFactor(Base):
    """A person's authenticator app (TOTP, RFC 6238): one per account. The secret is encrypted
    (accounts/second_factor.py), and the last time step whose code was accepted is kept, so no code counts twice."""

    __tablename__ = "second_factors"
    __table_args__ = (sa.CheckConstraint("last_used_step IS NULL OR last_used_step > 0", name="step_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(sa.String(255))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_step: Mapped[int | None]

    user: Mapped[User] = relationship(back_populates="second_factor")


class RecoveryCode(Base):
    """A single-use code that stands in for the authenticator app: only its hash is kept, and its use is dated."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountSession(Base):
    """A signed-in browser (accounts/sessions.py): its cookie holds a random token, and only the token's hash is
    kept here. Deleting the row ends the session at that browser's next request, wherever its cookie was copied."""

    __tablename__ = "account_sessions"
    __table_args__ = (sa.CheckConstraint("last_seen_at >= created_at", name="seen_after_created"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the person sees on /me/sessions to tell their browsers apart ("Firefox on Android"), not the raw header.
    device: Mapped[str] = mapped_column(sa.String(120), default="")

    user: Mapped[User] = relationship()


class TokenPurpose(enum.StrEnum):
    password_reset = "password_reset"
    email_verification = "email_verification"


class AccountToken(Base):
    """A one-time link sent to a person's address (to set a new password, to confirm the address): only the SHA-256
    of its secret is kept, with when it ends and when it was used (accounts/tokens.py)."""

    __tablename__ = "account_tokens"
    __table_args__ = (sa.Index("ix_account_tokens_user_id_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[TokenPurpose] = mapped_column(portable_enum(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
