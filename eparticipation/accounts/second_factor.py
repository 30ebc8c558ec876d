"""The second factor: an authenticator app's time-based codes (TOTP, RFC 6238) and single-use recovery codes,
the sign-in's second step, and re-authentication before a credential changes.

The session remembers two things (security.py reads the first):
    SECOND_FACTOR_DONE   the id of the second factor this session checked (at sign-in, on enrolment, or on
                         re-authentication); without it a staff person's role grants count for nothing
    AUTHENTICATED_AT     when this session last proved its password (and code, if enrolled): sensitive changes ask
                         again after `eparticipation.reauthentication_minutes`
"""

import enum
import hmac
import secrets
from functools import lru_cache

import pyotp
import segno
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from markupsafe import Markup, escape
from pyramid.httpexceptions import HTTPSeeOther

from eparticipation.accounts.events import SecondFactorChanged
from eparticipation.accounts.keys import derived_fernet
from eparticipation.accounts.models import RecoveryCode, SecondFactor, User
from eparticipation.i18n import _, flash, to_latin_digits
from eparticipation.security import SECOND_FACTOR_DONE

AUTHENTICATED_AT = "authenticated_at"
PENDING_SIGN_IN = "pending_sign_in"  # {"user_id", "at", "next"}: the password was right, the code is awaited
PENDING_ENROLMENT = "pending_second_factor"  # the encrypted secret shown on the enrolment page, not yet confirmed
PENDING_SIGN_IN_SECONDS = 5 * 60
ISSUER = "eparticipation"
SECRET_LENGTH = 32  # base32 characters: 160 bits, the length RFC 4226 recommends
CODE_DIGITS = 6
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/i/l to misread
RECOVERY_CODE_LENGTH = 10  # about 50 bits each, hence a salted password hash below (not a plain digest)
# The throttle counts wrong codes apart from wrong passwords: a right password must not reset the code's count.
THROTTLE_PREFIX = "2fa:"

# Recovery codes are hashed with argon2id at OWASP's smallest recommended cost: they are random (unlike passwords),
# and a use tries each unused code of the person in turn.
recovery_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class Outcome(enum.Enum):
    totp = "totp"
    recovery = "recovery"
    wrong = "wrong"
    replayed = "replayed"

    @property
    def accepted(self) -> bool:
        return self in (Outcome.totp, Outcome.recovery)


REFUSALS = {
    Outcome.wrong: _("The code is not right. Type the 6 digits your authenticator app shows now, or a recovery code."),
    Outcome.replayed: _("This code was used already. Wait for the next code in your authenticator app."),
}


# --- the secret at rest -------------------------------------------------------------------------------
# The secret is encrypted with a key derived from the session secret, which production takes from the
# environment: a copy of the database (a backup, a leaked dump) alone does not give anyone a person's codes.
# Changing the session secret makes the stored secrets unreadable: everyone then enrols again (an admin resets).


@lru_cache(maxsize=4)
def _fernet(session_secret: str) -> Fernet:
    return derived_fernet(session_secret, b"eparticipation second factor secret")


def encrypt_secret(settings, secret: str) -> str:
    return _fernet(settings["eparticipation.session_secret"]).encrypt(secret.encode()).decode()


def decrypt_secret(settings, token: str) -> str | None:
    try:
        return _fernet(settings["eparticipation.session_secret"]).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def new_secret() -> str:
    return pyotp.random_base32(length=SECRET_LENGTH)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, alt: str) -> Markup:
    """The otpauth address as an inline SVG QR code, named for screen readers."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=2, dark="#000", light="#fff", title=alt, svgclass="qr-code"
    )
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(alt)}" ', 1))


# --- codes ------------------------------------------------------------------------------------------------


def normalised_code(code: str) -> str:
    return to_latin_digits(code or "").strip().replace(" ", "").replace("-", "").lower()


def matching_step(secret: str, code: str, now) -> int | None:
    """The time step (30 s) whose code this is, within one step either side of now (clocks drift, people type)."""
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def current_code(secret: str, now) -> str:
    return pyotp.TOTP(secret).at(now)


def consume_step(dbsession, factor: SecondFactor, step: int) -> bool:
    """Accept the step only if it is later than the last one accepted: in one statement, so that two requests
    with the same code cannot both pass."""
    result = dbsession.execute(
        sa.update(SecondFactor)
        .where(
            SecondFactor.id == factor.id,
            sa.or_(SecondFactor.last_used_step.is_(None), SecondFactor.last_used_step < step),
        )
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        factor.last_used_step = step
        dbsession.flush()
        return True
    return False


def new_recovery_codes(request, user: User) -> list[str]:
    """A fresh set of recovery codes, replacing any earlier ones; only their hashes are stored."""
    request.dbsession.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _number in range(RECOVERY_CODE_COUNT):
        code = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        request.dbsession.add(
            RecoveryCode(user_id=user.id, code_hash=recovery_hasher.hash(code), created_at=request.now)
        )
        codes.append(f"{code[:5]}-{code[5:]}")
    request.dbsession.flush()
    return codes


def unused_recovery_codes(dbsession, user: User) -> int:
    return dbsession.scalar(
        sa.select(sa.func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def use_recovery_code(request, user: User, code: str) -> bool:
    if len(code) != RECOVERY_CODE_LENGTH or not code.isascii():
        return False
    unused = request.dbsession.scalars(
        sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for candidate in unused:
        try:
            recovery_hasher.verify(candidate.code_hash, code)
        except (VerificationError, InvalidHashError):
            continue
        # Used once: a second request with the same code finds it used.
        result = request.dbsession.execute(
            sa.update(RecoveryCode)
            .where(RecoveryCode.id == candidate.id, RecoveryCode.used_at.is_(None))
            .values(used_at=request.now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1
    return False


def check_second_factor(request, user: User, typed: str) -> Outcome:
    """A code of the person's authenticator app, or one of their recovery codes."""
    factor = user.second_factor
    code = normalised_code(typed)
    if factor is None:
        return Outcome.wrong
    # A secret that no longer decrypts (the session secret changed) leaves the recovery codes, which are hashed.
    secret = decrypt_secret(request.registry.settings, factor.secret)
    step = matching_step(secret, code, request.now) if secret is not None else None
    if step is not None:
        return Outcome.totp if consume_step(request.dbsession, factor, step) else Outcome.replayed
    if use_recovery_code(request, user, code):
        request.registry.notify(SecondFactorChanged(request, user))
        return Outcome.recovery
    return Outcome.wrong


