"""Sessions that end (ASVS 7): a signed-in browser is a row of `account_sessions`, found by the hash of a random
token its cookie carries, in the one statement that loads the signed-in person (security.identity_statement).

A session ends when its row is gone: at sign-out (security.SecurityPolicy.forget), when the person ends it on /me/sessions, when the password
changes or is reset, when the second factor changes, when an administrator closes the account or ends all its
sessions (these subscribe to accounts/events.py), after `eparticipation.sessions.idle_minutes` without a request,
and `eparticipation.sessions.lifetime_hours` after sign-in whatever the activity. A cookie copied before any of
these opens nothing afterwards, and reopening a closed account revives none of its old cookies.

The cookie itself (everything else the session holds: the CSRF token, flashed messages, a sign-in half done) is
encrypted and signed (`EncryptedCookieSerializer`), so its content cannot be read or changed by its holder."""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from pyramid.events import subscriber

from eparticipation.accounts import events
from eparticipation.accounts.keys import derived_fernet
from eparticipation.accounts.models import AccountSession, User

# The session key of the token; its hash finds the row.
TOKEN = "account_session"
DEVICE_MAX = 120
# A session's last request is written at most this often (and at least ten times per idle timeout), so reading a
# page does not write to the database each time.
TOUCH_AT_MOST_EVERY = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionRules:
    idle: timedelta
    lifetime: timedelta

    @classmethod
    def from_settings(cls, settings) -> "SessionRules":
        return cls(
            idle=timedelta(minutes=int(settings.get("eparticipation.sessions.idle_minutes", 8 * 60))),
            lifetime=timedelta(hours=int(settings.get("eparticipation.sessions.lifetime_hours", 7 * 24))),
        )

    @property
    def touch_every(self) -> timedelta:
        return min(TOUCH_AT_MOST_EVERY, self.idle / 10)

    def is_over(self, session: AccountSession, now: datetime) -> bool:
        return now - session.last_seen_at > self.idle or now - session.created_at > self.lifetime

    def still_open(self, now: datetime):
        """A WHERE clause: the sessions neither idle too long nor too old."""
        return sa.and_(AccountSession.last_seen_at >= now - self.idle, AccountSession.created_at >= now - self.lifetime)


def rules_of(request) -> SessionRules:
    return request.registry["session_rules"]


def describe_device(user_agent: str | None) -> str:
    """'Firefox on Android', from the browser's User-Agent header (ua-parser); '' when it tells nothing."""
    if not user_agent:
        return ""
    from ua_parser import parse

    found = parse(user_agent[:1000])
    browser = found.user_agent.family if found.user_agent else ""
    system = found.os.family if found.os else ""
    if browser and system:
        return f"{browser} · {system}"[:DEVICE_MAX]
    return (browser or system)[:DEVICE_MAX]


def begin(request, user_id: int) -> AccountSession:
    """A new session for the person, its token put in the (new) cookie session."""
    token = secrets.token_urlsafe(32)
    row = AccountSession(
        user_id=user_id, token_hash=token_hash(token), created_at=request.now, last_seen_at=request.now,
        device=describe_device(request.user_agent),
    )
    request.dbsession.add(row)
    request.dbsession.flush()
    request.session[TOKEN] = token
    return row


def token_of(request) -> str | None:
    token = request.session.get(TOKEN)
    return token if isinstance(token, str) else None


