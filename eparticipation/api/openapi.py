"""The OpenAPI 3.1 description of /api/v1/, written by hand: every path, parameter, response and schema. The
tests validate every answer against its schemas and run schemathesis against it (tests/functional/test_api*.py).

FIELD_MAPPING says which of our fields are Regulations.gov's API v4 fields (README, the /api/ page)."""

import json
from functools import lru_cache

from eparticipation.consultations.models import DocumentType, Subject
from eparticipation.i18n import _
from eparticipation.participation.models import OrganisationKind, VoteChoice
from eparticipation.responses.models import Decision

# (our field, Regulations.gov v4's, what it is) — ours is theirs where the concept is the same.
FIELD_MAPPING = [
    ("data / attributes / links / meta", "data / attributes / links / meta", _("the JSON:API frame of every answer")),
    ("consultations: docketId", "dockets: docketId",
     _("the consultation's id, e.g. MEFA-12 (agency code and number)")),
    ("agencyId", "agencyId", _("the agency's code")),
    ("documentType", "documentType", _("bylaw, bill, directive, circular, board_resolution; null unless the subject is a document")),
    ("subject", "—", _("what is put to the public: document, service, process or action")),
    ("title", "title", _("in Persian (titles: every language)")),
    ("postedDate", "postedDate", _("when the consultation was opened (listed)")),
    ("commentStartDate", "commentStartDate", _("comments accepted from")),
    ("commentEndDate", "commentEndDate", _("comments accepted until")),
    ("lastModifiedDate", "lastModifiedDate", _("the last change of the consultation (text, dates, state)")),
    ("openForComment", "openForComment", _("accepting comments now")),
    ("withdrawn", "withdrawn", _("withdrawn by the agency")),
    ("comments: comment", "comments: comment", _("the comment's text")),
    ("comments: postedDate", "comments: postedDate", _("when it was sent")),
    ("comments: commentOnDocumentId", "comments: commentOnDocumentId", _("the consultation commented on")),
    ("comments: organization", "comments: organization", _("on whose behalf it was sent")),
    ("comments: displayName", "comments: firstName / lastName", _("the public display name; null when anonymous")),
    ("agency, type, subject, q", "filter[agencyId], filter[documentType], filter[searchTerm]", _("the listing's filters")),
    ("updated_since", "filter[lastModifiedDate][ge]", _("changed since")),
    ("sort=-postedDate, sort=lastModifiedDate", "sort=-postedDate, sort=lastModifiedDate", _("the order")),
    ("page_size, cursor", "page[size], page[number]", _("paging: a cursor instead of page numbers (keyset)")),
    ("state, closedDate, outcomePostedDate, articles, tally, report, response", "—",
     _("ours only: the workflow, the consulted and final text, the votes, the report and the agency's responses")),
]

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date-time"}
DATE = {"type": "string", "format": "date-time"}
URI = {"type": "string", "format": "uri"}
NULLABLE_URI = {"type": ["string", "null"], "format": "uri"}
LANGUAGE_TEXTS = {"type": "object", "additionalProperties": {"type": "string"},
                  "description": "One text per language code (fa, en)."}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def strict(properties: dict, required=None, **extra) -> dict:
    return {"type": "object", "properties": properties, "required": list(required or properties),
            "additionalProperties": False, **extra}


