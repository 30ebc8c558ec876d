"""The home page and the error pages, all translated."""

import sqlalchemy as sa
from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.location import lineage
from pyramid.view import (
    exception_view_config,
    forbidden_view_config,
    notfound_view_config,
    view_config,
)

from eparticipation.agencies.models import Agency
from eparticipation.i18n import _
from eparticipation.permissions import Permissions
from eparticipation.resources import Root


@view_config(context=Root, renderer="site/home.jinja2", permission=Permissions.SiteView)
def home(context, request):
    agencies = request.dbsession.scalars(sa.select(Agency).order_by(Agency.parent_id.is_not(None), Agency.code)).all()
    return {"agencies": agencies}


def error_page(request, status, title, message, **extra):
    request.response.status_int = status
    return {"title": title, "message": message, **extra}


@notfound_view_config(renderer="site/error.jinja2")
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


@forbidden_view_config(renderer="site/error.jinja2")
def forbidden(request):
    denied = getattr(getattr(request.exception, "result", None), "permission", None)
    draft = draft_in_lineage(request.context)
    if denied in PARTICIPATION and draft is not None and draft.state.value in ("closed", "published"):
        # P6: after closing, a participation is refused for what it is, whoever sends it.
        return error_page(request, 403, _("Participation is closed"),
                          _("This consultation is closed: comments, votes and survey answers are no longer accepted."))
    if request.identity is None:
        return error_page(
            request,
            403,
            _("Please sign in"),
            _("You need to sign in to see this page."),
            sign_in_next=request.path_qs,
        )
    return error_page(request, 403, _("Not allowed"), _("Your account does not have permission to see this page."))


@exception_view_config(BadCSRFToken, renderer="site/error.jinja2")
def bad_csrf_token(request):
    return error_page(
        request,
        400,
        _("The form has expired"),
        _("For your security the form could not be accepted. Go back, reload the page and send it again."),
    )


@exception_view_config(HTTPBadRequest, renderer="site/error.jinja2")
def bad_request(exc, request):
    return error_page(
        request, 400, _("The request was not understood"), exc.detail or _("Check what you sent and try again.")
    )
