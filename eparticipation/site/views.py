"""The home page and the error pages, all translated."""

import logging
from html import escape

import sqlalchemy as sa
from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPBadRequest, HTTPException
from pyramid.location import lineage
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import (
    exception_view_config,
    forbidden_view_config,
    notfound_view_config,
    view_config,
)
from pyramid_retry import is_error_retryable
from pyramid_tm import maybe_tag_retryable

from eparticipation.agencies.models import Agency
from eparticipation.headers import SECURITY_HEADERS
from eparticipation.i18n import RTL_LANGUAGES, _
from eparticipation.participation.security import STAFF_ABSTAIN_MESSAGE, STAFF_ABSTAIN_TITLE, abstains
from eparticipation.permissions import Permissions
from eparticipation.resources import Root
from eparticipation.security import grants_count

log = logging.getLogger(__name__)


@view_config(context=Root, renderer="site/home.jinja2", permission=Permissions.SiteView)
def home(context, request):
    agencies = request.dbsession.scalars(sa.select(Agency).order_by(Agency.parent_id.is_not(None), Agency.code)).all()
    return {"agencies": agencies}


def error_page(request, status, title, message, **extra):
    request.response.status_int = status
    return {"title": title, "message": message, **extra}


@notfound_view_config(eparticipation_request=True, renderer="site/error.jinja2")
def not_found(request):
    return error_page(
        request, 404, _("Page not found"), _("There is no page at this address. It may have moved or never existed.")
    )


PARTICIPATION = {
    Permissions.CommentAdd, Permissions.CommentEdit, Permissions.CommentReport, Permissions.CommentSupport,
    Permissions.SurveyAnswer, Permissions.VoteCast,
}


def draft_in_lineage(context):
    from eparticipation.consultations.models import Draft

    for node in lineage(context):
        if isinstance(node, Draft):
            return node
    return None


def agency_in_lineage(context) -> int | None:
    """The id of the agency a resource belongs to (a draft's, a service's), if any."""
    for node in lineage(context):
        agency_id = getattr(node, "agency_id", None)
        if isinstance(agency_id, int):
            return agency_id
    return None


@forbidden_view_config(eparticipation_request=True, renderer="site/error.jinja2")
def forbidden(request):
    denied = getattr(getattr(request.exception, "result", None), "permission", None)
    draft = draft_in_lineage(request.context)
    if denied in PARTICIPATION and draft is not None and draft.state.value in ("closed", "published"):
        # P6: after closing, a participation is refused for what it is, whoever sends it.
        return error_page(request, 403, _("Participation is closed"),
                          _("This consultation is closed: comments, votes and survey answers are no longer accepted."))
    if denied in PARTICIPATION | {Permissions.ServiceRate} and abstains(request, agency_in_lineage(request.context)):
        return error_page(request, 403, STAFF_ABSTAIN_TITLE, STAFF_ABSTAIN_MESSAGE)
    if request.identity is None:
        return error_page(
            request,
            403,
            _("Please sign in"),
            _("You need to sign in to see this page."),
            sign_in_next=request.path_qs,
        )
    if not grants_count(request, request.identity):
        return error_page(
            request, 403, _("Set up your second factor first"),
            _("Staff sign in with a second factor: until you set up an authenticator app, your roles give you nothing "
              "beyond a participant's account."),
            enrol=True,
        )
    return error_page(request, 403, _("Not allowed"), _("Your account does not have permission to see this page."))


@exception_view_config(BadCSRFToken, eparticipation_request=True, renderer="site/error.jinja2")
def bad_csrf_token(request):
    return error_page(
        request,
        400,
        _("The form has expired"),
        _("For your security the form could not be accepted. Go back, reload the page and send it again."),
    )


@exception_view_config(BadCSRFOrigin, eparticipation_request=True, renderer="site/error.jinja2")
def bad_csrf_origin(request):
    """Over HTTPS Pyramid also checks that a form was sent from our own pages (Origin or Referer); its own
    message is English only."""
    return error_page(
        request,
        400,
        _("The form was not sent from this site"),
        _("For your security a form is accepted only from this site's own pages. Open the page on this site and "
          "send the form again."),
    )


