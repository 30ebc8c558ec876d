"""Account rules: password hashing (argon2), authentication, and sign-in throttling."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from eparticipation.accounts.models import LoginAttempt, User

password_hasher = PasswordHasher()
# Verified against when the address is unknown, so a miss costs as long as a wrong password.
_UNKNOWN_USER_HASH = password_hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    try:
        password_hasher.verify(user.password_hash if user else _UNKNOWN_USER_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is None:
        return False
    if password_hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(dbsession, email: str) -> User | None:
    return dbsession.scalar(sa.select(User).where(User.email == normalise_email(email)))


@dataclass
class LoginThrottle:
    """After `max_failures` failed attempts for one address within `window`, further attempts wait.

    Attempts are rows in the database, so the limit holds across every app process.
    """

    dbsession: object
    now: datetime
    max_failures: int
    window: timedelta

    @classmethod
    def for_request(cls, request):
        settings = request.registry.settings
        return cls(
            request.dbsession,
            request.now,
            settings["eparticipation.login_throttle.max_failures"],
            timedelta(minutes=settings["eparticipation.login_throttle.window_minutes"]),
        )

    def minutes_to_wait(self, email: str) -> int:
        """0 when the address may try now; otherwise whole minutes until it may."""
        email = normalise_email(email)
        last_success = (
            sa.select(sa.func.max(LoginAttempt.attempted_at))
            .where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(True))
            .scalar_subquery()
        )
        recent_failures = sa.select(LoginAttempt.attempted_at).where(
            LoginAttempt.email == email,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at > self.now - self.window,
            sa.or_(last_success.is_(None), LoginAttempt.attempted_at > last_success),
        )
        failures = self.dbsession.scalars(recent_failures.order_by(LoginAttempt.attempted_at)).all()
        if len(failures) < self.max_failures:
            return 0
        # The block lifts when the oldest failure that still counts leaves the window.
        oldest_counted = failures[-self.max_failures]
        return max(1, ceil((oldest_counted + self.window - self.now).total_seconds() / 60))

    def record(self, email: str, succeeded: bool, client_addr: str | None):
        self.dbsession.add(
            LoginAttempt(
                email=normalise_email(email)[:254],
                succeeded=succeeded,
                client_addr=client_addr,
                attempted_at=self.now,
            )
        )