# --- enrolment ----------------------------------------------------------------------------------------


def enrol(request, user: User, secret: str, step: int) -> SecondFactor:
    """Make `secret` the person's second factor (replacing any), its confirming code's step already used."""
    if user.second_factor is not None:
        request.dbsession.delete(user.second_factor)
        request.dbsession.flush()
    factor = SecondFactor(
        user_id=user.id,
        secret=encrypt_secret(request.registry.settings, secret),
        enrolled_at=request.now,
        last_used_step=step,
    )
    user.second_factor = factor
    request.dbsession.flush()
    return factor


def remove(request, user: User):
    """The second factor and every recovery code of the person, gone."""
    if user.second_factor is not None:
        request.dbsession.delete(user.second_factor)
        user.second_factor = None
    request.dbsession.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    request.dbsession.flush()


# --- staff ----------------------------------------------------------------------------------------------


def must_enrol(request, user: User) -> bool:
    """A staff person without a second factor, where the site requires one of staff."""
    return (
        bool(user.grants)
        and request.registry.settings["eparticipation.mfa.required_for_staff"]
        and user.second_factor is None
    )


# --- the session ----------------------------------------------------------------------------------------


def mark_authenticated(request, user: User, second_factor: bool):
    request.session[AUTHENTICATED_AT] = request.now.timestamp()
    if second_factor:
        request.session[SECOND_FACTOR_DONE] = user.second_factor.id


def ask_for_second_factor(request, user: User, next_url: str):
    """The password was right: remember who is half-way, and ask for the code (nobody is signed in yet)."""
    request.session[PENDING_SIGN_IN] = {"user_id": user.id, "at": request.now.timestamp(), "next": next_url}
    return HTTPSeeOther(request.resource_url(request.root, "login-code"))


def pending_sign_in(request) -> tuple[User | None, str]:
    pending = request.session.get(PENDING_SIGN_IN)
    if not isinstance(pending, dict):
        return None, ""
    if request.now.timestamp() - pending.get("at", 0) > PENDING_SIGN_IN_SECONDS:
        del request.session[PENDING_SIGN_IN]
        return None, ""
    user = request.dbsession.get(User, pending.get("user_id"))
    if user is None or not user.is_active or user.second_factor is None:
        return None, ""
    return user, pending.get("next", "")


def recently_authenticated(request) -> bool:
    at = request.session.get(AUTHENTICATED_AT)
    if not isinstance(at, (int, float)):
        return False
    age = request.now.timestamp() - at
    return 0 <= age <= request.registry.settings["eparticipation.reauthentication_minutes"] * 60


def require_recent_authentication(request, next_url: str | None = None):
    """Before a credential changes: the signed-in person proved their password (and code, if they have a second
    factor) within the last few minutes, or they are sent to do so (HTTPSeeOther, raised) and then back to
    `next_url` (by default this page; give the form's page for a POST)."""
    if recently_authenticated(request):
        return
    if next_url is None:
        next_url = request.path_qs if request.method == "GET" else request.resource_path(request.root, "me")
    flash(request, _("For your security, confirm it is you before you change how you sign in."), "")
    raise HTTPSeeOther(request.resource_url(request.root, "me", "confirm", query={"next": next_url}))

