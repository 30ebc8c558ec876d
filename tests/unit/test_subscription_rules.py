"""The subscriptions' rules that need no database: what a draft's followers follow, when an event is still true
at its fan-out's turn, and where a follow button may send a person back to."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from pyramid.testing import DummyRequest

from eparticipation.consultations.models import DocumentType, State
from eparticipation.subscriptions import services
from eparticipation.subscriptions.models import FanoutEvent
from eparticipation.subscriptions.views import safe_return

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


def test_a_drafts_followers_are_the_sites_its_agencys_and_its_types():
    draft = SimpleNamespace(agency_id=7, document_type=DocumentType.circular)
    assert services.targets_of(draft) == ["site", "agency:7", "type:circular"]
    assert services.type_target(DocumentType.circular).document_type is DocumentType.circular
    assert services.site_target().kind == "site" and services.site_target().document_type is None


@pytest.mark.parametrize("event, state, closes_in, occasion, expected", [
    (FanoutEvent.opened, State.consultation, 10, "", True),
    (FanoutEvent.opened, State.closed, 10, "", False),  # withdrawn before its first day
    (FanoutEvent.opened, State.consultation, -1, "", False),  # ended before the worker came
    (FanoutEvent.closing, State.consultation, 5, "same", True),
    (FanoutEvent.closing, State.consultation, 5, "other", False),  # extended: a new reminder comes for it
    (FanoutEvent.published, State.published, -30, "", True),
    (FanoutEvent.published, State.closed, -30, "", False),
])
def test_an_event_is_told_only_while_it_is_still_so(event, state, closes_in, occasion, expected):
    closes_at = NOW + timedelta(days=closes_in)
    draft = SimpleNamespace(state=state, closes_at=closes_at)
    fanout = SimpleNamespace(event=event, occasion=closes_at.isoformat() if occasion == "same" else occasion)
    assert services.still_true(draft, fanout, NOW) is expected


@pytest.mark.parametrize("given, expected", [
    ("/agencies/tax/", "http://example.com/agencies/tax/"),
    ("/consultations/?type=bylaw", "http://example.com/consultations/?type=bylaw"),
    ("//evil.example/", "http://example.com/me/subscriptions/"),
    ("https://evil.example/", "http://example.com/me/subscriptions/"),
    ("/\\evil.example/", "http://example.com/me/subscriptions/"),
    ("", "http://example.com/me/subscriptions/"),
])
def test_a_follow_button_sends_back_to_this_site_only(given, expected):
    request = DummyRequest(post={"return_to": given}, host="example.com:80")
    assert safe_return(request, "http://example.com/me/subscriptions/") == expected
