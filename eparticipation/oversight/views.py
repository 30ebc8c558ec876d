"""/audit/: the auditors' pages, which read every domain. Everything here is read-only: GET only, and CSV
exports of what is shown."""

import json

import sqlalchemy as sa
from pyramid.response import Response as WebResponse
from pyramid.view import view_config

from eparticipation.agencies.models import Agency
from eparticipation.consultations import draft_url
from eparticipation.exports import csv_text
from eparticipation.i18n import translate
from eparticipation.oversight import words
from eparticipation.oversight.queries import ACTION_LABELS, LogFilters, log_page, log_query
from eparticipation.permissions import Permissions
from eparticipation.resources import AuditArea, AuditedDraft
from eparticipation.responses.models import Response, ResponseRevision
from eparticipation.responses.schemas import DECISION_LABELS


def csv_download(filename: str, header: list[str], rows) -> WebResponse:
    """A CSV file (exports.csv_text: safe in a spreadsheet, read as UTF-8)."""
    return WebResponse(body=csv_text(header, rows).encode("utf-8"), content_type="text/csv", charset="utf-8",
                       content_disposition=f'attachment; filename="{filename}"')


@view_config(context=AuditArea, renderer="audit/log.jinja2", request_method="GET", permission=Permissions.AuditView)
def log(context, request):
    filters = LogFilters.from_params(request.params)
    if filters.errors:
        request.response.status_int = 400
    rows, next_before = log_page(request.dbsession, filters)
    return {
        "filters": filters,
        "rows": rows,
        "next_before": next_before,
        "agencies": request.dbsession.scalars(sa.select(Agency).order_by(Agency.code)).all(),
        "action_labels": ACTION_LABELS,
        "object_words": lambda object_type: words.object_words(request, object_type),
        "details": lambda object_type, values: words.details(request, object_type, values),
        "audit_url": lambda *elements, **query: request.resource_url(context, *elements, query=query or None),
    }


@view_config(context=AuditArea, name="export.csv", request_method="GET", permission=Permissions.AuditView)
def log_export(context, request):
    filters = LogFilters.from_params(request.params)
    rows = request.dbsession.execute(log_query(request.dbsession, filters).execution_options(yield_per=1000))
    return csv_download("audit-log.csv", [
        "seq", "at_utc", "actor_id", "actor_email", "action", "object_type", "object_id", "agency_id", "draft_id",
        "before", "after", "previous_hash", "entry_hash",
    ], (
        [e.seq, e.at.isoformat(), e.actor_id or "", user.email if user else "", e.action, e.object_type,
         e.object_id, e.agency_id or "", e.draft_id or "", json_text(e.before), json_text(e.after),
         e.previous_hash, e.entry_hash]
        for e, user in rows
    ))


def json_text(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def response_history(dbsession, draft):
    return dbsession.scalars(
        sa.select(Response).where(Response.draft_id == draft.id).order_by(Response.id)
    ).all()


@view_config(context=AuditedDraft, renderer="audit/draft.jinja2", request_method="GET",
             permission=Permissions.AuditView)
def draft_responses(context, request):
    """Every response of one draft with every revision: who, when, what."""
    draft = context.draft
    return {
        "draft": draft,
        "draft_link": draft_url(request, draft),
        "responses": response_history(request.dbsession, draft),
        "decision_labels": DECISION_LABELS,
        "csv_url": request.resource_url(context, "responses.csv"),
        "log_url": request.resource_url(request.root, "audit", "", query={"draft": draft.id}),
    }


@view_config(context=AuditedDraft, name="responses.csv", request_method="GET", permission=Permissions.AuditView)
def draft_responses_export(context, request):
    draft = context.draft
    rows = request.dbsession.execute(
        sa.select(Response.id, ResponseRevision)
        .join(ResponseRevision, ResponseRevision.response_id == Response.id)
        .where(Response.draft_id == draft.id)
        .order_by(Response.id, ResponseRevision.number)
    ).all()
    comments = {r.id: " ".join(str(i) for i in r.comment_ids) for r in response_history(request.dbsession, draft)}
    return csv_download(f"draft-{draft.id}-responses.csv", [
        "response_id", "comment_ids", "revision", "decision", "decision_label", "reason", "legal_basis_law",
        "legal_basis_article", "author_id", "author", "written_at_utc",
    ], (
        [response_id, comments[response_id], revision.number, revision.decision.value,
         translate(request, DECISION_LABELS[revision.decision]), revision.reason, revision.legal_basis_law or "",
         revision.legal_basis_article or "", revision.author_id, revision.author.display_name,
         revision.written_at.isoformat()]
        for response_id, revision in rows
    ))
