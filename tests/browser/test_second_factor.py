"""Setting up an authenticator app in a real browser, on a phone, in Persian: the QR code and the key written out
pass the accessibility audit, and the recovery codes are shown once."""

import re

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from ..factories import TEST_PASSWORD, make_user
from .accessibility import audit
from .pages import assert_fits_the_screen
from .test_consultations import expect_language, sign_in

pytestmark = pytest.mark.browser


def test_a_participant_sets_up_an_authenticator_app_on_a_phone(phone_page, live_server, unique_email):
    page = phone_page
    email = unique_email("second-factor")
    with Session(live_server.engine) as session:
        make_user(session, email=email)
        session.commit()
    sign_in(page, live_server, email, TEST_PASSWORD)
    page.locator('main a[href$="/me/security/"]').click()
    page.locator('main a[href$="/me/security/enrol"]').click()
    expect_language(page, "fa")
    qr = page.locator("figure svg[role=img]")
    expect(qr).to_be_visible()
    expect(qr).to_have_attribute("aria-label", re.compile(".+"))
    audit(page)
    assert_fits_the_screen(page)

    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    form = page.locator("form#enrol")
    form.locator('input[name="code"]').fill(pyotp.TOTP(secret).at(live_server.app_registry["clock"].now()))
    form.locator('button[name="enrol"]').click()
    expect(page.locator("#recovery-codes code")).to_have_count(10)
    audit(page)
    assert_fits_the_screen(page)
