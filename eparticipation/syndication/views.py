"""The payload's JSON Schema (/syndication/schema.json, public) and the pushes' page for administrators
(/admin/syndication): every push with its state and last error, newest first, and the dead ones put back."""

import json

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config, view_defaults
from sqlalchemy.orm import selectinload

from eparticipation.audit import record
from eparticipation.consultations import draft_url
from eparticipation.consultations.models import Draft
from eparticipation.forms import chosen_id, keyset_param
from eparticipation.i18n import _, flash
from eparticipation.permissions import Permissions
from eparticipation.resources import AdminArea, Root
from eparticipation.syndication import services
from eparticipation.syndication.models import PushStatus, SyndicationPush
from eparticipation.syndication.payload import SCHEMA
from eparticipation.syndication.settings import syndication_config

PUSHES_PER_PAGE = 50
STATUS_LABELS = {
    PushStatus.pending: _("Waiting"),
    PushStatus.sending: _("Being sent"),
    PushStatus.sent: _("Sent"),
    PushStatus.dead: _("Given up"),
}
EVENT_LABELS = {
    "consultation.opened": _("Consultation opened"),
    "consultation.extended": _("Consultation extended"),
    "consultation.closed": _("Consultation closed"),
    "consultation.withdrawn": _("Consultation withdrawn"),
    "consultation.published": _("Outcome published"),
}
SCHEMA_BODY = json.dumps(SCHEMA, ensure_ascii=False, indent=1).encode("utf-8")


@view_config(context=Root, name="syndication", request_method="GET", permission=Permissions.SiteView)
def schema(context, request):
    """The JSON Schema every push's body is valid against; cached a day (it changes only with a release)."""
    if tuple(request.subpath) != ("schema.json",):
        raise HTTPNotFound()
    response = Response(body=SCHEMA_BODY, content_type="application/schema+json", charset="utf-8")
    response.cache_control = "public, max-age=86400"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@view_defaults(context=AdminArea, name="syndication", renderer="syndication/admin.jinja2",
               permission=Permissions.AdminSyndication)
class SyndicationViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    @view_config(request_method="GET")
    def show(self):
        request = self.request
        dbsession = request.dbsession
        counts = dict(dbsession.execute(
            sa.select(SyndicationPush.status, sa.func.count()).group_by(SyndicationPush.status)).all())
        status = request.params.get("status", "")
        query = (sa.select(SyndicationPush, Draft).join(Draft, Draft.id == SyndicationPush.draft_id)
                 .options(selectinload(Draft.texts))
                 .order_by(SyndicationPush.id.desc()).limit(PUSHES_PER_PAGE + 1))
        if status:
            try:
                query = query.where(SyndicationPush.status == PushStatus(status))
            except ValueError:
                raise HTTPBadRequest(request.localizer.translate(_("There is no such state."))) from None
        before = keyset_param(request, "before")
        if before is not None:
            query = query.where(SyndicationPush.id < before)
        found = dbsession.execute(query).all()
        config = syndication_config(request.registry)
        return {
            "config": config,
            "counts": {s: counts.get(s, 0) for s in PushStatus},
            "status": status,
            "dead_count": counts.get(PushStatus.dead, 0),
            "pushes": [{"push": push, "draft": draft, "url": draft_url(request, draft)}
                       for push, draft in found[:PUSHES_PER_PAGE]],
            "next_before": found[PUSHES_PER_PAGE - 1][0].id if len(found) > PUSHES_PER_PAGE else None,
            "status_labels": STATUS_LABELS,
            "event_labels": EVENT_LABELS,
            "schema_url": request.resource_url(request.root, "syndication", "schema.json"),
        }

    @view_config(request_method="POST")
    def retry(self):
        """Put one dead push (`retry` = its id) or all of them (`retry_all`) back to be sent, with a fresh set
        of attempts; the later pushes of its consultation follow it."""
        request = self.request
        push_id = None
        if "retry_all" not in request.POST:
            push_id = chosen_id(request, "retry")
            if push_id is None:
                raise HTTPBadRequest(request.localizer.translate(_("Choose a push to send again.")))
        ids = services.put_back(request.dbsession, request.now, push_id)
        if ids:
            record(request, "syndication.retry", None, object_type="SyndicationPush",
                   object_id=ids[0] if len(ids) == 1 else "all", after={"pushes": ids})
            flash(request, _("${count} pushes will be sent again.", mapping={"count": len(ids)}))
        else:
            flash(request, _("No push was given up: nothing to send again."), "danger")
        return HTTPSeeOther(request.resource_url(self.context, "syndication"))
