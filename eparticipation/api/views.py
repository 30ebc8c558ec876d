"""/api/v1/: the open data as JSON, read-only, for everyone (DESIGN O5).

Every answer of /api/v1/ is JSON, errors too ({"errors": [...]}, the message in the request's language: `_LOCALE_`,
the language cookie, else Accept-Language, else Persian), with `Access-Control-Allow-Origin: *`. A client's
requests are counted per address (eparticipation.ratelimits, action `api`): past the limit, 429 with Retry-After.
Each answer carries an ETag computed from the rows it shows, before they are turned into JSON: a client that sends
it back in If-None-Match gets 304 without the body being built.

The field names follow Regulations.gov's API v4 where the concept is the same (README, "Open-data API").
"""

import hashlib
import json
import logging
import pickle
from datetime import datetime, timezone

from pyramid.httpexceptions import HTTPBadRequest, HTTPException, HTTPForbidden, HTTPNotFound
from pyramid.location import lineage
from pyramid.response import Response
from pyramid.view import exception_view_config, view_config

from eparticipation import ratelimits
from eparticipation.consultations.models import DocumentType, State, Subject
from eparticipation.consultations.services import Filters
from eparticipation.i18n import LOCALE_COOKIE, LOCALE_PARAM, _, reader_in, translate
from eparticipation.inputs import ORIGINAL_PATH
from eparticipation.api import queries
from eparticipation.api.links import VERSION, Links, docket_id, moment, quote
from eparticipation.api.resources import (
    ApiAgencies,
    ApiConsultation,
    ApiConsultations,
    ApiRoot,
    ApiV1,
)
from eparticipation.permissions import Permissions

log = logging.getLogger(__name__)

JSON = "application/json"
# The consultations a client may ask for by state: a draft not yet opened is no one's open data.
PUBLIC_STATES = [state.value for state in State if state != State.draft]
CACHE_CONTROL = "public, max-age=60"
# The registry's counters of the API's requests per client, when they are counted in memory (the default).
COUNTERS = "eparticipation.api.rate_counters"

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Retry-After",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match",
    "Access-Control-Max-Age": "86400",
}

# Messages of the answers that are not data.
NOT_FOUND = _("There is nothing at this address in the API (a draft is here only once its consultation has "
              "opened).")
NOT_ALLOWED = _("The API only reads: use GET (or HEAD, or OPTIONS for a preflight).")
FORBIDDEN = _("This is not open to the public.")
BAD_REQUEST = _("The request was not understood. Check what you sent and try again.")
SERVER_ERROR = _("The API could not answer this request. The error has been recorded; please try again in a few "
                 "minutes, quoting the reference ${reference} if you contact us about it.")
BAD_CHOICE = _("“${name}” takes one of: ${choices}.")
BAD_FLAG = _("“${name}” takes 1 (yes) or 0 (no).")
BAD_PAGE_SIZE = _("“page_size” is a whole number from 1 to ${largest}.")
BAD_CURSOR = _("This cursor was not given out by the API for this list and order. Start again from the first page "
               "and follow the “next” links.")
BAD_MOMENT = _("“updated_since” is a date and time such as 2026-11-27T09:30:00Z (ISO 8601, in UTC unless it names "
               "its offset).")
TOO_LONG = _("“${name}” is longer than ${largest} characters.")
NO_REPORT = _("The report of this consultation is published with its outcome; it is not public yet.")


# --- the request's language, errors --------------------------------------------------------------------------


def api_language(request) -> str:
    languages = request.registry.settings["eparticipation.available_languages"]
    for chosen in (request.GET.get(LOCALE_PARAM), request.cookies.get(LOCALE_COOKIE)):
        if chosen in languages:
            return chosen
    default = request.registry.settings.get("pyramid.default_locale_name", "fa")
    try:
        return request.accept_language.lookup(languages, default=default)
    except Exception:  # a header WebOb cannot read is no choice
        return default


def say(request, message) -> str:
    return translate(reader_in(request.registry, api_language(request)), message)


