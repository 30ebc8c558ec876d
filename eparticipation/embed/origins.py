"""Origins that may frame the widget, as the agency's coordinator types them: one a line.

An origin is a scheme, a host and an optional port (RFC 6454), nothing else: `https://portal.example.ir`,
`https://portal.example.ir:8443`. Plain `http` only for the developer's own machine (localhost, 127.0.0.1,
[::1]): a portal served over http could be impersonated on the way. No path, query, fragment, user or wildcard:
a Content-Security-Policy source with any of those would mean more (or less) than the portal. A trailing "/"
is dropped; host and scheme are lower-cased; the scheme's default port is left out.
"""

import re
from urllib.parse import urlsplit

from eparticipation.i18n import _

MAX_ORIGINS = 20
ORIGIN_MAX = 253 + len("https://") + len(":65535")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
DEFAULT_PORTS = {"https": 443, "http": 80}
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class NotAnOrigin(ValueError):
    """`message` says what is wrong, translatable."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def is_hostname(host: str) -> bool:
    """A DNS name of letters, digits and hyphens (an internationalised name in its xn-- form), or an IPv4
    address; at most 253 characters."""
    if len(host) > 253 or not host:
        return False
    labels = host.split(".")
    if all(label.isdigit() for label in labels):
        return len(labels) == 4 and all(int(label) <= 255 and str(int(label)) == label for label in labels)
    return all(LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def parse_origin(text: str) -> str:
    """The normalised origin `text` names; NotAnOrigin otherwise."""
    text = text.strip()
    if len(text) > ORIGIN_MAX:
        raise NotAnOrigin(_("An origin is at most ${max} characters long.", mapping={"max": ORIGIN_MAX}))
    if not text.isascii():
        raise NotAnOrigin(_("Write the host in its ASCII form (an internationalised name as xn--…)."))
    if "://" not in text:
        raise NotAnOrigin(_("An origin begins with https://, e.g. https://portal.example.ir"))
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise NotAnOrigin(_("The port must be a number from 1 to 65535.")) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise NotAnOrigin(_("An origin begins with https://, e.g. https://portal.example.ir"))
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise NotAnOrigin(_("An origin has no user name or password."))
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise NotAnOrigin(_("An origin has no path, query or fragment: only https://, the host and a port."))
    host = (parts.hostname or "").lower()
    if host == "::1":
        host = "[::1]"
    if "*" in host:
        raise NotAnOrigin(_("Name each host: wildcards are not accepted."))
    if host not in LOCAL_HOSTS and not is_hostname(host):
        raise NotAnOrigin(_("This is not a valid host name."))
    if scheme == "http" and host not in LOCAL_HOSTS:
        raise NotAnOrigin(_("Only https is accepted (http only for localhost)."))
    if port is not None and not 1 <= port <= 65535:
        raise NotAnOrigin(_("The port must be a number from 1 to 65535."))
    origin = f"{scheme}://{host}"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        origin += f":{port}"
    return origin


def parse_origins(text: str) -> tuple[list[str], list[tuple[str, NotAnOrigin]]]:
    """The origins of `text` (one a line, blank lines ignored, duplicates once) and the lines that are not
    origins, each with its reason."""
    origins, wrong = [], []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            origin = parse_origin(line)
        except NotAnOrigin as refusal:
            wrong.append((line.strip(), refusal))
            continue
        if origin not in origins:
            origins.append(origin)
    return origins, wrong
