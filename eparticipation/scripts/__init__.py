"""The console commands (setup.cfg's entry points)."""

import os
from contextlib import contextmanager
from urllib.parse import urlsplit


class SiteURLError(ValueError):
    pass


def site_url(settings: dict, environ=None) -> str:
    """The site's public origin, for the links the commands write into messages (the tick's reminders, the
    workers' messages): `SITE_URL` in the environment, else `eparticipation.site_url`; "" when neither is set,
    and the links then name http://localhost. A value that is not an origin (scheme://host[:port]) stops the
    command at once, rather than sending links nobody can open."""
    environ = os.environ if environ is None else environ
    value = (environ.get("SITE_URL") or settings.get("eparticipation.site_url") or "").strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.fragment:
        raise SiteURLError(f"eparticipation.site_url (SITE_URL) must be an origin such as "
                           f"https://participation.example.ir, not {value!r}")
    return value


@contextmanager
def bootstrap(config_uri):
    """pyramid.paster.bootstrap, with the request's root the package's Root also inside a host application
    (mounting.locate): the links a command builds are then under the host's prefix, on the site's address."""
    from pyramid.paster import bootstrap as pyramid_bootstrap
    from pyramid.paster import get_appsettings
    from pyramid.request import Request

    from eparticipation.mounting import locate

    site = site_url(get_appsettings(config_uri))
    request = Request.blank("/", base_url=site) if site else None
    with pyramid_bootstrap(config_uri, request=request) as env:
        env["request"].root = env["root"]  # as traversal sets it
        env["root"] = locate(env["request"]).root
        yield env
