"""Where a person is signed in, on a phone, in Persian: the list passes the accessibility audit and fits the
screen, and ending another browser's session signs that browser out."""

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from ..factories import TEST_PASSWORD, make_user
from .accessibility import audit
from .pages import assert_fits_the_screen
from .test_consultations import expect_language, sign_in

pytestmark = pytest.mark.browser


def test_a_person_ends_the_session_of_a_browser_left_signed_in(phone_page, browser, live_server, unique_email):
    email = unique_email("sessions")
    with Session(live_server.engine) as session:
        make_user(session, email=email)
        session.commit()
    other_context = browser.new_context(base_url=live_server.url)
    left_behind = other_context.new_page()
    sign_in(left_behind, live_server, email, TEST_PASSWORD)

    page = phone_page
    sign_in(page, live_server, email, TEST_PASSWORD)
    page.locator('main a[href$="/me/sessions"]').click()
    expect_language(page, "fa")
    items = page.locator(".session-list li")
    expect(items).to_have_count(2)
    expect(page.locator(".session-list .badge")).to_have_text("همین مرورگر")
    audit(page)
    assert_fits_the_screen(page)

    page.locator(".session-list li form button").click()
    expect(page.locator(".session-list li")).to_have_count(1)
    expect(page.locator(".alert[role=status]")).to_contain_text("آن نشست پایان یافت.")
    audit(page)

    left_behind.goto("/me/")
    expect(left_behind.locator("main h1")).to_have_text("لطفاً وارد شوید")
    other_context.close()
