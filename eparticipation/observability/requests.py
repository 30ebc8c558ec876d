"""The request id, and one log line and one observation per request.

The execution policy (pyramid_retry's, wrapped here) is the only place that sees a request whole: every retry
attempt, the exception views' responses and an exception that escapes them all. So the id is chosen, the
X-Request-ID header set, the duration measured and the line written there. What only the application knows
(the view that answered, the signed-in user, how many attempts) is noted on the environ, which pyramid_retry
shares between attempts."""

import logging
import re
import time
import uuid
from urllib.parse import parse_qsl

import sqlalchemy as sa
from pyramid.interfaces import IExecutionPolicy
from pyramid.router import default_execution_policy

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_ENVIRON = "eparticipation.request_id"
SEEN_ENVIRON = "eparticipation.seen"  # {"view", "user_id", "attempts"}, filled while the request runs
# A proxy's id is kept only when it cannot forge a log line or bloat one: letters, digits and . _ : -
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# Addresses whose path carries a secret (the bots' webhooks: /hooks/<messenger>/<secret>): logged up to here.
SECRET_PATHS = ("/hooks/",)
# Addresses whose path is a one-time link's secret (accounts/tokens.py): logged without it.
TOKEN_PATHS = ("/password-reset/", "/verify-email/")
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

log = logging.getLogger("eparticipation.requests")


def choose_request_id(environ) -> str:
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    if SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def request_id(request) -> str:
    """`request.request_id`: the one the execution policy chose, or a new one where it did not run (scripts)."""
    return request.environ.setdefault(REQUEST_ID_ENVIRON, uuid.uuid4().hex)


def loggable_path(environ) -> str:
    """The path, never the query string (it may carry tokens), and never a webhook's secret."""
    path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
    for prefix in SECRET_PATHS:
        if path.startswith(prefix):
            messenger = path[len(prefix):].split("/", 1)[0]
            return f"{prefix}{messenger}/…" if messenger else prefix
    for prefix in TOKEN_PATHS:
        if path.startswith(prefix) and len(path) > len(prefix):
            return f"{prefix}…"
    return path


def query_keys(environ) -> list[str]:
    """The names of the query's parameters, without their values."""
    query = environ.get("QUERY_STRING", "")
    keys = []
    for key, _value in parse_qsl(query, keep_blank_values=True):
        if key not in keys and len(keys) < 20:
            keys.append(key[:40])
    return keys


def method_label(environ) -> str:
    method = environ.get("REQUEST_METHOD", "")
    return method if method in KNOWN_METHODS else "other"


def view_label(options) -> str:
    """A view's name for the metrics: its context type and view name as registered, never the path, so
    traversal paths (every draft, every comment) do not multiply the label values."""
    route_name = options.get("route_name")
    if route_name:
        return f"route:{route_name}"
    context = options.get("context")
    context_name = getattr(context, "__name__", None) or "any"
    name = options.get("name") or ""
    return f"{context_name}:{name}" if name else context_name


def observed_view(view, info):
    """A view deriver: notes which (non-exception) view answered."""
    context = info.options.get("context")
    if info.exception_only or (isinstance(context, type) and issubclass(context, BaseException)):
        return view
    label = view_label(info.options)

    def noting_view(context, request):
        seen = request.environ.get(SEEN_ENVIRON)
        if seen is not None:
            seen["view"] = label
        return view(context, request)

    return noting_view


def count_attempt(event):
    seen = event.request.environ.get(SEEN_ENVIRON)
    if seen is not None:
        seen["attempts"] = seen.get("attempts", 0) + 1
        seen.pop("view", None)  # a retried attempt answers afresh


def known_user_id(request) -> int | None:
    """The signed-in user's id if this request already looked them up; never a query of its own. Read from the
    instance's identity key: after the commit the object is detached and its attributes expired."""
    policy = request.registry.get("eparticipation.security_policy")  # security.POLICY_KEY
    cache = getattr(policy, "identity_cache", None)
    signed_in = cache.get(request, None) if cache is not None else None  # security.SignedIn: the user, their session
    user = getattr(signed_in, "user", None)
    state = sa.inspect(user, raiseerr=False) if user is not None else None
    identity = getattr(state, "identity", None)  # not an ORM object: the cache's "nothing here" marker
    return identity[0] if identity else None


def note_user(event):
    seen = event.request.environ.get(SEEN_ENVIRON)
    if seen is not None:
        seen["user_id"] = known_user_id(event.request)


def status_class(status: int) -> str:
    return f"{status // 100}xx"


class ObservedExecutionPolicy:
    """Wraps the application's execution policy (pyramid_retry's)."""

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, environ, router):
        from eparticipation.observability import metrics

        started = time.perf_counter()
        request_id = environ[REQUEST_ID_ENVIRON] = choose_request_id(environ)
        seen = environ[SEEN_ENVIRON] = {}
        try:
            response = self.inner(environ, router)
        except Exception:
            # Nothing in the application answered (an exception view itself failed, or a tween above them):
            # the server would show its own page and no id. Ours, still 500, never the exception's text.
            log.exception("request %s failed and no error page answered it", request_id)
            from eparticipation.site.views import last_resort_response

            response = last_resort_response(environ, router.registry)
        response.headers[REQUEST_ID_HEADER] = request_id
        duration = time.perf_counter() - started
        view = seen.get("view") or ("notfound" if response.status_int == 404 else "none")
        metrics.observe_request(view, method_label(environ), response.status_int, duration)
        line = {
            "request_id": request_id,
            "method": environ.get("REQUEST_METHOD", "")[:16],
            "path": loggable_path(environ),
            "query": query_keys(environ),
            "status": response.status_int,
            "duration_ms": round(duration * 1000, 1),
            "user_id": seen.get("user_id"),
            "view": view,
            "attempts": seen.get("attempts", 1),
        }
        log.info(
            "%s %s %s %.1fms", line["method"], line["path"], line["status"], line["duration_ms"], extra=line
        )
        return response


def wrap_execution_policy(registry):
    inner = registry.queryUtility(IExecutionPolicy, default=default_execution_policy)
    if not isinstance(inner, ObservedExecutionPolicy):
        registry.registerUtility(ObservedExecutionPolicy(inner), IExecutionPolicy)