class ApiError(Exception):
    """A request the API refuses: its status, and what to tell the client (translated when answered)."""

    def __init__(self, status: int, message, parameter: str | None = None):
        super().__init__(message)
        self.status, self.message, self.parameter = status, message, parameter


TITLES = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          429: "Too Many Requests", 500: "Internal Server Error"}


def error_response(request, status: int, message, parameter: str | None = None, **headers) -> Response:
    error = {"status": str(status), "title": TITLES.get(status, "Error"), "detail": say(request, message)}
    if parameter:
        error["source"] = {"parameter": parameter}
    response = Response(body=dumps({"errors": [error]}), status=status, content_type=JSON, charset="utf-8")
    response.headers.update(CORS_HEADERS)
    response.headers.update(headers)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = api_language(request)
    return response


def is_api_request(request) -> bool:
    """A request for /api/v1/…: its context is the API's, or (refused before traversal as unreadable input,
    eparticipation.inputs) its address was."""
    original = request.environ.get(ORIGINAL_PATH)
    if original is not None:
        prefix = request.registry.get("eparticipation.route_prefix") or ""
        path = original[len(prefix) + 1:] if prefix and original.startswith(f"/{prefix}") else original
        return path.startswith(f"/api/{VERSION}")
    context = getattr(request, "context", None)
    return context is not None and any(isinstance(node, ApiV1) for node in lineage(context))


class ApiRequest:
    """View predicate `api_request=True`: on the API's exception views, which answer in JSON."""

    def __init__(self, value, config):
        self.value = bool(value)

    def text(self):
        return f"api_request = {self.value}"

    phash = text

    def __call__(self, context, request):
        return is_api_request(request) is self.value


# --- the frame of every answer -------------------------------------------------------------------------------


def dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def limited(view):
    """The view's requests counted per client; past the limit a 429 instead of the view."""

    def counted_view(context, request):
        try:
            if request.registry.settings["eparticipation.api_rate.store"] == "database":
                ratelimits.take_for(request, "api", client_of(request))
            else:
                ratelimits.take_local(request, request.registry[COUNTERS], "api", client_of(request))
        except ratelimits.RateLimited as refused:
            return error_response(request, 429, refused.message, **{"Retry-After": str(refused.seconds)})
        try:
            return view(context, request)
        except ApiError as refused:
            # Answered, not raised: the transaction, and so the request's count, is kept.
            return error_response(request, refused.status, refused.message, refused.parameter)

    return counted_view


def client_of(request) -> str:
    from eparticipation.observability.metrics import client_address

    address = client_address(request.environ, request.registry.settings.get(
        "eparticipation.metrics.trusted_proxies", ()))
    return f"api:{address or 'unknown'}"


