"""Accountability in a real browser, in Persian: the agency's editor answers three comments of a closed draft
(one alone, two together; a rejection is refused until it names its legal basis), the coordinator publishes,
the comments' author is told in their inbox and follows the message to the answers, and the auditor finds it
all in the log. Every page reached is audited with axe-core, and what the browser
did is checked in the live server's database.

Elements are found by id, name, href and form action; wording comes from the project's catalogues.
"""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from eparticipation.clock import get_clock
from eparticipation.consultations.models import Draft, State
from eparticipation.participation.models import Comment
from eparticipation.reports.services import ReportBuilder
from eparticipation.responses.models import Decision, Response
from eparticipation.responses.subscribers import announce_next

from .accessibility import audit
from .pages import error_of, sign_out
from .seed import (
    ANSWERED_COMMENTS,
    ANSWERED_EMAIL,
    AUDITOR_EMAIL,
    COORDINATOR_EMAIL,
    COORDINATOR_PASSWORD,
    EDITOR_EMAIL,
)
from .test_consultations import sign_in, translated

pytestmark = pytest.mark.browser

ACCEPTED_REASON = "تعریف گزارش مالی در متن نهایی دقیق‌تر نوشته شد."
REJECTED_REASON = "مهلت سه ماهه در قانون آمده است و دستورالعمل نمی‌تواند آن را تغییر دهد."
LAW, LAW_ARTICLE = "قانون محاسبات عمومی کشور", "ماده ۹۵"
SUMMARY_FA = "شرکت‌کنندگان مهلت ارسال گزارش را برای دستگاه‌های کوچک کوتاه می‌دانند."
SUMMARY_EN = "Participants find the reporting deadline too short for small agencies."


def comment_ids(live_server, draft_id) -> list[int]:
    with Session(live_server.engine) as session:
        return session.scalars(sa.select(Comment.id).where(Comment.draft_id == draft_id).order_by(Comment.id)).all()


def respond(page, ids, decision, reason, law=None, article=None):
    for comment_id in ids:
        page.locator(f"#choose-{comment_id}").check()
    form = page.locator("form#respond")
    form.locator(f'input[name="decision"][value="{decision}"]').check()
    form.locator('textarea[name="reason"]').fill(reason)
    if law is not None:
        form.locator('input[name="legal_basis_law"]').fill(law)
        form.locator('input[name="legal_basis_article"]').fill(article)
    form.locator('button[name="respond"]').click()


