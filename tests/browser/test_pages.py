"""Signing in and out, and the pages every visitor can reach, audited in both languages."""

import pytest
from playwright.sync_api import expect

from .accessibility import audit
from .pages import error_of, sign_out
from .seed import EXISTING_EMAIL, EXISTING_NAME, EXISTING_PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_mistakes_then_success(page, live_server):
    page.goto("/")
    page.locator('header nav a[href$="/login"]').click()
    expect(page).to_have_url(live_server("/login"))
    audit(page)

    form = page.locator("form#login")
    form.locator('button[name="login"]').click()  # nothing typed
    expect(error_of(form, "email")).to_be_visible()
    expect(error_of(form, "password")).to_be_visible()
    expect(form.locator('input[name="password"]')).to_have_attribute("aria-invalid", "true")
    audit(page)

    form.locator('input[name="email"]').fill(EXISTING_EMAIL)
    form.locator('input[name="password"]').fill("not the password")
    form.locator('button[name="login"]').click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(form.locator('input[name="email"]')).to_have_value(EXISTING_EMAIL)
    expect(form.locator('input[name="password"]')).to_have_value("")
    audit(page)

    form.locator('input[name="password"]').fill(EXISTING_PASSWORD)
    form.locator('button[name="login"]').click()
    expect(page).to_have_url(live_server("/me"))
    expect(page.locator("#account-title")).to_have_text(EXISTING_NAME)
    audit(page)
    sign_out(page, live_server)


@pytest.mark.parametrize("language", ["fa", "en"])
def test_public_pages(page, live_server, language):
    """The privacy notice (reached from the footer), the sign-in page, the agencies and a missing page."""
    direction = "rtl" if language == "fa" else "ltr"
    page.goto(f"/?_LOCALE_={language}")

    # The first Tab shows the skip link; following it puts the focus on the main content.
    page.keyboard.press("Tab")
    skip_link = page.locator('a.skip-link[href="#main"]')
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    page.locator('footer a[href$="/privacy"]').click()
    expect(page).to_have_url(live_server("/privacy"))
    for path, status in ((None, 200), ("/login", 200), ("/agencies", 200), ("/no-such-page", 404)):
        if path is not None:
            response = page.goto(path)
            assert response.status == status, path
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("html")).to_have_attribute("dir", direction)
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        audit(page)