SCHEMAS = {
    "Error": strict({
        "errors": {"type": "array", "minItems": 1, "items": strict({
            "status": {"type": "string", "pattern": "^[45][0-9][0-9]$"},
            "title": {"type": "string"},
            "detail": {"type": "string", "description": "In the request's language (Accept-Language)."},
            "source": strict({"parameter": {"type": "string"}}),
        }, required=["status", "title", "detail"])},
    }),
    "ListMeta": strict({
        "pageSize": {"type": "integer", "minimum": 1, "maximum": 100},
        "numberOfElements": {"type": "integer", "minimum": 0},
        "hasNextPage": {"type": "boolean"},
        "nextCursor": {**NULLABLE_STRING, "description": "Give it as `cursor` for the next page."},
    }),
    "ListLinks": strict({"self": URI, "next": NULLABLE_URI}),
    "Index": strict({
        "data": {"type": "array", "maxItems": 0},
        "links": strict({"self": URI, "openapi": URI, "agencies": URI, "consultations": URI, "documentation": URI}),
    }),
    "Agency": strict({
        "id": {"type": "string"},
        "type": {"const": "agencies"},
        "attributes": strict({
            "agencyId": {"type": "string"},
            "name": strict({"fa": {"type": "string"}, "en": {"type": "string"}}),
            "parentAgencyId": NULLABLE_STRING,
        }),
        "links": strict({"self": URI, "html": URI}),
    }),
    "AgencyList": strict({
        "data": {"type": "array", "items": ref("Agency")},
        "meta": strict({"numberOfElements": {"type": "integer", "minimum": 0}}),
        "links": strict({"self": URI}),
    }),
    "ConsultationAttributes": strict({
        "docketId": {"type": "string"},
        "agencyId": {"type": "string"},
        "documentType": {"enum": [t.value for t in DocumentType] + [None]},
        "subject": {"enum": [s.value for s in Subject]},
        "state": {"enum": ["consultation", "closed", "published"]},
        "title": {"type": "string"},
        "titles": LANGUAGE_TEXTS,
        "postedDate": DATE,
        "commentStartDate": DATE,
        "commentEndDate": DATE,
        "closedDate": NULLABLE_DATE,
        "outcomePostedDate": NULLABLE_DATE,
        "lastModifiedDate": DATE,
        "openForComment": {"type": "boolean"},
        "withdrawn": {"type": "boolean"},
    }),
    "Consultation": strict({
        "id": {"type": "string", "pattern": "^[0-9]+$"},
        "type": {"const": "consultations"},
        "attributes": ref("ConsultationAttributes"),
        "links": strict({"self": URI, "html": URI}),
    }),
    "ConsultationList": strict({
        "data": {"type": "array", "items": ref("Consultation")},
        "meta": ref("ListMeta"),
        "links": ref("ListLinks"),
    }),
    "Article": strict({
        "number": {"type": "string"},
        "position": {"type": "integer"},
        "chapter": NULLABLE_STRING,
        "heading": {"type": "string"},
        "text": {"type": "string"},
        "notes": {"type": "array", "items": {"type": "string"}},
    }),
    "ConsultationDetail": strict({
        "data": strict({
            "id": {"type": "string", "pattern": "^[0-9]+$"},
            "type": {"const": "consultations"},
            "attributes": {},  # below: the list's attributes and more
            "links": strict({"self": URI, "html": URI, "comments": URI, "tally": URI, "report": NULLABLE_URI}),
        }),
    }),
    "Response": strict({
        "responseId": {"type": "string"},
        "decision": {"enum": [d.value for d in Decision]},
        "reason": {"type": "string"},
        "legalBasis": {"oneOf": [{"type": "null"}, strict({"law": NULLABLE_STRING, "article": NULLABLE_STRING})]},
        "postedDate": DATE,
    }, description="The agency's documented decision on the comment and its reasons (once the outcome is "
                    "published)."),
    "Comment": strict({
        "id": {"type": "string", "pattern": "^[0-9]+$"},
        "type": {"const": "comments"},
        "attributes": strict({
            "docketId": {"type": "string"},
            "commentOnDocumentId": {"type": "string"},
            "articleNumber": {**NULLABLE_STRING, "description": "null: on the whole draft."},
            "comment": {"type": "string"},
            "postedDate": DATE,
            "lastModifiedDate": DATE,
            "anonymous": {"type": "boolean"},
            "displayName": {**NULLABLE_STRING, "description": "The public display name; null when anonymous."},
            "organization": NULLABLE_STRING,
            "organizationType": {"enum": [None, *(k.value for k in OrganisationKind)]},
            "submittedByAgencyStaff": {"type": "boolean"},
            "supportCount": {"type": "integer", "minimum": 0},
            "response": {"oneOf": [{"type": "null"}, ref("Response")]},
        }),
    }),
    "CommentList": strict({
        "data": {"type": "array", "items": ref("Comment")},
        "meta": ref("ListMeta"),
        "links": strict({"self": URI, "next": NULLABLE_URI, "consultation": URI}),
    }),
    "Tally": strict({
        "data": strict({
            "id": {"type": "string", "pattern": "^[0-9]+$"},
            "type": {"const": "tallies"},
            "attributes": strict({
                "docketId": {"type": "string"},
                "votes": strict({choice.value: {"type": "integer", "minimum": 0} for choice in VoteChoice}),
                "votesTotal": {"type": "integer", "minimum": 0},
                "comments": {"type": "integer", "minimum": 0},
                "commentsByArticle": {"type": "array", "items": strict({
                    "articleNumber": {**NULLABLE_STRING, "description": "null: on the whole draft."},
                    "comments": {"type": "integer", "minimum": 0},
                })},
            }),
            "links": strict({"self": URI, "consultation": URI}),
        }),
    }),
    "ReportTable": {
        "type": "object",
        "description": "A table of counts: `cells` has one list per row key, a null count is suppressed (fewer "
                       "than the suppression threshold). Some tables have extra keys (shares, averages, overall).",
        "properties": {
            "id": {"type": "string"},
            "rows": {"type": "string"},
            "columns": {"type": "string"},
            "row_keys": {"type": "array", "items": {"type": "string"}},
            "column_keys": {"type": "array", "items": {"type": "string"}},
            "cells": {"type": "array", "items": {"type": "array", "items": {"type": ["integer", "null"]}}},
            "row_totals": {"type": ["array", "null"], "items": {"type": ["integer", "null"]}},
            "column_totals": {"type": ["array", "null"], "items": {"type": ["integer", "null"]}},
            "total": {"type": ["integer", "null"]},
        },
        "required": ["id", "row_keys", "column_keys", "cells"],
    },
    "Report": strict({
        "data": strict({
            "id": {"type": "string", "pattern": "^[0-9]+$"},
            "type": {"const": "reports"},
            "attributes": strict({
                "docketId": {"type": "string"},
                "builtDate": DATE,
                "finalisedDate": NULLABLE_DATE,
                "postedDate": NULLABLE_DATE,
                "suppressionThreshold": {"type": ["integer", "null"]},
                "summary": LANGUAGE_TEXTS,
                "totals": {"type": "object", "additionalProperties": {"type": ["integer", "null"]}},
                "tables": {"type": "array", "items": ref("ReportTable")},
                "survey": {"type": ["object", "null"]},
                "labels": {"type": "array", "items": {
                    "type": "object", "required": ["table", "title", "rows", "columns"],
                    "properties": {"table": {"type": "string"}, "title": LANGUAGE_TEXTS,
                                   "rows": {"type": "object"}, "columns": {"type": "object"}},
                }},
                "themes": {"type": "array", "items": strict({
                    "name": strict({"fa": {"type": "string"}, "en": {"type": "string"}}),
                    "topTerms": {"type": "array", "items": {"type": "string"}},
                    "size": {"type": "integer", "minimum": 0},
                    "articles": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "representativeCommentIds": {"type": "array", "items": {"type": "string"}},
                })},
            }),
            "links": strict({"self": URI, "consultation": URI, "html": URI, "tablesCsv": URI, "commentsCsv": URI,
                             "pdf": URI}),
        }),
    }),
}
# The detail's attributes are the list's, and more.
SCHEMAS["ConsultationDetail"]["properties"]["data"]["properties"]["attributes"] = {
    "type": "object",
    "properties": {**SCHEMAS["ConsultationAttributes"]["properties"],
                   "summaries": LANGUAGE_TEXTS, "calls": LANGUAGE_TEXTS,
                   "articles": strict({
                       "consulted": {"type": "array", "items": ref("Article"),
                                     "description": "The text put to consultation."},
                       "final": {"type": ["array", "null"], "items": ref("Article"),
                                 "description": "The final text, once the outcome is published; null before."},
                   })},
    "required": [*SCHEMAS["ConsultationAttributes"]["required"], "summaries", "calls", "articles"],
    "additionalProperties": False,
}

