"""Reading a published consultation's report and its outcome in a real browser, in Persian and in English, on a
desktop and on a phone: a visitor follows the draft page's link to the report — its cover, contents and summary
first (the totals, the agency's summary, what changed), then the age × gender pyramid and the provinces' tile
map, each with its table folded beneath, opened with a click — and to "what we heard and what we did" (the
decisions, every comment with its response, filtered by article). Every page is audited with axe-core, fits a
phone's width, and is saved as a full-page screenshot (to $SCREENSHOT_DIR when it is set, else to the test's
tmp_path), named like report-fa-phone.png.

The published draft holds tests/report_seed.py's 46 participants, its report built by the report worker and
finalised (seed.seed_report). Wording comes from the project's catalogues (`translated`).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from eparticipation.i18n import localize_digits

from ..report_seed import ACCEPTED_REASON, COMMENT_BODIES, LAW, LAW_ARTICLE, PROVINCES
from .accessibility import audit
from .pages import assert_fits_the_screen
from .seed import REPORT_SUMMARY_EN, REPORT_SUMMARY_FA, REPORTED_NAME
from .test_consultations import LATIN_DIGIT, PERSIAN_DIGIT, expect_language, translated

pytestmark = pytest.mark.browser

PARTICIPANTS = sum(count for _, count in PROVINCES)  # 46: each comments once and votes once
# The report's sections after its cover, in reading order, as its contents list them.
SECTIONS = ["summary", "concerns", "numbers", "pyramid", "provinces", "categories", "articles", "decisions",
            "proposals", "breakdowns", "tables"]
# The figures whose numbers are folded beneath them.
FOLDED = ["pyramid", "provinces", "categories"]
DEVICES = ["desktop", "phone"]


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where the full-page screenshots go: $SCREENSHOT_DIR (kept for people to look at), else the test's tmp_path."""
    folder = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(params=DEVICES)
def device(request):
    """(name, page): the same journey on the desktop page and on the phone."""
    return request.param, request.getfixturevalue("page" if request.param == "desktop" else "phone_page")


def shown(value, language):
    """A count as the page writes it: Persian digits in Persian."""
    return localize_digits(str(value), language)


def expect_digits_of(locator, language):
    """Numbers in the page's digits: Persian ones and no Latin ones in Persian, and the other way round."""
    text = locator.inner_text()
    wanted, unwanted = (PERSIAN_DIGIT, LATIN_DIGIT) if language == "fa" else (LATIN_DIGIT, PERSIAN_DIGIT)
    assert wanted.search(text) and not unwanted.search(text), text


def figure_of(summary, label):
    """The number a summary's figure (<dt>label</dt><dd>number</dd>) gives."""
    exactly = re.compile("^" + re.escape(label) + "$")  # «Comments», not «Supports of comments»
    figures = summary.locator("dl.glance-figures > div")
    return figures.filter(has=summary.page.locator("dt", has_text=exactly)).locator("dd")


