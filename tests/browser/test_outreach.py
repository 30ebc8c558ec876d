"""The feeds' page and a consultation's share links in a real browser, audited in both languages."""

import pytest
from playwright.sync_api import expect

from .accessibility import audit

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["fa", "en"])
def test_feeds_page(page, live_server, language):
    page.goto(f"/feeds/?_LOCALE_={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator('a[type="application/atom+xml"]')).to_have_count(3 * 2 + 3 * 5)
    expect(page.locator('a[type="text/calendar"]')).to_have_count(2)
    audit(page)


@pytest.mark.parametrize("language", ["fa", "en"])
def test_share_links_of_a_consultation(page, live_server, language):
    page.goto(f"{live_server.draft(live_server.drafts.in_consultation)}?_LOCALE_={language}")
    links = page.locator("section.outreach-share a[data-network]")
    expect(links).to_have_count(9)
    # The page's address and title as the browser's own encodeURIComponent encodes them.
    encoded = page.evaluate("""() => {
        const meta = (name) => document.querySelector(`meta[property="${name}"]`).content;
        return [encodeURIComponent(meta("og:url")), encodeURIComponent(meta("og:title"))];
    }""")
    expect(page.locator("section.outreach-share a[data-network=telegram]")).to_have_attribute(
        "href", f"https://t.me/share/url?url={encoded[0]}&text={encoded[1]}")
    audit(page)
