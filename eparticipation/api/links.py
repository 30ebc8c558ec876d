"""What every answer of the API is built with: its addresses (from two bases, once per request, rather than by
traversal per row), the ids in Regulations.gov's manner, and its dates."""

from datetime import datetime, timezone
from urllib.parse import quote as url_quote

VERSION = "v1"


def moment(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, as Regulations.gov writes its dates: 2026-11-27T09:30:00Z."""
    if value is None:
        return None
    if value.utcoffset():
        value = value.astimezone(timezone.utc)
    return value.isoformat(timespec="seconds")[:19] + "Z"


class Links:
    """The addresses an answer gives, built from two bases once per request rather than by traversal per row."""

    def __init__(self, request):
        root = request.root
        self.request = request
        self.api = request.resource_url(root, "api", VERSION, "")
        self.site = request.resource_url(root)

    def consultation(self, draft_id) -> str:
        return f"{self.api}consultations/{draft_id}"

    def page(self, draft_id) -> str:
        return f"{self.site}consultations/{draft_id}/"

    def agency_page(self, code) -> str:
        return f"{self.site}agencies/{code}/"

    def next(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        params = [(k, v) for k, v in self.request.GET.items() if k != "cursor"] + [("cursor", cursor)]
        return self.request.path_url + "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in params)


def quote(text: str) -> str:
    return url_quote(text, safe="")


def docket_id(agency_code: str, draft_id: int) -> str:
    """Like Regulations.gov's docket ids (EPA-HQ-OAR-2021-0317): the agency's code, upper case, and the number."""
    return f"{agency_code.upper()}-{draft_id}"