@exception_view_config(HTTPBadRequest, eparticipation_request=True, renderer="site/error.jinja2")
def bad_request(exc, request):
    return error_page(
        request, 400, _("The request was not understood"), exc.detail or _("Check what you sent and try again.")
    )


SERVER_ERROR_TITLE = _("Something went wrong")
SERVER_ERROR_MESSAGE = _(
    "The site could not answer this request. The error has been recorded; please try again in a few minutes."
)
SERVER_ERROR_REFERENCE = _("If you contact us about it, quote this reference:")


# Only when the error will not be retried: on an attempt pyramid_retry will repeat, the error must reach it.
@exception_view_config(Exception, eparticipation_request=True, retryable_error=False)
def server_error(exc, request):
    """Any unexpected error: the traceback goes to the log with the request id, the visitor gets the site's
    page in their language with that id, and never the error's text."""
    if isinstance(exc, HTTPException):
        return exc  # a raised HTTP answer (a redirect, 429, 405) is an answer, not an error
    if will_be_retried(request, exc):
        raise exc  # to pyramid_retry, through pyramid_tm
    from eparticipation.observability.requests import loggable_path

    log.error("unexpected error in %s %s (request %s)", request.method, loggable_path(request.environ),
              request.request_id, exc_info=(type(exc), exc, exc.__traceback__))
    values = {
        "title": SERVER_ERROR_TITLE,
        "message": SERVER_ERROR_MESSAGE,
        "reference": SERVER_ERROR_REFERENCE,
        "request_id": request.request_id,
    }
    try:
        response = render_to_response("site/error.jinja2", values, request=request)
    except Exception:
        # The layout needs the database (the visitor, their unread messages) and may be what is broken.
        log.exception("the error page could not be rendered (request %s)", request.request_id)
        response = minimal_error_response(request.request_id, request.localizer.translate, request.locale_name)
    response.status_int = 500
    return response


def will_be_retried(request, exc) -> bool:
    """Whether pyramid_retry will try again. The `retryable_error` predicate only knows errors marked so far;
    a database's transient error (a serialization failure, say) is marked by pyramid_tm, above this view, as it
    passes: mark it here first, as pyramid_tm would, so it is retried rather than answered and logged."""
    try:
        maybe_tag_retryable(request, (type(exc), exc, exc.__traceback__))
    except Exception:  # no transaction to ask (outside pyramid_tm)
        return False
    return is_error_retryable(request, exc)


def minimal_error_response(request_id, translate, locale_name) -> Response:
    """A page that needs nothing but the catalogue: no layout, no database, no session."""
    direction = "rtl" if locale_name in RTL_LANGUAGES else "ltr"
    title, message, reference = (escape(translate(text)) for text in
                                 (SERVER_ERROR_TITLE, SERVER_ERROR_MESSAGE, SERVER_ERROR_REFERENCE))
    body = (
        f'<!doctype html>\n<html lang="{escape(locale_name)}" dir="{direction}">\n<head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n<p>{message}</p>\n"
        f"<p>{reference} <code>{escape(request_id)}</code></p>\n</body>\n</html>\n"
    )
    response = Response(body=body.encode(), status=500, content_type="text/html", charset="utf-8")
    response.headers.update(SECURITY_HEADERS)
    return response


def last_resort_response(environ, registry) -> Response:
    """For an error that escaped every view (outside any request): the minimal page, in the language the
    visitor chose if it can still be told, else the default one."""
    from pyramid.request import Request

    from eparticipation.observability.requests import request_id

    request = Request(environ)
    request.registry = registry
    try:
        translate, locale_name = request.localizer.translate, request.locale_name
    except Exception:
        translate, locale_name = str, "en"
    return minimal_error_response(request_id(request), translate, locale_name)