def save(page, folder, name):
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_report_reads_in_order_with_its_figures(device, live_server, screenshots, language):
    device_name, page = device
    draft_id = live_server.drafts.published
    page.goto(f"{live_server.draft(draft_id)}?_LOCALE_={language}")
    page.locator(f'main a[href$="/consultations/{draft_id}/report/"]').click()
    expect(page).to_have_url(live_server.draft(draft_id, "report/"))
    expect_language(page, language)
    expect(page.get_by_role("heading", level=1)).to_have_text(translated("Consultation report", language))

    # The cover, the contents and the summary come first; the contents list every section and lead to it.
    expect(page.locator("#cover")).to_be_visible()
    expect(page.locator("#cover .report-facts")).to_contain_text(translated("Final", language))
    expect(page.locator("#contents-heading")).to_have_text(translated("Contents", language))
    contents = page.locator("nav.report-contents a")
    expect(contents).to_have_count(len(SECTIONS))
    assert [contents.nth(i).get_attribute("href") for i in range(len(SECTIONS))] == [f"#{s}-heading" for s in SECTIONS]
    # The sections are numbered in the page's digits (۱، ۲، ۳… in Persian).
    marker = page.locator("nav.report-contents > ol").evaluate("list => getComputedStyle(list).listStyleType")
    assert marker == ("persian" if language == "fa" else "decimal")
    expect(page.locator("#summary-heading")).to_have_text(translated("Summary", language))
    headings = page.locator("main section.report-part > :is(h2, h3)")
    expect(headings).to_have_count(len(SECTIONS))
    page.locator('nav.report-contents a[href="#provinces-heading"]').click()
    expect(page.locator("#provinces-heading")).to_be_in_viewport()

    # The summary's totals, the agency's own summary and what changed, in the page's digits.
    summary = page.locator("#summary")
    expect(figure_of(summary, translated("Participants", language))).to_have_text(shown(PARTICIPANTS, language))
    expect(figure_of(summary, translated("Comments", language))).to_have_text(shown(PARTICIPANTS, language))
    expect(figure_of(summary, translated("Votes", language))).to_have_text(shown(PARTICIPANTS, language))
    written = REPORT_SUMMARY_FA if language == "fa" else REPORT_SUMMARY_EN
    expect(summary.locator(".report-summary")).to_have_text(written)
    expect(summary).to_contain_text(translated(
        "${count} proposals were accepted wholly or in part; they changed these articles of the final text: "
        "${articles}.", language, count=shown(2, language), articles="۱، ۲" if language == "fa" else "1, 2"))
    expect_digits_of(summary.locator("dl.glance-figures").first, language)

    # The pyramid: an age band per line, women and men either side; the tile map: Tehran's 16, Gilan's 2 hidden.
    pyramid = page.locator("#pyramid .report-pyramid")
    expect(pyramid).to_be_visible()
    expect(pyramid.locator(".pyramid-head")).to_contain_text(translated("Age", language))
    assert pyramid.locator(".pyramid-row:not(.pyramid-head)").count() >= 3
    tiles = page.locator("#provinces .report-tiles")
    expect(tiles).to_be_visible()
    expect(tiles).to_have_attribute("dir", "ltr")  # a map is not mirrored in Persian
    tehran = tiles.locator('.tile[title="%s"]' % ("تهران" if language == "fa" else "Tehran"))
    expect(tehran.locator(".tile-value")).to_have_text(shown(16, language))
    expect(tiles.locator(".tile-hidden")).not_to_have_count(0)  # provinces below k read «< 5»
    if device_name == "phone":
        assert_fits_the_screen(page)
    audit(page)

    # Each figure's numbers are folded beneath it, and open with a click.
    for figure in FOLDED:
        details = page.locator(f"#{figure} details.report-data")
        table = details.locator("table")
        expect(table).to_be_hidden()
        details.locator("summary").click()
        expect(details).to_have_attribute("open", "")
        expect(table).to_be_visible()
        expect(table.locator("tbody tr").first).to_be_visible()
    expect(page.locator("#provinces details table tbody tr")).to_have_count(33)  # 31 provinces, abroad, not given
    expect_digits_of(page.locator("#pyramid details table tbody"), language)
    if device_name == "phone":
        assert_fits_the_screen(page)  # the opened tables scroll inside their own box
    audit(page)
    save(page, screenshots, f"report-{language}-{device_name}")


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_outcome_answers_every_comment(device, live_server, screenshots, language):
    device_name, page = device
    draft_id = live_server.drafts.published
    page.goto(f"{live_server.draft(draft_id)}?_LOCALE_={language}")
    page.locator(f'main a[href$="/consultations/{draft_id}/outcome"]').click()
    expect(page).to_have_url(live_server.draft(draft_id, "outcome"))
    expect_language(page, language)
    expect(page.get_by_role("heading", level=1)).to_have_text(translated("What we heard and what we did", language))
    expect(page.locator("#counts-heading")).to_have_text(translated("Decisions", language))
    expect(page.locator("#comments-heading")).to_have_text(translated("Comments and responses", language))

    # The decisions: half the comments (on article 1) accepted.
    accepted = page.locator("#counts-heading ~ div table tbody tr").filter(
        has=page.locator("th", has_text=re.compile("^" + re.escape(translated("Accepted", language)) + "$")))
    expect(accepted.locator("td")).to_have_text(shown(PARTICIPANTS // 2, language))
    expect_digits_of(page.locator("#counts-heading ~ div table tbody"), language)

    # The first comment, its author named, with the response that accepted it.
    first = page.locator("main article.card").first
    expect(first).to_contain_text(REPORTED_NAME)
    expect(first.locator(".card-body > .comment-body")).to_contain_text(COMMENT_BODIES["1"])
    expect(first).to_contain_text(ACCEPTED_REASON)
    if device_name == "phone":
        assert_fits_the_screen(page)
    audit(page)
    save(page, screenshots, f"outcome-{language}-{device_name}")

    # Filtered by article 3: only its comments, each answered (rejected, with its legal basis).
    page.locator("#filter-article").select_option("3")
    page.locator('form[aria-label] button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/outcome\?article=3"))
    cards = page.locator("main article.card")
    expect(cards.first).to_be_visible()
    for index in range(cards.count()):
        expect(cards.nth(index).locator(".card-body > .comment-body")).to_contain_text(COMMENT_BODIES["3"])
        expect(cards.nth(index).locator(".response")).to_contain_text(f"{LAW} – {LAW_ARTICLE}")
    if device_name == "phone":
        assert_fits_the_screen(page)
    audit(page)
