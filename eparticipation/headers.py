"""Security headers on every response. Nothing inline runs: scripts and styles come from our origin.

No page may be framed (`frame-ancestors 'none'`, `X-Frame-Options: DENY`) unless its view says by whom:

    allow_framing(request, ["https://portal.example.ir"])

sets `request.frame_ancestors`, which the tween reads: that response's policy names those origins in
`frame-ancestors` and carries no `X-Frame-Options` (which cannot name them). An empty list changes nothing. Only
the embeddable widget (eparticipation/embed/) does so, with the origins its agency configured.

And one rule for keeping pages out of caches: a page that not everyone may see (the person's own pages under
/me/, an agency's internal pages, a draft before it opens, a report or the responses before publication, the
administration and the audit log) is sent with `Cache-Control: no-store`, so that neither the browser nor a
proxy keeps a copy once the person has left it. The rule asks the page's own permission of its context's
ACL, so a new staff page is covered without naming it. Public pages keep their caching (pagecache.py keeps
only anonymous visitors' pages, which this rule never marks).
"""

from functools import lru_cache

from pyramid.authorization import ACLHelper, Everyone
from pyramid.security import NO_PERMISSION_REQUIRED

POLICY_BEFORE_FRAMING = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]
# Pages cannot be framed; a view that may be (the embeddable widget) names its origins (allow_framing).
CONTENT_SECURITY_POLICY = "; ".join([*POLICY_BEFORE_FRAMING, "frame-ancestors 'none'"])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def allow_framing(request, origins):
    """This response may be framed by the pages of `origins` (each a validated origin, such as
    "https://portal.example.ir": scheme, host and port only). Nothing else is relaxed."""
    request.frame_ancestors = tuple(origins)


@lru_cache(maxsize=256)
def framing_headers(origins: tuple) -> dict:
    """The security headers of a response that `origins` may frame (none: the site's own, framed by no one)."""
    if not origins:
        return SECURITY_HEADERS
    headers = {name: value for name, value in SECURITY_HEADERS.items() if name != "X-Frame-Options"}
    headers["Content-Security-Policy"] = "; ".join([*POLICY_BEFORE_FRAMING, "frame-ancestors " + " ".join(origins)])
    return headers


def security_headers_tween_factory(handler, registry):
    hsts = registry.settings["eparticipation.secure_cookies"]

    def security_headers_tween(request):
        response = handler(request)
        for name, value in framing_headers(request.frame_ancestors).items():
            response.headers.setdefault(name, value)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    return security_headers_tween


def is_public(context, permission) -> bool:
    """Whether a visitor without an account may see this page."""
    return bool(ACLHelper().permits(context, [Everyone], permission))


def not_stored_unless_public(view, info):
    """A view deriver: the response of a view whose permission anonymous visitors do not have is not stored."""
    permission = info.options.get("permission")
    if permission is None or permission == NO_PERMISSION_REQUIRED:
        return view  # static files and the health and metrics endpoints decide for themselves

    def view_with_cache_control(context, request):
        response = view(context, request)
        if not is_public(context, permission):
            # The header itself, not `response.cache_control = ...`: WebOb fails to re-parse it once a view has
            # touched the response's CacheControl object (e.g. `cache_control.no_store = True`).
            response.headers["Cache-Control"] = "no-store"
        return response

    return view_with_cache_control


def no_framing(request) -> tuple:
    return ()


def includeme(config):
    config.add_request_method(no_framing, "frame_ancestors", reify=True)
    config.add_tween("eparticipation.headers.security_headers_tween_factory")
    config.add_view_deriver(not_stored_unless_public)
