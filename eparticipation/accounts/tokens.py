"""One-time links sent to a person's address: to set a new password, to confirm the address.

The link carries a random secret (256 bits); the database keeps only its SHA-256, so a copy of the database gives
nobody a working link. A token works once, until it expires: using it is one UPDATE that only an unused token
passes, so two requests with the same link cannot both succeed."""

import hashlib
import secrets
from datetime import timedelta
from enum import Enum

import sqlalchemy as sa

from eparticipation.accounts.models import AccountToken, TokenPurpose, User

TOKEN_BYTES = 32
# A token as it appears in a link: URL-safe base64 of 32 bytes is 43 characters; anything much longer is no token.
TOKEN_TEXT_MAX = 64


class Refusal(Enum):
    """Why a link does not work: it names no token (or a token of another purpose), or it was used, or it ended."""

    unknown = "unknown"
    used = "used"
    expired = "expired"


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def lifetime(settings, purpose: TokenPurpose) -> timedelta:
    key = {TokenPurpose.password_reset: "eparticipation.password_reset.hours",
           TokenPurpose.email_verification: "eparticipation.email_verification.hours"}[purpose]
    return timedelta(hours=settings[key])


def issue(request, user: User, purpose: TokenPurpose) -> tuple[AccountToken, str]:
    """A new token for `user`; the secret for the link is returned, never stored."""
    secret = new_secret()
    token = AccountToken(
        user_id=user.id,
        purpose=purpose,
        token_hash=token_hash(secret),
        created_at=request.now,
        expires_at=request.now + lifetime(request.registry.settings, purpose),
    )
    request.dbsession.add(token)
    request.dbsession.flush()
    return token, secret


def find(dbsession, secret: str, purpose: TokenPurpose, now) -> tuple[AccountToken | None, Refusal | None]:
    """The token of this secret and purpose, if it still works; else None and why not."""
    if not secret or len(secret) > TOKEN_TEXT_MAX or not secret.isascii():
        return None, Refusal.unknown
    token = dbsession.scalar(
        sa.select(AccountToken).where(AccountToken.token_hash == token_hash(secret), AccountToken.purpose == purpose)
    )
    if token is None or not token.user.is_active:
        return None, Refusal.unknown
    if token.used_at is not None:
        return None, Refusal.used
    if token.expires_at <= now:
        return None, Refusal.expired
    return token, None


def use(dbsession, token: AccountToken, now) -> bool:
    """Mark the token used, in one statement that only an unused, unexpired token passes: False when another
    request used it first."""
    result = dbsession.execute(
        sa.update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None), AccountToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    token.used_at = now
    return True


def end_others(dbsession, user: User, purpose: TokenPurpose, now) -> None:
    """Every other unused token of this purpose of the person stops working (as if used now)."""
    dbsession.execute(
        sa.update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def forget_ended(dbsession, now, older_than: timedelta = timedelta(days=30)) -> int:
    """Delete the tokens that ended (used or expired) long ago; how many."""
    return dbsession.execute(
        sa.delete(AccountToken).where(AccountToken.expires_at <= now - older_than)
    ).rowcount


# The keys of the outbox messages that carry a token's secret (password_views.py, verification.py).
SECRET_LINK_KEYS = ("account:password-reset:", "account:verify-email:")


def forget_delivered_link(event):
    """A link that sets a password or confirms an address lives in the mailbox once it is delivered: the outbox
    row keeps no working copy of it (a backup or a leaked dump opens nothing). Undelivered messages keep theirs,
    for the next attempt or an administrator's decision."""
    message = event.message
    if message.key.startswith(SECRET_LINK_KEYS):
        message.link = ""
