"""What a push says: the JSON body (built in the transition's transaction, so it tells the consultation as it
was then), its JSON Schema (served at /syndication/schema.json and documented in the README), and the
signature of the body.

    {
      "schemaVersion": 1,
      "event": "consultation.opened",          # .extended, .closed, .withdrawn, .published
      "eventId": "<the Idempotency-Key header>",
      "occurredAt": {"iso": "2026-11-27T09:30:00+00:00", "date": "2026-11-27", "jalali": "1405-09-06"},
      "transition": {"name": "open", "reason": null},
      "consultation": {
        "id": 12, "url": "https://.../consultations/12/", "state": "consultation",
        "documentType": {"code": "bylaw", "fa": "آیین‌نامه", "en": "Bylaw"},
        "title": {"fa": "...", "en": "..." | null}, "summary": {"fa": "...", "en": "..." | null},
        "agency": {"code": "tax", "name": {"fa": "...", "en": "..."}},
        "commentStartDate": <moment>, "commentEndDate": <moment>,   # the end: the first moment no longer open
        "closedAt": <moment> | null, "publishedAt": <moment> | null
      },
      "outcome": null | {                     # with consultation.published only
        "comments": 120, "participants": 85 | null,   # null: fewer than the report's threshold k
        "responses": {"accepted": 10, "partially_accepted": 5, "rejected": 20, "noted": 85},
        "report": {"page": url, "pdf": url, "json": url, "tablesCsv": url, "commentsCsv": url, "commentsJson": url}
      }
    }

A moment is the UTC time (`iso`), its day in Tehran in the Gregorian (`date`) and Jalali (`jalali`) calendars.
"""

import hashlib
import hmac
import json
from datetime import timezone
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from persiantools.jdatetime import JalaliDate

from eparticipation.consultations import draft_url
from eparticipation.consultations.schemas import DOCUMENT_TYPE_LABELS
from eparticipation.consultations.models import Subject
from eparticipation.i18n import DISPLAY_TIMEZONE, localizer_for
from eparticipation.participation.models import Comment
from eparticipation.participation.states import CommentState
from eparticipation.reports.services import report_of
from eparticipation.reports.statistics import decision_counts
from eparticipation.responses.models import Decision

SCHEMA_VERSION = 1
LANGUAGES = ("fa", "en")
# The transitions (consultations/workflow.py) and the events they are pushed as.
EVENTS = {
    "open": "consultation.opened",
    "extend": "consultation.extended",
    "close": "consultation.closed",
    "withdraw": "consultation.withdrawn",
    "publish": "consultation.published",
}
SIGNATURE_HEADER = "X-EParticipation-Signature"
# The report's open data, by the view names of eparticipation/reports/views.py.
REPORT_FILES = {"pdf": "report.pdf", "json": "report.json", "tablesCsv": "tables.csv",
                "commentsCsv": "comments.csv", "commentsJson": "comments.json"}


