"""/health/live and /health/ready: small JSON, no session or cookie, never cached, open to every caller
(the proxy may restrict them, see deploy/nginx-eparticipation.conf)."""

from pyramid.httpexceptions import HTTPNotFound, HTTPRequestEntityTooLarge
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import exception_view_config, view_config
from pyramid_retry import is_last_attempt

from eparticipation.i18n import _, format_number
from eparticipation.operations.health import readiness
from eparticipation.resources import Root
from eparticipation.site.views import error_page


def health_response(request, status: int, body: dict):
    response = request.response
    response.status_int = status
    response.cache_control = "no-store"
    return body


@view_config(context=Root, name="health", request_method=("GET", "HEAD"), renderer="json",
             permission=NO_PERMISSION_REQUIRED)
def health(context, request):
    if request.subpath == ("live",):
        return health_response(request, 200, {"status": "live"})
    if request.subpath == ("ready",):
        registry = request.registry
        body = readiness(request.dbsession, registry["migration_heads"], registry["health_limits"], request.now,
                         retrying=not is_last_attempt(request))
        return health_response(request, 200 if body["status"] == "ready" else 503, body)
    raise HTTPNotFound()


@exception_view_config(HTTPRequestEntityTooLarge, eparticipation_request=True, renderer="site/error.jinja2")
def request_too_large(request):
    limit_mb = request.registry.settings["eparticipation.upload_max_bytes"] // (1024 * 1024)
    return error_page(
        request, 413, _("What you sent is too large"),
        _("The site accepts files of at most ${megabytes} MB. Send a smaller file.", mapping={"megabytes": format_number(limit_mb, request.locale_name)}),
    )
