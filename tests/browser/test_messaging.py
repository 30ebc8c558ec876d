"""Messages in a real browser: the unread count in the header, the inbox, linking messengers on a phone in
Persian (a code for the bot, a chat id typed wrong then right and proved by the code sent to it, the link
removed), and an administrator
sending a dead letter again, in English. Every page reached is audited.

Elements are found by id, name, value and href; wording comes from the catalogues (`translated`).
"""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from eparticipation.db import utcnow
from eparticipation.i18n import localize_digits
from eparticipation.messaging.models import (
    Channel,
    InboxMessage,
    MessengerLink,
    MessengerLinkCode,
    OutboxMessage,
    OutboxStatus,
)

from ..factories import TEST_PASSWORD, make_user
from .accessibility import audit
from .pages import assert_fits_the_screen
from .test_consultations import expect_language, sign_in, translated

pytestmark = pytest.mark.browser


def person_with_messages(live_server, email, count, **fields):
    with Session(live_server.engine) as session:
        user = make_user(session, email=email, **fields)
        now = utcnow()
        session.add_all(
            InboxMessage(user_id=user.id, key=f"browser:{n}", subject=f"پاسخ به نظر شما {n}", body="متن پیام\nسطر دوم",
                         link=live_server("/consultations/"), created_at=now)
            for n in range(count)
        )
        session.commit()
        return user.id


def test_inbox_and_messengers_in_persian_on_a_phone(phone_page, live_server, unique_email):
    page = phone_page
    email = unique_email("inbox")
    user_id = person_with_messages(live_server, email, 2)
    sign_in(page, live_server, email, TEST_PASSWORD)
    expect_language(page, "fa")
    inbox_link = page.locator('header a[href$="/me/inbox"]')
    expect(inbox_link).to_contain_text(localize_digits(2, "fa"))
    expect(inbox_link).to_contain_text(translated("unread", "fa"))
    audit(page)

    inbox_link.click()
    expect(page.locator("main h2")).to_have_count(2)
    expect(page.locator("main .badge")).to_have_count(2)  # "new", then read
    expect(page.locator('header a[href$="/me/inbox"] .badge')).to_have_count(0)
    audit(page)
    assert_fits_the_screen(page)

    page.locator('main a[href$="/me/messengers"]').click()
    bale = page.locator("#messenger-bale")
    bale.locator('button[value="code"]').click()
    expect(bale.locator("code")).to_contain_text("/start ")
    audit(page)

    eitaa = page.locator("#messenger-eitaa")
    eitaa.locator('input[name="chat_id"]').fill("شناسه")
    eitaa.locator('button[value="link"]').click()
    eitaa = page.locator("#messenger-eitaa")
    expect(eitaa.locator(".invalid-feedback")).to_have_text(
        translated("A chat id is a number of digits, optionally with a minus sign before it.", "fa"))
    expect(eitaa.locator('input[name="chat_id"]')).to_have_attribute("aria-invalid", "true")
    expect(eitaa.locator('input[name="chat_id"]')).to_have_value("شناسه")
    audit(page)
    assert_fits_the_screen(page)

    eitaa.locator('input[name="chat_id"]').fill("۱۲۳۴۵")
    eitaa.locator('button[value="link"]').click()
    eitaa = page.locator("#messenger-eitaa")
    expect(eitaa).to_contain_text("12345")
    audit(page)
    with Session(live_server.engine) as session:  # pending: the code went to the chat, nothing is linked yet
        assert session.scalar(sa.select(MessengerLink.chat_id).where(MessengerLink.user_id == user_id)) is None
        code = session.scalar(sa.select(MessengerLinkCode.code).where(MessengerLinkCode.user_id == user_id,
                                                                      MessengerLinkCode.chat_id == "12345"))
    eitaa.locator('input[name="code"]').fill(code)
    eitaa.locator('button[value="confirm"]').click()
    expect(page.locator('#messenger-eitaa button[value="unlink"]')).to_be_visible()
    audit(page)
    with Session(live_server.engine) as session:
        assert session.scalar(sa.select(MessengerLink.chat_id).where(MessengerLink.user_id == user_id)) == "12345"

    page.locator('#messenger-eitaa button[value="unlink"]').click()
    expect(page.locator('#messenger-eitaa input[name="chat_id"]')).to_be_visible()
    audit(page)


def test_an_administrator_sends_a_dead_letter_again(page, live_server, unique_email):
    email = unique_email("admin")
    with Session(live_server.engine) as session:
        admin = make_user(session, email=email, grants=[("admin", None)], locale="en")
        now = utcnow()
        dead = OutboxMessage(user_id=admin.id, channel=Channel.bale, address="-100200", key="browser:dead",
                             subject="A message that could not be sent", body="b", link=live_server("/"),
                             status=OutboxStatus.dead, attempts=6, last_error="HTTP 403: Forbidden: bot was blocked",
                             next_attempt_at=now, created_at=now)
        session.add(dead)
        session.commit()
        dead_id = dead.id
    page.goto("/?_LOCALE_=en")
    sign_in(page, live_server, email, TEST_PASSWORD)
    page.locator('header a[href$="/admin"]').click()
    page.locator('main a[href$="/admin/outbox"]').click()
    expect_language(page, "en")
    expect(page.locator("main")).to_contain_text("bot was blocked")
    audit(page)
    page.locator(f'button[name="retry"][value="{dead_id}"]').click()
    expect(page.get_by_role("status")).to_have_text(translated("${count} messages will be sent again.", "en", count=1))
    audit(page)
    with Session(live_server.engine) as session:
        assert session.get(OutboxMessage, dead_id).status == OutboxStatus.pending


def test_an_administrator_decides_on_messages_whose_delivery_is_uncertain(page, live_server, unique_email):
    """In Persian: two messages whose worker died while sending them; one is sent again, the other dropped."""
    email = unique_email("admin")
    with Session(live_server.engine) as session:
        admin = make_user(session, email=email, grants=[("admin", None)], locale="fa")
        now = utcnow()
        uncertain = [OutboxMessage(user_id=admin.id, channel=Channel.email, address=f"reader{n}@example.org",
                                   key=f"browser:uncertain:{n}", subject=f"پیام نامعلوم {n}", body="b",
                                   link=live_server("/"), status=OutboxStatus.uncertain, attempts=1,
                                   claimed_by="worker-host:4242", lease_until=now, next_attempt_at=now,
                                   created_at=now)
                     for n in range(2)]
        session.add_all(uncertain)
        session.commit()
        resent, dropped = (m.id for m in uncertain)
    page.goto("/?_LOCALE_=fa")
    sign_in(page, live_server, email, TEST_PASSWORD)
    page.goto(live_server("/admin/outbox"))
    expect_language(page, "fa")
    expect(page.locator("#uncertain")).to_have_text(translated("Messages whose delivery is uncertain", "fa"))
    expect(page.locator("main")).to_contain_text("worker-host:4242")
    audit(page)
    page.locator(f'button[name="resend"][value="{resent}"]').click()
    expect(page.get_by_role("status")).to_have_text(translated(
        "The message will be sent again, under the same reference (an e-mail keeps its Message-ID).", "fa"))
    page.locator(f'button[name="drop"][value="{dropped}"]').click()
    expect(page.get_by_role("status")).to_have_text(translated(
        "The message is dropped: it will not be sent again.", "fa"))
    audit(page)
    with Session(live_server.engine) as session:
        assert session.get(OutboxMessage, resent).status == OutboxStatus.pending
        assert session.get(OutboxMessage, dropped).status == OutboxStatus.dropped
