"""Following consultations in a real browser: a visitor follows an agency by e-mail (a mistyped address first),
in both languages; a signed-in person follows an agency from its page, then chooses channels and stops following
on their subscriptions page, in Persian on a phone. Every page reached is audited.

Elements are found by id, name, value and href; wording comes from the catalogues (`translated`)."""

import pytest
from playwright.sync_api import expect

from ..factories import TEST_PASSWORD, make_user
from .accessibility import audit
from .pages import assert_fits_the_screen
from .seed import AGENCY_CODE
from .test_consultations import expect_language, sign_in, translated

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["fa", "en"])
def test_a_visitor_follows_an_agency_by_email(page, live_server, unique_email, language):
    page.goto(f"/agencies/{AGENCY_CODE}/?_LOCALE_={language}")
    expect_language(page, language)
    audit(page)
    page.locator("section.follow a[href*='/subscriptions/']").first.click()
    expect(page.locator('input[name="kind"][value="agency"]')).to_be_checked()
    expect(page.locator('select[name="value"]')).to_have_value(AGENCY_CODE)
    audit(page)

    form = page.locator(f'form[action$="/subscriptions/"]')
    form.locator('input[name="email"]').fill("not an address")
    form.locator('button[type="submit"]').click()
    expect(page.get_by_role("alert")).to_have_text(translated("Enter a valid e-mail address.", language))
    expect(page.locator('input[name="email"]')).to_have_value("not an address")
    expect(page.locator('input[name="email"]')).to_have_attribute("aria-invalid", "true")
    audit(page)

    email = unique_email("follower")
    page.locator('input[name="email"]').fill(email)
    page.locator('form[action$="/subscriptions/"] button[type="submit"]').click()
    expect(page.get_by_role("status")).to_contain_text(email)
    audit(page)


def test_a_person_follows_an_agency_and_chooses_channels_on_a_phone(phone_page, live_server, unique_email):
    from sqlalchemy.orm import Session

    page = phone_page
    email = unique_email("subscriber")
    with Session(live_server.engine) as session:
        make_user(session, email=email)
        session.commit()
    sign_in(page, live_server, email, TEST_PASSWORD)
    page.goto(f"/agencies/{AGENCY_CODE}/")
    page.locator('section.follow form[action$="/me/subscriptions/follow"] button').click()
    expect(page).to_have_url(live_server(f"/agencies/{AGENCY_CODE}/"))
    expect(page.locator('section.follow form[action$="/me/subscriptions/unfollow"]')).to_have_count(1)
    audit(page)

    page.locator('section.follow a[href$="/me/subscriptions/"]').click()
    expect_language(page, "fa")
    expect(page.locator("ul.follows li")).to_have_count(1)
    assert_fits_the_screen(page)
    audit(page)
    page.locator('input[name="channel"][value="inbox"]').uncheck()
    page.locator('form[action$="/channels"] button[type="submit"]').click()
    expect(page.locator('input[name="channel"][value="inbox"]')).not_to_be_checked()
    expect(page.locator('input[name="channel"][value="email"]')).to_be_checked()
    audit(page)
    page.locator('input[name="channel"][value="email"]').uncheck()
    page.locator('form[action$="/channels"] button[type="submit"]').click()
    expect(page.get_by_role("alert")).to_have_text(
        translated("Choose at least one channel, or stop following instead.", "fa"))
    audit(page)
    page.locator('ul.follows form[action$="/unfollow"] button').click()
    expect(page.locator("ul.follows li")).to_have_count(0)
    audit(page)
