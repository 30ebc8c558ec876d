"""The pushes to the national system in a real browser: an administrator finds a given-up push on
/admin/syndication in Persian and puts it back. Every page reached is audited."""

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from eparticipation.consultations.models import State, WorkflowEvent
from eparticipation.db import utcnow
from eparticipation.syndication.models import PushStatus, SyndicationPush

from ..factories import TEST_PASSWORD, make_agency, make_draft, make_user
from .accessibility import audit
from .test_consultations import expect_language, sign_in, translated

pytestmark = pytest.mark.browser


def test_an_administrator_puts_a_given_up_push_back_in_persian(page, live_server, unique_email):
    email = unique_email("syndication.admin")
    with Session(live_server.engine) as session:
        make_user(session, email=email, grants=[("admin", None)], locale="fa")
        draft = make_draft(session, make_agency(session, with_units=False), state="consultation", articles=0,
                           title_fa="آیین‌نامهٔ ارسال‌شده به سامانهٔ ملی")
        event = WorkflowEvent(draft_id=draft.id, transition="open", from_state=State.draft,
                              to_state=State.consultation, at=utcnow(), details={})
        session.add(event)
        session.flush()
        push = SyndicationPush(draft_id=draft.id, workflow_event_id=event.id, event="consultation.opened",
                               idempotency_key=unique_email("k").replace("@", "-")[:64], body="{}",
                               status=PushStatus.dead, attempts=8, last_error="HTTP 503: unavailable",
                               next_attempt_at=utcnow(), created_at=utcnow())
        session.add(push)
        session.commit()
        push_id = push.id
    page.goto("/?_LOCALE_=fa")
    sign_in(page, live_server, email, TEST_PASSWORD)
    page.goto(live_server("/admin/syndication"))
    expect_language(page, "fa")
    expect(page.get_by_role("heading", level=1)).to_have_text(translated("Syndication", "fa"))
    expect(page.locator(f"#push-{push_id}")).to_contain_text("HTTP 503: unavailable")
    audit(page)
    page.locator(f'button[name="retry"][value="{push_id}"]').click()
    expect(page.get_by_role("status")).to_have_text(translated("${count} pushes will be sent again.", "fa",
                                                               count="۱"))
    audit(page)
    with Session(live_server.engine) as session:
        assert session.get(SyndicationPush, push_id).status == PushStatus.pending