def test_editor_answers_coordinator_publishes_citizen_reads(page, live_server):
    draft_id = live_server.drafts.to_answer
    first, second, third = comment_ids(live_server, draft_id)

    # The editor reaches the work page from the draft page.
    sign_in(page, live_server, EDITOR_EMAIL, COORDINATOR_PASSWORD)
    page.goto(live_server.draft(draft_id))
    page.locator(f'a[href$="/consultations/{draft_id}/responses/"]').click()
    expect(page).to_have_url(live_server.draft(draft_id, "responses/"))
    audit(page)

    respond(page, [first], "accepted", ACCEPTED_REASON)
    expect(page.locator(".alert[role=status]")).to_have_text(translated(
        "The response is saved for ${count} comments.", "fa", count="۱"))
    expect(page.locator(f"#choose-{first}")).to_have_count(0)  # answered: no longer offered

    # A rejection without its legal basis is refused; what was typed and chosen stays.
    respond(page, [second, third], "rejected", REJECTED_REASON)
    form = page.locator("form#respond")
    expect(error_of(form, "legal_basis_law")).to_have_text(
        translated("Name the law or regulation this decision rests on.", "fa"))
    expect(form.locator('textarea[name="reason"]')).to_have_value(REJECTED_REASON)
    expect(page.locator(f"#choose-{second}")).to_be_checked()
    audit(page)
    form.locator('input[name="legal_basis_law"]').fill(LAW)
    form.locator('input[name="legal_basis_article"]').fill(LAW_ARTICLE)
    form.locator('button[name="respond"]').click()
    expect(page.locator("#progress-heading ~ p.alert-success")).to_have_text(
        translated("Every visible comment has a response.", "fa"))
    audit(page)

    with Session(live_server.engine) as session:
        responses = session.scalars(sa.select(Response).where(Response.draft_id == draft_id)
                                    .order_by(Response.id)).all()
        assert [(r.comment_ids, r.current.decision) for r in responses] == [
            ([first], Decision.accepted), ([second, third], Decision.rejected)]
        grouped = responses[1].id
    page.goto(live_server.draft(draft_id, f"responses/{grouped}/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit(page)

    # The report: asked for, built by the worker, its summary written, finalised.
    page.goto(live_server.draft(draft_id, "report/"))
    page.locator('form[action$="/report/rebuild"] button').click()
    expect(page.locator(".alert[role=status]").first).to_be_visible()
    built = ReportBuilder(live_server.app_registry, session_factory=lambda: Session(live_server.engine)).drain()
    assert [outcome.status.value for outcome in built] == ["ready"]
    page.reload()
    audit(page)
    page.locator('a[href$="/report/curate"]').click()
    form = page.locator("form#curate")
    form.locator('textarea[name="fa"]').fill(SUMMARY_FA)
    form.locator('textarea[name="en"]').fill(SUMMARY_EN)
    audit(page)
    form.locator('button[name="save"]').click()
    page.locator('form[action$="/report/finalise"] button').click()
    expect(page.locator(".alert[role=status]")).to_have_text(translated(
        "The report is final; the coordinator can now publish the outcome.", "fa"))
    sign_out(page, live_server)

    # The coordinator publishes the outcome.
    sign_in(page, live_server, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)
    page.goto(live_server.draft(draft_id, "publish"))
    page.locator('form#transition button[name="confirm"]').click()
    expect(page).to_have_url(live_server.draft(draft_id))
    with Session(live_server.engine) as session:
        assert session.get(Draft, draft_id).state == State.published
    # The delivery worker writes the queued announcement to everyone who took part.
    with Session(live_server.engine) as session, session.begin():
        assert announce_next(session, live_server.app_registry, get_clock(live_server.app_registry).now()) >= 1
    sign_out(page, live_server)

    # The author is told in their inbox (the header counts it) and follows the message to their answers.
    sign_in(page, live_server, ANSWERED_EMAIL, COORDINATOR_PASSWORD)
    inbox = page.locator('header nav a[href$="/me/inbox"]')
    expect(inbox.locator(".badge")).to_contain_text("۱")
    inbox.click()
    audit(page)
    page.locator(f'main a[href$="/consultations/{draft_id}/outcome?mine=1"]').first.click()
    expect(page.locator("#filter-mine")).to_be_checked()
    for comment_id in (first, second, third):
        expect(page.locator(f"#comment-{comment_id}")).to_be_visible()
    expect(page.locator(f"#comment-{first} .response")).to_contain_text(ACCEPTED_REASON)
    expect(page.locator(f"#comment-{third} .response")).to_contain_text(f"{LAW} – {LAW_ARTICLE}")
    assert len(ANSWERED_COMMENTS) == 3
    audit(page)

    # The report is public now, in Persian and in English.
    page.goto(live_server.draft(draft_id))
    page.locator(f'main a[href$="/consultations/{draft_id}/report/"]').click()
    expect(page.locator("main")).to_contain_text(SUMMARY_FA)
    audit(page)
    page.goto(live_server.draft(draft_id, "report/") + "?_LOCALE_=en")
    expect(page.locator("main")).to_contain_text(SUMMARY_EN)
    audit(page)
    page.goto("/?_LOCALE_=fa")
    sign_out(page, live_server)

    # The auditor finds every step in the log and the response history.
    sign_in(page, live_server, AUDITOR_EMAIL, COORDINATOR_PASSWORD)
    page.locator('header nav a[href$="/audit/"]').click()
    page.locator("#f-draft").fill(str(draft_id))
    page.locator('main form button[type="submit"]').click()
    rows = page.locator("main table tbody tr")
    # Two responses written; the report asked for, its summary written, finalised; the outcome published.
    expect(rows).to_have_count(6)
    audit(page)
    page.locator(f'main table a[href$="/audit/drafts/{draft_id}/"]').first.click()
    expect(page.locator("main table tbody tr")).to_have_count(2)
    audit(page)
