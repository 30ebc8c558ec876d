"""The syndication settings of the ini file, read and checked once at start-up into a SyndicationConfig in the
registry (`registry["syndication"]`; None when syndication is off).

    eparticipation.syndication.url = https://...           the national system's endpoint; empty or absent: off
    eparticipation.syndication.site_url = https://...      this site's public origin, that the pushes' addresses are
                                                           built on (the tick's request, which closes consultations,
                                                           knows no host); absent: the request's own
    eparticipation.syndication.token = ...                 sent as `Authorization: Bearer <token>`
    eparticipation.syndication.secret = ...                the signature's HMAC-SHA256 key (≥ 32 characters)
    eparticipation.syndication.timeout = 15                seconds to wait for the receiver's answer
    eparticipation.syndication.max_attempts = 8            attempts before a push is given up (a dead letter)
    eparticipation.syndication.retry_base_seconds = 60     the first retry's wait, doubled after each failure
    eparticipation.syndication.lease_seconds = 300         how long a worker's claim on a push holds while it sends it

Secrets stay out of files: SYNDICATION_<OPTION> in the environment (SYNDICATION_URL, SYNDICATION_TOKEN,
SYNDICATION_SECRET, SYNDICATION_TIMEOUT, ...) overrides the ini, as MESSAGING_<CHANNEL>_<OPTION> does for the
channels. The address must be https, except on the loopback interface (a receiver on the same machine).
"""

import ipaddress
import os
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from eparticipation.settings import SettingError

PREFIX = "eparticipation.syndication."
ENVIRONMENT_PREFIX = "SYNDICATION_"
OPTIONS = ("url", "token", "secret", "site_url", "timeout", "max_attempts", "retry_base_seconds", "lease_seconds")
SECRET_MIN = 32
TIMEOUT_MAX = 120


@dataclass(frozen=True)
class SyndicationConfig:
    url: str
    token: str
    secret: str
    timeout: float = 15.0
    max_attempts: int = 8
    retry_base: timedelta = timedelta(minutes=1)
    lease: timedelta = timedelta(minutes=5)
    site_url: str = ""  # scheme://host[:port], no path; "" for the request's own

    def retry_delay(self, attempts: int) -> timedelta:
        """Exponential backoff: the base delay after the first failure, doubled after each further one."""
        return self.retry_base * (2 ** (attempts - 1))


def options_of(settings: dict, environ) -> dict:
    options = {key[len(PREFIX):]: value for key, value in settings.items() if key.startswith(PREFIX)}
    for variable, value in environ.items():
        if variable.startswith(ENVIRONMENT_PREFIX) and value:
            options[variable[len(ENVIRONMENT_PREFIX):].lower()] = value
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise SettingError(f"{PREFIX}{sorted(unknown)[0]} is not a syndication setting ({', '.join(OPTIONS)})")
    return {key: str(value).strip() for key, value in options.items()}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SettingError(f"{PREFIX}url must be an http(s) address with a host, not {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise SettingError(f"{PREFIX}url must be https (plain http only to a receiver on this machine)")
    if parts.username or parts.password or parts.fragment:
        raise SettingError(f"{PREFIX}url must not carry a user, a password or a fragment: the token is a setting")
    return url


def check_origin(origin: str) -> str:
    parts = urlsplit(origin)
    if (parts.scheme not in ("https", "http") or not parts.hostname or parts.path not in ("", "/")
            or parts.query or parts.fragment or parts.username):
        raise SettingError(f"{PREFIX}site_url must be an origin such as https://participation.example.ir (the route "
                           f"prefix is added by the application), not {origin!r}")
    return f"{parts.scheme}://{parts.netloc}"


def number(options: dict, name: str, default, kind=float, minimum=None, maximum=None):
    raw = options.get(name)
    if raw in (None, ""):
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingError(f"{PREFIX}{name} must be a number, not {raw!r}") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise SettingError(f"{PREFIX}{name} must be between {minimum} and {maximum}, not {raw}")
    return value


def read_syndication_settings(settings: dict, environ=None) -> SyndicationConfig | None:
    """The configuration, or None when no address is set (syndication is off). Raises SettingError for a
    setting that would fail only once the first push is sent."""
    environ = os.environ if environ is None else environ
    options = options_of(settings, environ)
    url = options.get("url", "")
    if not url:
        return None
    token, secret = options.get("token", ""), options.get("secret", "")
    if not token:
        raise SettingError(f"{PREFIX}token is not set (SYNDICATION_TOKEN in production)")
    if len(secret) < SECRET_MIN:
        raise SettingError(f"{PREFIX}secret must be at least {SECRET_MIN} characters (SYNDICATION_SECRET in "
                           f"production)")
    config = SyndicationConfig(
        url=check_url(url),
        token=token,
        secret=secret,
        timeout=number(options, "timeout", 15.0, minimum=0.1, maximum=TIMEOUT_MAX),
        max_attempts=number(options, "max_attempts", 8, int, minimum=1, maximum=100),
        retry_base=timedelta(seconds=number(options, "retry_base_seconds", 60.0, minimum=0.001, maximum=86400)),
        lease=timedelta(seconds=number(options, "lease_seconds", 300.0, minimum=1, maximum=86400)),
        site_url=check_origin(options["site_url"]) if options.get("site_url") else "",
    )
    if config.lease.total_seconds() <= config.timeout:
        raise SettingError(f"{PREFIX}lease_seconds must be longer than {PREFIX}timeout ({config.timeout:g} s)")
    return config


def syndication_config(registry) -> SyndicationConfig | None:
    return registry.get("syndication")