HEADERS = {
    "ETag": {"description": "Of the answer; send it back in If-None-Match to get 304 when nothing changed.",
             "schema": {"type": "string"}},
    "Access-Control-Allow-Origin": {"description": "Every origin may read the API.", "schema": {"const": "*"}},
    "Cache-Control": {"schema": {"type": "string"}},
}
CORS_HEADER = {"Access-Control-Allow-Origin": HEADERS["Access-Control-Allow-Origin"]}


def error(description: str, **headers) -> dict:
    return {"description": description, "headers": {**CORS_HEADER, **headers},
            "content": {"application/json": {"schema": ref("Error")}}}


def ok(schema: str, description: str) -> dict:
    return {"description": description, "headers": HEADERS,
            "content": {"application/json": {"schema": ref(schema)}}}


RESPONSES = {
    "NotModified": {"description": "The client's copy (If-None-Match) is current.",
                    "headers": {"ETag": HEADERS["ETag"], **CORS_HEADER}},
    "BadRequest": error("A filter, the page size or the cursor is not one the API understands."),
    "NotFound": error("No such consultation (or not yet opened), or nothing at this address."),
    "TooManyRequests": error("Over the client's rate limit.", **{"Retry-After": {
        "description": "Seconds to wait.", "schema": {"type": "string", "pattern": "^[0-9]+$"}, "required": True}}),
    "ServerError": error("The API could not answer; the error was recorded (never expected)."),
    "Preflight": {"description": "CORS preflight: GET from any origin.", "headers": {
        **CORS_HEADER,
        "Access-Control-Allow-Methods": {"schema": {"type": "string"}},
        "Access-Control-Allow-Headers": {"schema": {"type": "string"}},
        "Access-Control-Max-Age": {"schema": {"type": "string"}},
    }},
}


