"""Account rules: password hashing (argon2), authentication, and sign-in throttling."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pyramid.i18n import TranslationString

from eparticipation import ratelimits
from eparticipation.accounts.models import LoginAttempt, User
from eparticipation.i18n import _

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


# The counters of sign-in failures (eparticipation.ratelimits): per account, per client address across accounts,
# and per account and address together.
ACCOUNT, CLIENT, ACCOUNT_FROM_CLIENT = "login.account", "login.client", "login.account_client"


@dataclass(frozen=True)
class Wait:
    """A sign-in refused before its password is checked: why, and for how long."""

    message: TranslationString
    seconds: int


@dataclass
class LoginThrottle:
    """Brute force is slowed per account and per client address; the account's owner is not locked out.

    Every attempt is counted before its password is checked, by one statement per counter (see
    eparticipation.ratelimits), so parallel guesses cannot all be checked before any is counted:
    - an address may fail `max_failures_per_client` times within `window`, whatever the accounts it tries;
    - an address may fail `max_failures` times on one account within `window`;
    - after `max_failures` failures on an account from any addresses, only an address that has not yet tried
      that account in the window may try it, so whoever guesses from one address cannot keep its owner out.
    A success clears the account's failures and is not held against its address.
    """

    dbsession: object
    now: datetime
    max_failures: int
    window: timedelta
    client_addr: str | None = None
    max_failures_per_client: int = 20

    @classmethod
    def for_request(cls, request):
        from eparticipation.observability.metrics import client_address

        settings = request.registry.settings
        address = client_address(request.environ, settings.get("eparticipation.metrics.trusted_proxies", ()))
        return cls(
            request.dbsession,
            request.now,
            settings["eparticipation.login_throttle.max_failures"],
            timedelta(minutes=settings["eparticipation.login_throttle.window_minutes"]),
            str(address) if address is not None else None,
            settings["eparticipation.login_throttle.max_failures_per_client"],
        )

    @property
    def client(self) -> str:
        return self.client_addr or "unknown"

    def admit(self, email: str) -> Wait | None:
        """Count this attempt; None when its password may be checked, else why not and for how long.
        The counters are taken in one order (client, account, both), so parallel attempts never deadlock."""
        email = normalise_email(email)
        by_client = ratelimits.hit(self.dbsession, CLIENT, self.client, self.window, self.now)
        on_account = ratelimits.hit(self.dbsession, ACCOUNT, email, self.window, self.now)
        from_client = ratelimits.hit(self.dbsession, ACCOUNT_FROM_CLIENT, f"{email} {self.client}", self.window,
                                     self.now)
        if by_client.hits > self.max_failures_per_client:
            return self.wait(by_client, _("Too many failed sign-in attempts from your network. "
                                          "Try again in ${minutes} minutes."))
        if from_client.hits > self.max_failures:
            return self.wait(from_client, None)
        if on_account.hits > self.max_failures and from_client.hits > 1:
            return self.wait(on_account, None)
        return None

    def wait(self, count, message) -> Wait:
        minutes = count.minutes_left(self.now)
        message = message or _("Too many failed sign-in attempts for this address. Try again in ${minutes} minutes.")
        return Wait(_(message, mapping={"minutes": minutes}), count.seconds_left(self.now))

    def record(self, email: str, succeeded: bool):
        """The attempt's outcome, kept in the log of attempts; a success clears the account's failures."""
        email = normalise_email(email)
        if succeeded:
            ratelimits.clear(self.dbsession, ACCOUNT, email)
            ratelimits.clear(self.dbsession, ACCOUNT_FROM_CLIENT, f"{email} {self.client}")
            ratelimits.take_back(self.dbsession, CLIENT, self.client)
        self.dbsession.add(
            LoginAttempt(email=email[:254], succeeded=succeeded, client_addr=self.client_addr, attempted_at=self.now)
        )