def etag_of(request, rows) -> str:
    """From what the answer shows (its rows, the address it was asked at, with the links built from it)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{VERSION}|{request.host_url}|{request.path_qs}|".encode())
    digest.update(pickle.dumps(plain(rows), protocol=5))  # 20 times as fast as their repr
    return f'"{digest.hexdigest()}"'


def plain(value):
    """Rows (and lists and tuples of them) as plain tuples and lists, which pickle the same whatever held them."""
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "_tuple"):  # a Row
        return tuple(value)
    return value


def answer(request, rows, build) -> Response:
    """The JSON of `build()`, or 304 when the client holds it already (If-None-Match): `rows` make the ETag."""
    return respond(request, etag_of(request, rows), lambda: dumps(build()))


def respond(request, etag: str, body) -> Response:
    """304 when the client holds `etag` already, else the JSON `body()`."""
    if etag.strip('"') in request.if_none_match:  # WebOb holds the tags without their quotes
        response = Response(status=304)
    else:
        response = Response(body=body(), content_type=JSON, charset="utf-8")
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers.update(CORS_HEADERS)
    return response


# The answers kept in each process (eparticipation.api.cache.entries > 0): under a key that holds the version of
# what they show — a consultation's participation_version (moved by every comment, edit, withdrawal, hiding,
# support and vote) and its updated_at (every edit and transition), or for the list the latest updated_at of
# all — with the address asked. What the keys do not follow (a participant's new display name, the moment a
# consultation scheduled ahead opens) is at most `eparticipation.api.cache.seconds` old, as the draft page's.
CACHE = "eparticipation.api.cache"


def served(request, version, compute) -> Response:
    """The answer of `compute()` (which calls `answer`), or the one kept under `version()` and the address."""
    cache = request.registry.get(CACHE)
    if cache is None:
        return compute()
    key = (*version(), request.host_url, request.path_qs)
    found = cache.get(key)
    if found is not None:
        etag, body = found
        return respond(request, etag, lambda: body)
    response = compute()
    if response.status_int == 200:
        cache.put(key, (response.headers["ETag"], response.body))
    return response


# --- parameters ------------------------------------------------------------------------------------------------


def choice(params, name: str, choices) -> str:
    value = params.get(name, "")
    if value and value not in choices:
        raise ApiError(400, _(BAD_CHOICE, mapping={"name": name, "choices": ", ".join(choices)}), name)
    return value


def flag(params, name: str) -> bool:
    value = params.get(name, "")
    if value not in ("", "0", "1"):
        raise ApiError(400, _(BAD_FLAG, mapping={"name": name}), name)
    return value == "1"


def text_param(params, name: str, largest: int) -> str:
    value = params.get(name, "")
    if len(value) > largest:
        raise ApiError(400, _(TOO_LONG, mapping={"name": name, "largest": largest}), name)
    return value


def page_size(params) -> int:
    from eparticipation.inputs import parse_integer

    try:
        size = parse_integer(params.get("page_size"))
    except ValueError:
        size = 0
    if size is None:
        return queries.PAGE_SIZE
    if not 1 <= size <= queries.PAGE_SIZE_MAX:
        raise ApiError(400, _(BAD_PAGE_SIZE, mapping={"largest": queries.PAGE_SIZE_MAX}), "page_size")
    return size


def cursor_param(params, sort: str):
    text = params.get("cursor", "")
    if not text:
        return None
    try:
        return queries.decode_cursor(text, sort)
    except queries.BadCursor:
        raise ApiError(400, BAD_CURSOR, "cursor") from None


def moment_param(params, name: str) -> datetime | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise ApiError(400, BAD_MOMENT, name) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    if not datetime(1900, 1, 1, tzinfo=timezone.utc) <= value <= datetime(9999, 1, 1, tzinfo=timezone.utc):
        raise ApiError(400, BAD_MOMENT, name)
    return value


# --- links -----------------------------------------------------------------------------------------------------


def list_meta(rows, size: int, next_cursor) -> dict:
    return {"pageSize": size, "numberOfElements": len(rows), "hasNextPage": next_cursor is not None,
            "nextCursor": next_cursor}


# --- views -----------------------------------------------------------------------------------------------------


ALL_NAMES = ((ApiV1, ""), (ApiV1, "openapi.json"), (ApiAgencies, ""), (ApiConsultations, ""),
             (ApiConsultation, ""), (ApiConsultation, "comments"), (ApiConsultation, "report"),
             (ApiConsultation, "tally"))


def preflight(context, request):
    response = Response(status=204)
    response.headers.update(PREFLIGHT_HEADERS)
    return response


def not_allowed(context, request):
    return error_response(request, 405, NOT_ALLOWED, Allow="GET, HEAD, OPTIONS")


@view_config(context=ApiRoot, renderer="api/index.jinja2", request_method="GET", permission=Permissions.SiteView)
def api_page(context, request):
    """/api/: for people — what is there, examples, the field names, the limit."""
    from eparticipation.api.openapi import FIELD_MAPPING

    rule = ratelimits.Rule.from_settings(request.registry.settings, "api")
    return {"api_url": request.resource_url(context, VERSION, ""), "mapping": FIELD_MAPPING, "rule": rule,
            "page_size": queries.PAGE_SIZE, "page_size_max": queries.PAGE_SIZE_MAX}


@view_config(context=ApiV1, request_method="GET", permission=Permissions.SiteView, decorator=limited)
def index(context, request):
    links = Links(request)
    data = {"data": [], "links": {
        "self": links.api, "openapi": f"{links.api}openapi.json", "agencies": f"{links.api}agencies",
        "consultations": f"{links.api}consultations", "documentation": request.resource_url(context.__parent__)}}
    return answer(request, (), lambda: data)


@view_config(context=ApiV1, name="openapi.json", request_method="GET", permission=Permissions.SiteView,
             decorator=limited)
def openapi_document(context, request):
    from eparticipation.api.openapi import document_bytes

    body = document_bytes(request.resource_url(context))
    return respond(request, etag_of(request, body), lambda: body)


@view_config(context=ApiAgencies, request_method="GET", permission=Permissions.SiteView, decorator=limited)
def agencies(context, request):
    links = Links(request)
    rows = queries.agencies(request.api_connection)

    def build():
        return {
            "data": [{
                "id": row.code, "type": "agencies",
                "attributes": {"agencyId": row.code, "name": {"fa": row.name_fa, "en": row.name_en},
                               "parentAgencyId": row.parent_code},
                "links": {"self": f"{links.api}consultations?agency={quote(row.code)}",
                          "html": links.agency_page(row.code)},
            } for row in rows],
            "meta": {"numberOfElements": len(rows)},
            "links": {"self": request.path_url},
        }

    return answer(request, rows, build)


def consultation_attributes(row, languages, now) -> dict:
    titles = {language: getattr(row, f"title_{language}") for language in languages
              if getattr(row, f"title_{language}") is not None}
    return {
        "docketId": docket_id(row.agency_code, row.id),
        "agencyId": row.agency_code,
        "documentType": row.document_type.value if row.document_type else None,
        "subject": row.subject.value,
        "state": row.state.value,
        "title": titles.get("fa") or next(iter(titles.values()), ""),
        "titles": titles,
        "postedDate": moment(row.listed_at),
        "commentStartDate": moment(row.opens_at),
        "commentEndDate": moment(row.closes_at),
        "closedDate": moment(row.closed_at),
        "outcomePostedDate": moment(row.published_at),
        "lastModifiedDate": moment(row.updated_at),
        "openForComment": row.state == State.consultation and row.opens_at <= now < row.closes_at,
        "withdrawn": bool(row.withdrawn),
    }


@view_config(context=ApiConsultations, request_method="GET", permission=Permissions.SiteView, decorator=limited)
def consultations(context, request):
    params = request.GET
    filters = Filters(
        agency=text_param(params, "agency", 32),
        document_type=choice(params, "type", [t.value for t in DocumentType]),
        subject=choice(params, "subject", [s.value for s in Subject]),
        state=choice(params, "state", PUBLIC_STATES),
        open_now=flag(params, "open"),
        closing_soon=flag(params, "closing"),
        q=text_param(params, "q", 200),
    )
    if filters.search.problem:  # words the listing would say it cannot search for
        raise ApiError(400, filters.search.problem, "q")
    sort = choice(params, "sort", list(queries.CONSULTATION_SORTS)) or queries.DEFAULT_CONSULTATION_SORT
    size = page_size(params)
    cursor = cursor_param(params, sort)
    updated_since = moment_param(params, "updated_since")
    return served(request, lambda: ("consultations", queries.last_change(request.api_connection)),
                  lambda: consultations_answer(request, filters, sort, size, cursor, updated_since))


def consultations_answer(request, filters, sort, size, cursor, updated_since) -> Response:
    languages = request.registry.settings["eparticipation.available_languages"]
    now = request.now
    page = queries.consultations(request.api_connection, languages, filters, now, sort, cursor, size, updated_since)
    links = Links(request)

    def build():
        return {
            "data": [{
                "id": str(row.id), "type": "consultations",
                "attributes": consultation_attributes(row, languages, now),
                "links": {"self": links.consultation(row.id), "html": links.page(row.id)},
            } for row in page.rows],
            "meta": list_meta(page.rows, size, page.next_cursor),
            "links": {"self": request.url, "next": links.next(page.next_cursor)},
        }

    # The moment counts too: whether a consultation is open for comment changes with it.
    return answer(request, (page.rows, [row.state == State.consultation and row.opens_at <= now < row.closes_at
                                        for row in page.rows]), build)


def article_data(row) -> dict:
    return {"number": row.number, "position": row.position, "chapter": row.chapter, "heading": row.heading,
            "text": row.text, "notes": list(row.notes or [])}


@view_config(context=ApiConsultation, request_method="GET", permission=Permissions.SiteView, decorator=limited)
def consultation(context, request):
    languages = request.registry.settings["eparticipation.available_languages"]
    row = queries.consultation(request.api_connection, languages, context.id)
    consulted, final = queries.articles(request.api_connection, context.id, context.published)
    now = request.now
    links = Links(request)

    def build():
        attributes = consultation_attributes(row, languages, now)
        attributes["summaries"] = {language: getattr(row, f"summary_{language}") for language in languages
                                   if getattr(row, f"summary_{language}") is not None}
        attributes["calls"] = {language: getattr(row, f"call_{language}") for language in languages
                               if getattr(row, f"call_{language}") is not None}
        attributes["articles"] = {"consulted": [article_data(a) for a in consulted],
                                  "final": [article_data(a) for a in final] if final is not None else None}
        base = links.consultation(row.id)
        return {
            "data": {
                "id": str(row.id), "type": "consultations", "attributes": attributes,
                "links": {"self": base, "html": links.page(row.id), "comments": f"{base}/comments",
                          "tally": f"{base}/tally", "report": f"{base}/report" if context.published else None},
            },
        }

    return answer(request, (row, consulted, final, attributes_moment(row, now)), build)


def attributes_moment(row, now) -> bool:
    return row.state == State.consultation and row.opens_at <= now < row.closes_at


@view_config(context=ApiConsultation, name="comments", request_method="GET", permission=Permissions.SiteView,
             decorator=limited)
def comments(context, request):
    params = request.GET
    size = page_size(params)
    cursor = cursor_param(params, queries.COMMENTS_SORT)
    return served(request, lambda: ("comments", *version_of(context)),
                  lambda: comments_answer(context, request, size, cursor))


def version_of(context) -> tuple:
    row = context.row
    return row.id, row.state, row.updated_at, row.participation_version


def comments_answer(context, request, size, cursor) -> Response:
    page = queries.comments(request.api_connection, context.id, context.published, cursor, size)
    links = Links(request)
    docket = docket_id(context.row.agency_code, context.id)

    def response_of(row):
        if not context.published or row.response_id is None:
            return None
        legal = {"law": row.legal_basis_law, "article": row.legal_basis_article} \
            if row.legal_basis_law or row.legal_basis_article else None
        return {"responseId": str(row.response_id), "decision": row.decision.value, "reason": row.reason,
                "legalBasis": legal, "postedDate": moment(row.written_at)}

    def build():
        return {
            "data": [{
                "id": str(row.id), "type": "comments",
                "attributes": {
                    "docketId": docket,
                    "commentOnDocumentId": docket,
                    "articleNumber": row.article_number,
                    "comment": row.body,
                    "postedDate": moment(row.created_at),
                    "lastModifiedDate": moment(row.updated_at),
                    "anonymous": row.anonymous,
                    "displayName": row.display_name,
                    "organization": row.organisation_name,
                    "organizationType": row.organisation_kind.value if row.organisation_kind else None,
                    "submittedByAgencyStaff": row.by_agency_staff,
                    "supportCount": row.support_count,
                    "response": response_of(row),
                },
            } for row in page.rows],
            "meta": list_meta(page.rows, size, page.next_cursor),
            "links": {"self": request.url, "next": links.next(page.next_cursor),
                      "consultation": links.consultation(context.id)},
        }

    return answer(request, (context.row.state, page.rows), build)


@view_config(context=ApiConsultation, name="tally", request_method="GET", permission=Permissions.SiteView,
             decorator=limited)
def tally(context, request):
    votes, per_article = queries.tally(request.api_connection, context.id)
    links = Links(request)

    def build():
        return {
            "data": {
                "id": str(context.id), "type": "tallies",
                "attributes": {
                    "docketId": docket_id(context.row.agency_code, context.id),
                    "votes": {choice.value: count for choice, count in votes.items()},
                    "votesTotal": sum(votes.values()),
                    "comments": sum(row.comments for row in per_article),
                    "commentsByArticle": [{"articleNumber": row.number, "comments": row.comments}
                                          for row in per_article],
                },
                "links": {"self": f"{links.consultation(context.id)}/tally",
                          "consultation": links.consultation(context.id)},
            },
        }

    return answer(request, (sorted(votes.items()), per_article), build)


@view_config(context=ApiConsultation, name="report", request_method="GET", permission=Permissions.SiteView,
             decorator=limited)
def report(context, request):
    """The published report: the statistics (small counts suppressed, as published), the labels of their codes in
    fa and en, the themes the editors kept, the summary of the key concerns."""
    from eparticipation.api.reporting import published_report

    found = published_report(request, context) if context.published else None
    if found is None:
        raise ApiError(404, NO_REPORT)
    report_row, build = found
    return answer(request, (report_row.id, report_row.frozen_at, report_row.finalised_at, report_row.built_at), build)


# --- exception views: JSON under /api/v1/ ----------------------------------------------------------------------


@exception_view_config(HTTPNotFound, eparticipation_request=True, api_request=True)
def not_found(exc, request):
    return error_response(request, 404, NOT_FOUND)


@exception_view_config(HTTPForbidden, eparticipation_request=True, api_request=True)
def forbidden(exc, request):
    return error_response(request, 403, FORBIDDEN)


@exception_view_config(HTTPBadRequest, eparticipation_request=True, api_request=True)
def bad_request(exc, request):
    return error_response(request, 400, exc.detail or BAD_REQUEST)


@exception_view_config(HTTPException, eparticipation_request=True, api_request=True)
def other_answer(exc, request):
    if exc.status_int < 400:
        return exc
    return error_response(request, exc.status_int, exc.detail or BAD_REQUEST)


@exception_view_config(Exception, eparticipation_request=True, api_request=True, retryable_error=False)
def server_error(exc, request):
    if will_be_retried(request, exc):
        raise exc  # to pyramid_retry, through pyramid_tm
    from eparticipation.observability.requests import loggable_path

    log.error("unexpected error in %s %s (request %s)", request.method, loggable_path(request.environ),
              request.request_id, exc_info=(type(exc), exc, exc.__traceback__))
    return error_response(request, 500, _(SERVER_ERROR, mapping={"reference": request.request_id}))


def will_be_retried(request, exc) -> bool:
    """As the site's error page asks (site/views.py): whether pyramid_retry will try the request again, a
    database's transient error being marked retryable here first, as pyramid_tm would above this view."""
    from pyramid_retry import is_error_retryable
    from pyramid_tm import maybe_tag_retryable

    try:
        maybe_tag_retryable(request, (type(exc), exc, exc.__traceback__))
    except Exception:  # no transaction to ask (outside pyramid_tm)
        return False
    return is_error_retryable(request, exc)


def api_connection(request):
    """What the API reads with: a connection of its own, closed when the request ends, not the request's ORM session
    (whose setup, joining the transaction and commit cost more than an answer's statements). The tests hand in their
    session, whose connection holds their transaction."""
    session = request.environ.get("app.dbsession")
    if session is None and request.registry.settings["eparticipation.api_rate.store"] == "database":
        # The count is written in the request's transaction: one connection (SQLite has one writer at a time).
        session = request.dbsession
    if session is not None:
        return session.connection()
    connection = request.registry["db_engine"].connect()
    request.add_finished_callback(lambda request: connection.close())
    return connection


def includeme(config):
    config.add_request_method(api_connection, "api_connection", reify=True)
    config.add_view_predicate("api_request", ApiRequest)
    for context, name in ALL_NAMES:
        config.add_view(preflight, context=context, name=name, request_method="OPTIONS",
                        permission=Permissions.SiteView)
        config.add_view(not_allowed, context=context, name=name, request_method=("POST", "PUT", "PATCH", "DELETE"),
                        permission=Permissions.SiteView, require_csrf=False)