def param(name: str, description: str, schema: dict, where: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": where, "description": description, "required": required, "schema": schema}


PARAMETERS = {
    "ConsultationId": param("id", "The consultation's number (the `id` of its data).",
                            {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "path", True),
    "PageSize": param("page_size", "Rows per page, 1–100 (default 20).",
                      {"type": "integer", "minimum": 1, "maximum": 100}),
    "Cursor": param("cursor", "Where the page starts: the `nextCursor` of the previous page (opaque).",
                    {"type": "string", "maxLength": 200}),
    "IfNoneMatch": param("If-None-Match", "An ETag the client holds.", {"type": "string"}, "header"),
    "AcceptLanguage": param("Accept-Language", "The language of error messages (fa, en).", {"type": "string"},
                            "header"),
}


def refs(*names: str) -> list:
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def get(summary: str, schema: str, description: str, parameters=(), with_errors=("BadRequest",),
        operation_id: str = "") -> dict:
    responses = {"200": ok(schema, description), "304": {"$ref": "#/components/responses/NotModified"}}
    for name, status in (("BadRequest", "400"), ("NotFound", "404")):
        if name in with_errors:
            responses[status] = {"$ref": f"#/components/responses/{name}"}
    responses["429"] = {"$ref": "#/components/responses/TooManyRequests"}
    responses["500"] = {"$ref": "#/components/responses/ServerError"}
    return {"summary": summary, "operationId": operation_id, "parameters": [*parameters,
                                                                            *refs("IfNoneMatch", "AcceptLanguage")],
            "responses": responses}


def options(operation_id: str, path_parameters=()) -> dict:
    responses = {"204": {"$ref": "#/components/responses/Preflight"}}
    if path_parameters:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {"summary": "CORS preflight", "operationId": operation_id, "parameters": list(path_parameters),
            "responses": responses}


CONSULTATION_FILTERS = [
    param("agency", "The agency's code (agencyId).", {"type": "string", "maxLength": 32}),
    param("type", "The document type.", {"enum": [t.value for t in DocumentType]}),
    param("subject", "What is put to the public: a draft document, a service, a process or an action.",
          {"enum": [s.value for s in Subject]}),
    param("state", "The state.", {"enum": ["consultation", "closed", "published"]}),
    param("open", "1: only those accepting comments now.", {"enum": ["0", "1"]}),
    param("closing", "1: only those closing within seven days.", {"enum": ["0", "1"]}),
    param("q", "Words that must all be in the titles, summaries, calls or articles (Persian normalised, on the "
               "search index). A q without a word of two letters or digits is refused (400).",
          {"type": "string", "maxLength": 200}),
    param("updated_since", "Only those changed at or after this moment (ISO 8601; UTC unless it has an offset).",
          {"type": "string", "format": "date-time"}),
    param("sort", "-postedDate (default: newest opened first, as the listing) or lastModifiedDate (oldest change "
                  "first: keep a copy up to date with updated_since).",
          {"enum": ["-postedDate", "lastModifiedDate"]}),
]


def build_document(server_url: str) -> dict:
    one = refs("ConsultationId")
    paths = {
        "/": {"get": get("What the API offers", "Index", "Links to the lists and this description.",
                         with_errors=(), operation_id="index"),
              "options": options("indexPreflight")},
        "/openapi.json": {"get": {**get("This description", "Index", "The OpenAPI 3.1 document.", with_errors=(),
                                        operation_id="openapi"),
                                  "responses": {
                                      "200": {"description": "The OpenAPI 3.1 document.", "headers": HEADERS,
                                              "content": {"application/json": {"schema": {"type": "object"}}}},
                                      "304": {"$ref": "#/components/responses/NotModified"},
                                      "429": {"$ref": "#/components/responses/TooManyRequests"},
                                  }},
                          "options": options("openapiPreflight")},
        "/agencies": {"get": get("The agencies", "AgencyList", "Every agency, by code.", with_errors=(),
                                 operation_id="listAgencies"),
                      "options": options("agenciesPreflight")},
        "/consultations": {
            "get": get("The consultations", "ConsultationList",
                       "A page of the opened consultations, filtered as the public listing is.",
                       parameters=[*CONSULTATION_FILTERS, *refs("PageSize", "Cursor")],
                       operation_id="listConsultations"),
            "options": options("consultationsPreflight"),
        },
        "/consultations/{id}": {
            "get": get("A consultation", "ConsultationDetail",
                       "The consultation with its texts: the consulted one and, once published, the final one.",
                       parameters=one, with_errors=("NotFound",), operation_id="getConsultation"),
            "options": options("consultationPreflight", one),
        },
        "/consultations/{id}/comments": {
            "get": get("Its public comments", "CommentList",
                       "A page of the visible comments, oldest first, with the agency's responses once the outcome "
                       "is published. No e-mail, no demographics, nothing hidden by moderators or withdrawn; a "
                       "comment sent anonymously has no name.",
                       parameters=[*one, *refs("PageSize", "Cursor")], with_errors=("BadRequest", "NotFound"),
                       operation_id="listComments"),
            "options": options("commentsPreflight", one),
        },
        "/consultations/{id}/tally": {
            "get": get("Its tallies", "Tally", "The votes for each choice and the visible comments per article.",
                       parameters=one, with_errors=("NotFound",), operation_id="getTally"),
            "options": options("tallyPreflight", one),
        },
        "/consultations/{id}/report": {
            "get": get("Its published report", "Report",
                       "The report's tables (small counts suppressed) and themes, once the outcome is published "
                       "(404 before).", parameters=one, with_errors=("NotFound",), operation_id="getReport"),
            "options": options("reportPreflight", one),
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Public consultation: open data",
            "version": "1.0.0",
            "description": "Read-only JSON of what the public pages of the consultations show. Field names follow "
                           "Regulations.gov's API v4 where the concept is the same. Every answer has an ETag (send "
                           "If-None-Match), CORS for GET, and a rate limit per client (429 with Retry-After).",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": paths,
        "components": {"schemas": SCHEMAS, "parameters": PARAMETERS, "responses": RESPONSES},
    }


@lru_cache(maxsize=8)
def document_bytes(server_url: str) -> bytes:
    return json.dumps(build_document(server_url), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
