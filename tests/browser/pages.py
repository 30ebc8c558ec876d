"""Small helpers shared by the browser journeys. They find elements by href, name and role, never by
translated wording."""

from playwright.sync_api import expect


def sign_out(page, live_server):
    """The header's sign-out button (a POST form with the CSRF token) ends the session on the home page."""
    page.locator('header form[action$="/logout"] button[type="submit"]').click()
    expect(page).to_have_url(live_server("/"))
    expect(page.locator('header form[action$="/logout"]')).to_have_count(0)


def assert_fits_the_screen(page):
    """Nothing sticks out sideways (WCAG 1.4.10, reflow): no horizontal scrolling at this width."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the {page.viewport_size['width']}px screen"


def error_of(form, name):
    """The validation message Deform renders below the input of that name (id `error-<input id>`)."""
    input_id = form.locator(f'[name="{name}"]').first.get_attribute("id")
    return form.locator(f"#error-{input_id}")