def signature(secret: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC-SHA256 of the body's bytes under the secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def moment(value):
    if value is None:
        return None
    local = value.astimezone(DISPLAY_TIMEZONE).date()
    jalali = JalaliDate(local)
    return {"iso": value.astimezone(timezone.utc).isoformat(), "date": local.isoformat(),
            "jalali": f"{jalali.year:04d}-{jalali.month:02d}-{jalali.day:02d}"}


def texts(draft, attribute: str) -> dict:
    return {language: (getattr(draft.texts[language], attribute) if language in draft.texts else None)
            for language in LANGUAGES}


def document_type(registry, draft) -> dict | None:
    """A draft document's type; None for a service, a process or an action (its subject says what it is)."""
    if draft.document_type is None:
        return None
    label = DOCUMENT_TYPE_LABELS[draft.document_type]
    return {"code": draft.document_type.value,
            **{language: localizer_for(registry, language).translate(label) for language in LANGUAGES}}


def outcome(request, draft) -> dict:
    """The published outcome: comments, responses by decision, participants (as the report publishes them,
    suppressed below its threshold), and the report's open-data addresses."""
    dbsession = request.dbsession
    comments = dbsession.scalar(sa.select(sa.func.count()).select_from(Comment).where(
        Comment.draft_id == draft.id, Comment.state == CommentState.visible))
    decisions = decision_counts(dbsession, draft)
    report = report_of(dbsession, draft)
    totals = ((report.statistics or {}).get("totals") or {}) if report is not None else {}
    participants = totals.get("participants")
    return {
        "comments": int(comments),
        "participants": participants if isinstance(participants, int) else None,
        "responses": {decision.value: decisions[decision] for decision in Decision},
        "report": {"page": draft_url(request, draft, "report", ""),
                   **{name: draft_url(request, draft, "report", view) for name, view in REPORT_FILES.items()}},
    }


def on_site(url: str, site_url: str) -> str:
    """`url` with the site's public origin, when one is configured (its path, with any route prefix, kept)."""
    if not site_url:
        return url
    parts = urlsplit(url)
    return urlunsplit((*urlsplit(site_url)[:2], parts.path, parts.query, parts.fragment))


def build_payload(request, draft, event, key: str, site_url: str = "") -> dict:
    agency = draft.agency
    payload = {
        "schemaVersion": SCHEMA_VERSION,
        "event": EVENTS[event.transition],
        "eventId": key,
        "occurredAt": moment(event.at),
        "transition": {"name": event.transition, "reason": event.reason or None},
        "consultation": {
            "id": draft.id,
            "url": draft_url(request, draft),
            "state": draft.state.value,
            "documentType": document_type(request.registry, draft),
            "subject": draft.subject.value,
            "title": texts(draft, "title"),
            "summary": texts(draft, "summary"),
            "agency": {"code": agency.code, "name": {"fa": agency.name_fa, "en": agency.name_en}},
            "commentStartDate": moment(draft.opens_at),
            "commentEndDate": moment(draft.closes_at),
            "closedAt": moment(draft.closed_at),
            "publishedAt": moment(draft.published_at),
        },
        "outcome": outcome(request, draft) if event.transition == "publish" else None,
    }
    consultation = payload["consultation"]
    consultation["url"] = on_site(consultation["url"], site_url)
    if payload["outcome"] is not None:
        report = payload["outcome"]["report"]
        report.update({name: on_site(url, site_url) for name, url in report.items()})
    return payload


def encode(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


# --- the schema -------------------------------------------------------------------------------------------

def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


_URL = {"type": "string", "format": "uri", "pattern": "^https?://"}
_COUNT = {"type": "integer", "minimum": 0}
_MOMENT = {
    "type": "object",
    "required": ["iso", "date", "jalali"],
    "additionalProperties": False,
    "properties": {
        "iso": {"type": "string", "format": "date-time", "description": "the moment, UTC, ISO 8601"},
        "date": {"type": "string", "format": "date", "description": "its day in Tehran, Gregorian (YYYY-MM-DD)"},
        "jalali": {"type": "string", "pattern": r"^1[0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
                   "description": "its day in Tehran, Jalali (YYYY-MM-DD, Latin digits)"},
    },
}
_BILINGUAL = {
    "type": "object",
    "required": list(LANGUAGES),
    "additionalProperties": False,
    "properties": {"fa": _nullable({"type": "string"}), "en": _nullable({"type": "string"})},
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "syndication/schema.json",
    "title": "A consultation's event, pushed to the national e-participation system",
    "description": "POSTed as application/json with the headers Authorization (Bearer token), Idempotency-Key "
                   "(the same on every attempt at one event; equal to eventId) and X-EParticipation-Signature "
                   "(sha256= and the hex HMAC-SHA256 of the body's bytes under the shared secret). Events of one "
                   "consultation arrive in the order they happened; an answer of 2xx acknowledges one.",
    "type": "object",
    "required": ["schemaVersion", "event", "eventId", "occurredAt", "transition", "consultation", "outcome"],
    "additionalProperties": False,
    "properties": {
        "schemaVersion": {"const": SCHEMA_VERSION},
        "event": {"enum": list(EVENTS.values())},
        "eventId": {"type": "string", "minLength": 16, "maxLength": 64},
        "occurredAt": _MOMENT,
        "transition": {
            "type": "object",
            "required": ["name", "reason"],
            "additionalProperties": False,
            "properties": {"name": {"enum": list(EVENTS)},
                           "reason": _nullable({"type": "string", "description": "why it was extended or withdrawn"})},
        },
        "consultation": {
            "type": "object",
            "required": ["id", "url", "state", "documentType", "subject", "title", "summary", "agency", "commentStartDate",
                         "commentEndDate", "closedAt", "publishedAt"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "url": _URL,
                "state": {"enum": ["consultation", "closed", "published"]},
                "subject": {"enum": [s.value for s in Subject],
                            "description": "what is put to the public: a draft document, a service, a process or an action"},
                "documentType": {
                    "type": ["object", "null"],
                    "required": ["code", "fa", "en"],
                    "additionalProperties": False,
                    "properties": {"code": {"enum": [t.value for t in DOCUMENT_TYPE_LABELS]},
                                   "fa": {"type": "string"}, "en": {"type": "string"}},
                },
                "title": _BILINGUAL,
                "summary": _BILINGUAL,
                "agency": {
                    "type": "object",
                    "required": ["code", "name"],
                    "additionalProperties": False,
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "object", "required": list(LANGUAGES), "additionalProperties": False,
                                 "properties": {"fa": {"type": "string"}, "en": {"type": "string"}}},
                    },
                },
                "commentStartDate": _MOMENT,
                "commentEndDate": {**_MOMENT, "description": "the first moment the consultation no longer takes "
                                                             "comments"},
                "closedAt": _nullable(_MOMENT),
                "publishedAt": _nullable(_MOMENT),
            },
        },
        "outcome": _nullable({
            "type": "object",
            "description": "with consultation.published only",
            "required": ["comments", "participants", "responses", "report"],
            "additionalProperties": False,
            "properties": {
                "comments": _COUNT,
                "participants": _nullable({**_COUNT, "description": "null: fewer than the report's threshold"}),
                "responses": {
                    "type": "object",
                    "required": [d.value for d in Decision],
                    "additionalProperties": False,
                    "properties": {d.value: _COUNT for d in Decision},
                },
                "report": {
                    "type": "object",
                    "required": ["page", *REPORT_FILES],
                    "additionalProperties": False,
                    "properties": {"page": _URL, **{name: _URL for name in REPORT_FILES}},
                },
            },
        }),
    },
    "if": {"properties": {"event": {"const": "consultation.published"}}},
    "then": {"properties": {"outcome": {"type": "object"}}},
    "else": {"properties": {"outcome": {"type": "null"}}},
}
