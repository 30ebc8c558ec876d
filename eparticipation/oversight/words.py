"""The audit log in an auditor's words: what kind of object an entry is about, and its details as labelled
fields — states, decisions and roles by their names, moments as dates of the page's calendar (Jalali with
Persian digits in fa), nothing as «None», no class names, no ISO timestamps."""

import re
from datetime import date, datetime, timedelta

from eparticipation.accounts.schemas import ROLE_LABELS
from eparticipation.agencies.schemas import UNIT_KIND_LABELS
from eparticipation.consultations.schemas import DOCUMENT_TYPE_LABELS, SUBJECT_LABELS
from eparticipation.consultations.views import STATE_LABELS
from eparticipation.i18n import DISPLAY_TIMEZONE, _, format_date, format_datetime, localize_digits, translate
from eparticipation.messaging.views import STATUS_LABELS as MESSAGE_STATUS_LABELS
from eparticipation.participation.schemas import HIDING_LABELS
from eparticipation.reports.views import STATUS_LABELS as REPORT_STATUS_LABELS
from eparticipation.responses.schemas import DECISION_LABELS

OBJECT_LABELS = {
    "Agency": _("Agency"),
    "Unit": _("Unit"),
    "User": _("Account"),
    "RoleGrant": _("Role"),
    "Draft": _("Draft"),
    "Article": _("Article"),
    "Comment": _("Comment"),
    "Response": _("Response"),
    "Report": _("Report"),
    "Question": _("Survey question"),
    "Service": _("Service"),
    "OutboxMessage": _("Message"),
    "SyndicationPush": _("Push to the national system"),
}

FIELD_LABELS = {
    "state": _("State"),
    "reason": _("Reason"),
    "category": _("Kind of problem"),
    "comments": _("Comments answered"),
    "decision": _("Decision"),
    "legal_basis_law": _("Legal basis: law"),
    "legal_basis_article": _("Legal basis: article"),
    "revision": _("Revision"),
    "opens_at": _("Opens"),
    "closes_at": _("Last day"),
    "closes_at_before": _("Last day before"),
    "user_id": _("Account number"),
    "agency_id": _("Agency number"),
    "parent_id": _("Parent agency number"),
    "role": _("Role"),
    "is_active": _("Can sign in"),
    "second_factor": _("Second factor set up"),
    "open_sessions": _("Open sessions"),
    "status": _("Status"),
    "attempts": _("Attempts"),
    "claimed_by": _("Claimed by worker"),
    "lease_until": _("Claimed until"),
    "error": _("Error"),
    "last_error": _("Error"),
    "reference": _("Reference"),
    "themes": _("Themes"),
    "articles": _("Articles of the final text"),
    "into": _("Merged into theme"),
    "summary": _("Summary"),
    "code": _("Code"),
    "name_fa": _("Name in Persian"),
    "name_en": _("Name in English"),
    "kind": _("Kind"),
    "document_type": _("Document type"),
    "subject": _("Subject"),
    "kept": _("Kept"),
    "id": _("Number"),
    "pushes": _("Pushes"),
}

COMMENT_STATE_LABELS = {"visible": _("Visible"), "hidden": _("Hidden"), "withdrawn": _("Withdrawn")}

# Values named by their field (and, for a state, by the kind of object it is the state of).
VALUE_LABELS = {
    "decision": DECISION_LABELS,
    "category": HIDING_LABELS,
    "role": ROLE_LABELS,
    "kind": UNIT_KIND_LABELS,
    "document_type": DOCUMENT_TYPE_LABELS,
    "subject": SUBJECT_LABELS,
}
STATUS_BY_OBJECT = {"Report": REPORT_STATUS_LABELS, "OutboxMessage": MESSAGE_STATUS_LABELS}
STATE_BY_OBJECT = {"Draft": STATE_LABELS, "Comment": COMMENT_STATE_LABELS}

MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# A consultation closes at the midnight after its last day: the log names the day, as the draft page does.
CLOSING_MOMENTS = ("closes_at", "closes_at_before")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def object_words(request, object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return translate(request, label) if label is not None else humanised(object_type)


def details(request, object_type: str, values) -> list[tuple[str, str]]:
    """The (label, value) pairs of an entry's `before` or `after`, in the page's language."""
    if not values:
        return []
    if not isinstance(values, dict):
        return [("", value_words(request, object_type, "", values))]
    return [(field_words(request, key), value_words(request, object_type, key, value)) for key, value in values.items()]


def field_words(request, key: str) -> str:
    label = FIELD_LABELS.get(key)
    return translate(request, label) if label is not None else humanised(key)


def value_words(request, object_type: str, key: str, value) -> str:
    language = request.locale_name
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return translate(request, _("Yes") if value else _("No"))
    if isinstance(value, (int, float)):
        return localize_digits(value, language)
    if isinstance(value, list):
        return ("، " if language == "fa" else ", ").join(value_words(request, object_type, key, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_words(request, k)}: {value_words(request, object_type, k, v)}"
                         for k, v in value.items())
    labels = {"state": STATE_BY_OBJECT.get(object_type, {}), "status": STATUS_BY_OBJECT.get(object_type, {}),
              **VALUE_LABELS}.get(key, {})
    if value in labels:
        return translate(request, labels[value])
    text = str(value)
    if MOMENT.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        if key in CLOSING_MOMENTS and moment.tzinfo is not None:
            return format_date((moment - timedelta(microseconds=1)).astimezone(DISPLAY_TIMEZONE).date(), language)
        return format_datetime(moment, language)
    if DAY.match(text):
        try:
            return format_date(date.fromisoformat(text), language)
        except ValueError:
            return text
    return text


def humanised(name: str) -> str:
    """A name the tables do not know yet ("account.sessions", "legal_basis"), as words rather than code."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|[_.]", " ", name).strip().capitalize()