def still_valid(request, session: AccountSession) -> bool:
    """Whether the session found by the cookie goes on; one that is over is deleted, one that goes on is touched
    (at most every few minutes)."""
    rules, now = rules_of(request), request.now
    if rules.is_over(session, now):
        request.dbsession.execute(sa.delete(AccountSession).where(AccountSession.id == session.id))
        return False
    if now - session.last_seen_at >= rules.touch_every:
        request.dbsession.execute(
            sa.update(AccountSession).where(AccountSession.id == session.id).values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
    return True


def end(dbsession, user_id: int, *, keep: int | None = None, only: int | None = None) -> int:
    """Ends the person's sessions (all of them, all but `keep`, or only `only`); how many ended."""
    statement = sa.delete(AccountSession).where(AccountSession.user_id == user_id)
    if keep is not None:
        statement = statement.where(AccountSession.id != keep)
    if only is not None:
        statement = statement.where(AccountSession.id == only)
    return dbsession.execute(statement.execution_options(synchronize_session=False)).rowcount


def open_sessions(request, user: User) -> list[AccountSession]:
    """The person's sessions that go on, the most recently used first."""
    return list(request.dbsession.scalars(
        sa.select(AccountSession)
        .where(AccountSession.user_id == user.id, rules_of(request).still_open(request.now))
        .order_by(AccountSession.last_seen_at.desc(), AccountSession.id.desc())
    ))


def forget_ended(dbsession, settings, now: datetime) -> int:
    """Deletes the sessions past their idle timeout or lifetime (run by the tick); how many."""
    rules = SessionRules.from_settings(settings)
    return dbsession.execute(
        sa.delete(AccountSession).where(sa.not_(rules.still_open(now))).execution_options(synchronize_session=False)
    ).rowcount


def personal_data(dbsession, user: User) -> list[dict]:
    return [
        {"device": row.device, "signed_in_at": row.created_at.isoformat(), "last_seen_at": row.last_seen_at.isoformat()}
        for row in dbsession.scalars(
            sa.select(AccountSession).where(AccountSession.user_id == user.id).order_by(AccountSession.id)
        )
    ]


# --- the events that end sessions ------------------------------------------------------------------------


def current_session_id(request) -> int | None:
    from eparticipation.security import current_session

    session = current_session(request)
    return None if session is None else session.id


@subscriber(events.PasswordChanged, events.SecondFactorChanged)
def end_the_other_sessions(event):
    """A changed credential ends every other browser's session: whoever had the old one is out (ASVS 7.4.3)."""
    end(event.request.dbsession, event.user.id, keep=current_session_id(event.request))


@subscriber(events.AllSessionsEnded)
def end_the_sessions_asked(event):
    end(event.request.dbsession, event.user.id,
        keep=current_session_id(event.request) if event.keep_current else None)


@subscriber(events.PasswordReset, events.AccountClosed)
def end_every_session(event):
    end(event.request.dbsession, event.user.id)


# --- the cookie -----------------------------------------------------------------------------------------

# Browsers keep cookies of up to 4096 bytes; Pyramid refuses to set a longer one (after the transaction committed).
COOKIE_BUDGET = 4000
FLASH_PREFIX = "_f_"


@lru_cache(maxsize=4)
def _fernet(session_secret: str) -> Fernet:
    return derived_fernet(session_secret, b"eparticipation session cookie")


class EncryptedCookieSerializer:
    """The cookie session's serializer (pyramid.session.BaseCookieSessionFactory): JSON, encrypted and
    authenticated with Fernet. Flashed messages that would make the cookie too long are dropped, oldest first,
    so a request whose work committed never fails at its last step for having too much to say."""

    def __init__(self, secret: str):
        self.fernet = _fernet(secret)

    def loads(self, data: bytes):
        try:
            return json.loads(self.fernet.decrypt(data))
        except (InvalidToken, ValueError) as error:
            raise ValueError("not a session cookie of this site") from error

    def dumps(self, appstruct) -> bytes:
        accessed, created, data = appstruct
        cookie = self._encrypt(accessed, created, data)
        if len(cookie) <= COOKIE_BUDGET:
            return cookie
        data = {key: list(value) if key.startswith(FLASH_PREFIX) else value for key, value in data.items()}
        while len(cookie) > COOKIE_BUDGET and any(data[key] for key in data if key.startswith(FLASH_PREFIX)):
            longest = max((key for key in data if key.startswith(FLASH_PREFIX)), key=lambda key: len(data[key]))
            data[longest].pop(0)
            cookie = self._encrypt(accessed, created, data)
        return cookie

    def _encrypt(self, accessed, created, data) -> bytes:
        return self.fernet.encrypt(json.dumps([accessed, created, data], separators=(",", ":")).encode())


# --- the session secret ---------------------------------------------------------------------------------

SECRET_MIN_BYTES = 32
SECRET_MIN_DISTINCT = 16


class WeakSessionSecret(ValueError):
    pass


def check_session_secret(secret: str | None) -> str:
    """The secret signs and encrypts every cookie and, derived, the second factors' secrets: at least 32 bytes
    that look random (e.g. `python -c "import secrets; print(secrets.token_urlsafe(32))"`), or no start."""
    advice = 'generate one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
    if not secret:
        raise WeakSessionSecret(f"eparticipation.session_secret is not set (SESSION_SECRET in production); {advice}")
    if len(secret.encode()) < SECRET_MIN_BYTES:
        raise WeakSessionSecret(
            f"eparticipation.session_secret is {len(secret.encode())} bytes, fewer than {SECRET_MIN_BYTES}; {advice}"
        )
    if len(set(secret)) < SECRET_MIN_DISTINCT:
        raise WeakSessionSecret(f"eparticipation.session_secret does not look random; {advice}")
    return secret


def includeme(config):
    from pyramid.session import BaseCookieSessionFactory

    from eparticipation.security import SECURE_SESSION_COOKIE, SESSION_COOKIE

    settings = config.get_settings()
    secret = check_session_secret(settings.get("eparticipation.session_secret"))
    rules = SessionRules.from_settings(settings)
    config.registry["session_rules"] = rules
    secure = settings["eparticipation.secure_cookies"]
    config.registry["session_cookie_name"] = cookie_name = SECURE_SESSION_COOKIE if secure else SESSION_COOKIE
    config.set_session_factory(
        BaseCookieSessionFactory(
            EncryptedCookieSerializer(secret),
            cookie_name=cookie_name,
            secure=secure,
            path="/",
            domain=None,
            httponly=True,
            samesite="Lax",
            max_age=None,
            # The cookie's own idle limit follows the server's; the server's rules are the ones that count.
            timeout=int(rules.idle.total_seconds()),
            reissue_time=int(rules.touch_every.total_seconds()),
        )
    )
