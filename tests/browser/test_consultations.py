"""Consultations in a real browser: a coordinator opens one with Jalali dates typed in Persian digits; the
listing (searched and filtered), a draft in consultation and the comparison of a published draft, audited
in both languages; article anchors; and no sideways scrolling on a phone.

Elements are found by id, name, href and role. Where a test checks wording, it takes it from the project's
own catalogues (`translated`), never from Persian typed here.
"""

import gettext
import re
from datetime import datetime, timedelta, timezone
from functools import cache

import pytest
from persiantools.jdatetime import JalaliDate
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from eparticipation.consultations.models import Draft, State
from eparticipation.i18n import DISPLAY_TIMEZONE, format_date, localize_digits

from .accessibility import audit
from .conftest import PROJECT
from .pages import assert_fits_the_screen
from .seed import (
    CONSULTING_AGENCY_CODE,
    COORDINATOR_EMAIL,
    COORDINATOR_PASSWORD,
    SEARCH_WORD_EN,
    SEARCH_WORD_FA,
    WORD_ADDED,
    WORD_REMOVED,
)

pytestmark = pytest.mark.browser

LATIN_DIGIT = re.compile(r"[0-9]")
PERSIAN_DIGIT = re.compile(r"[۰-۹]")
MIN_DAYS = 30  # eparticipation.min_consultation_days, the default the live server runs with


@cache
def _catalogue(language):
    return gettext.translation("eparticipation", localedir=str(PROJECT / "locale"), languages=[language])


def translated(msgid, language, **mapping):
    """The interface's wording of `msgid` in `language`, as the app's catalogues give it."""
    text = _catalogue(language).gettext(msgid)
    for key, value in mapping.items():
        text = text.replace("${%s}" % key, str(value))
    return text


def jalali(day, language="fa"):
    """A date as the fa form expects it typed: ۱۴۰۵/۰۹/۰۶."""
    j = JalaliDate(day)
    return localize_digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}", language)


def stored_draft(live_server, draft_id) -> Draft:
    with Session(live_server.engine, expire_on_commit=False) as session:
        return session.get(Draft, draft_id)


def sign_in(page, live_server, email, password):
    page.goto("/login")
    form = page.locator("form#login")
    form.locator('input[name="email"]').fill(email)
    form.locator('input[name="password"]').fill(password)
    form.locator('button[name="login"]').click()
    expect(page).to_have_url(re.compile(re.escape(live_server("/me")) + "|/login-code$"))
    if page.url.endswith("/login-code"):  # staff: the code of their authenticator app
        form = page.locator("form#login-code")
        form.locator('input[name="code"]').fill(current_code(live_server, email))
        form.locator('button[name="verify"]').click()
    expect(page).to_have_url(live_server("/me"))


def current_code(live_server, email):
    """The account's code now, its last used step forgotten as 30 seconds would (tests sign the same people in
    again and again, faster than that)."""
    from eparticipation.accounts.second_factor import current_code, decrypt_secret
    from eparticipation.accounts.services import find_user_by_email

    with Session(live_server.engine) as session, session.begin():
        factor = find_user_by_email(session, email).second_factor
        factor.last_used_step = None
        secret = decrypt_secret(live_server.app_registry.settings, factor.secret)
    return current_code(secret, live_server.app_registry["clock"].now())


def draft_link(page, draft_id):
    """The listing's link to a draft, by where it goes."""
    return page.locator(f'ol.drafts a[href$="/consultations/{draft_id}/"]')


def expect_language(page, language):
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "fa" else "ltr")


# --- 1. opening a consultation, with Jalali dates in Persian digits --------------------------------------


def test_coordinator_opens_a_consultation_with_jalali_dates(page, live_server):
    draft_id = live_server.drafts.to_open
    today = datetime.now(DISPLAY_TIMEZONE).date()  # the app's "today" is Tehran's

    sign_in(page, live_server, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)
    page.goto(live_server.draft(draft_id))
    expect_language(page, "fa")
    expect(page.locator("article.draft header .badge")).to_have_text(translated("Draft", "fa"))
    expect(page.locator(".days-left")).to_have_count(0)
    audit(page)

    page.locator('nav.staff-actions a[href$="/open"]').click()
    expect(page).to_have_url(live_server.draft(draft_id, "open"))
    form = page.locator("form#transition")
    start, end = form.locator('input[name="start"]'), form.locator('input[name="end"]')
    expect(page.get_by_role("alert")).to_have_count(0)  # the draft is complete: nothing stands in the way
    audit(page)

    # One day short of the minimum: refused, said in an alert, and what was typed is kept.
    start.fill(jalali(today))
    end.fill(jalali(today + timedelta(days=MIN_DAYS - 2)))  # the first and the last day count
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        form.locator('button[name="confirm"]').click()
    assert refused.value.status == 400
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(localize_digits(MIN_DAYS, "fa"))
    expect(alert).to_contain_text(format_date(today + timedelta(days=MIN_DAYS - 1), "fa"))  # the earliest end
    expect(start).to_have_value(jalali(today))
    expect(end).to_have_value(jalali(today + timedelta(days=MIN_DAYS - 2)))
    assert stored_draft(live_server, draft_id).state == State.draft
    audit(page)

    end.fill(jalali(today + timedelta(days=MIN_DAYS - 1)))
    form.locator('button[name="confirm"]').click()
    expect(page).to_have_url(live_server.draft(draft_id))
    expect(page.get_by_role("status")).to_have_text(translated("The consultation is open.", "fa"))
    expect(page.locator("article.draft header .badge")).to_have_text(translated("In consultation", "fa"))

    draft = stored_draft(live_server, draft_id)
    assert draft.state == State.consultation
    assert draft.last_day() == today + timedelta(days=MIN_DAYS - 1)  # the typed Jalali date, understood
    days_left = draft.days_left(datetime.now(timezone.utc))
    assert days_left == MIN_DAYS  # today counts as a day until Tehran's midnight
    days_line = page.locator(".days-left")
    expect(days_line).to_be_visible()
    expect(days_line).to_contain_text(localize_digits(days_left, "fa"))
    expect(days_line).to_contain_text(localize_digits(JalaliDate(today + timedelta(days=MIN_DAYS - 1)).year, "fa"))
    line = days_line.inner_text()
    assert PERSIAN_DIGIT.search(line) and not LATIN_DIGIT.search(line), line
    # The articles are now the consulted text, each with its anchor.
    expect(page.locator('section.article[id^="article-"]')).to_have_count(3)
    audit(page)


# --- 2. the public pages of consultations, in both languages ---------------------------------------------


@pytest.mark.parametrize("language", ["fa", "en"])
def test_listing_searched_and_filtered(page, live_server, language):
    drafts = live_server.drafts
    page.goto(f"/consultations/?_LOCALE_={language}")
    expect_language(page, language)
    for listed in (drafts.in_consultation, drafts.closing_soon, drafts.closed, drafts.published):
        expect(draft_link(page, listed)).to_be_visible()
    expect(draft_link(page, drafts.unopened)).to_have_count(0)  # not opened, not the visitor's agency
    audit(page)

    search = page.get_by_role("search")
    search.locator("#filter-q").fill(SEARCH_WORD_FA if language == "fa" else SEARCH_WORD_EN)
    search.locator("#filter-agency").select_option(CONSULTING_AGENCY_CODE)
    search.locator("#filter-type").select_option("bylaw")
    search.locator("#filter-state").select_option("consultation")
    search.locator("#filter-open").check()
    search.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/consultations/\?.*agency=" + CONSULTING_AGENCY_CODE))
    expect_language(page, language)
    expect(page.locator("ol.drafts > li")).to_have_count(1)
    expect(draft_link(page, drafts.in_consultation)).to_be_visible()
    # The filters show what was asked.
    expect(search.locator("#filter-state")).to_have_value("consultation")
    expect(search.locator("#filter-open")).to_be_checked()
    audit(page)

    # Closing within a week: only the one that ends in five days.
    page.goto("/consultations/?closing=1")
    expect(page.locator("ol.drafts > li")).to_have_count(1)
    expect(draft_link(page, drafts.closing_soon)).to_be_visible()
    # Nothing found: said so, no list.
    page.goto("/consultations/?q=zzzz-nothing-matches")
    expect(page.locator("ol.drafts")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(translated("No consultation matches.", language))
    audit(page)


@pytest.mark.parametrize("language", ["fa", "en"])
def test_draft_in_consultation_and_its_article_anchors(page, live_server, language):
    url = live_server.draft(live_server.drafts.in_consultation)
    page.goto(f"{url}?_LOCALE_={language}")
    expect_language(page, language)
    article_two = page.locator("#article-2-title")
    expect(article_two).not_to_be_in_viewport()  # below the fold, so that the anchor has to scroll
    expect(page.locator("h3.chapter")).to_have_count(2)
    expect(page.locator('section.article[id^="article-"]')).to_have_count(4)
    expect(page.locator("section.article p.note")).to_have_count(4)
    expect(page.locator("#article-2 p.note")).to_have_count(2)
    expect(page.locator(".days-left")).to_be_visible()
    expect(page.locator("nav.staff-actions")).to_have_count(0)  # a visitor has no actions
    # The article is Persian, its label ("Article 2") in the page's language; headings skip no level.
    expect(page.locator("#article-2")).to_have_attribute("lang", "fa")
    expect(article_two.locator("a")).to_have_attribute("lang", language)
    expect(page.locator("h2 ~ h3.chapter")).to_have_count(2)
    expect(page.locator("section.article > h4")).to_have_count(4)  # each under its chapter's h3
    audit(page)

    # An article's address, opened afresh, scrolls its heading into view.
    page.goto(f"{url}#article-2")  # another address than the one above (no query): loaded afresh
    expect(article_two).to_be_in_viewport()
    assert page.evaluate("() => window.scrollY") > 0
    # Its own heading links to that address.
    expect(article_two.locator('a[href="#article-2"]')).to_be_visible()
    page.locator('#article-4-title a[href="#article-4"]').click()
    expect(page).to_have_url(f"{url}#article-4")
    expect(page.locator("#article-4-title")).to_be_in_viewport()


@pytest.mark.parametrize("language", ["fa", "en"])
def test_comparison_of_a_published_draft(page, live_server, language):
    draft_id = live_server.drafts.published
    page.goto(f"{live_server.draft(draft_id)}?_LOCALE_={language}")
    expect(page.locator("article.draft header .badge")).to_have_text(translated("Published", language))
    page.locator('main a[href$="/compare"]').click()
    expect(page).to_have_url(live_server.draft(draft_id, "compare"))
    expect_language(page, language)

    # Articles 1 and 2 of the final text; 3, removed, where it used to be; 4, added.
    sections = page.locator("section.comparison")
    expect(sections).to_have_count(4)
    for index, (number, status) in enumerate(
        [("1", "unchanged"), ("2", "changed"), ("3", "removed"), ("4", "added")]
    ):
        expect(sections.nth(index)).to_have_attribute("id", f"article-{number}")
        expect(sections.nth(index)).to_have_class(re.compile(rf"\bstatus-{status}\b"))
    changed = page.locator("#article-2")
    expect(changed.locator(".article-text del")).to_have_text(WORD_REMOVED)
    expect(changed.locator(".article-text ins")).to_have_text(WORD_ADDED)
    expect(page.locator("#article-1 :is(ins, del)")).to_have_count(0)
    expect(page.locator("#article-3 .article-text del")).to_have_count(1)
    expect(page.locator("#article-4 .article-text ins")).to_have_count(1)

    # A change is not shown by colour alone: added words are underlined, removed ones struck through;
    # and a screen reader, which seldom announces <ins> and <del>, reads a hidden label in the page's
    # language just before each.
    decorations = page.evaluate(
        """() => ['ins', 'del'].map(tag => getComputedStyle(
               document.querySelector('#article-2 .article-text ' + tag)).textDecorationLine)"""
    )
    assert "underline" in decorations[0] and "line-through" in decorations[1], decorations
    labels = changed.locator(".article-text > .visually-hidden")
    removed_label, added_label = translated("removed words", language), translated("added words", language)
    expect(labels).to_have_text([f"{removed_label}: ", f"{added_label}: "])
    for index in range(2):
        expect(labels.nth(index)).to_have_attribute("lang", language)
    audit(page)


# --- 3. a phone's width -----------------------------------------------------------------------------------


def test_consultation_pages_fit_a_phone(phone_page, live_server):
    page = phone_page
    drafts = live_server.drafts
    for language in ("fa", "en"):
        page.goto(f"/consultations/?_LOCALE_={language}")
        expect(draft_link(page, drafts.in_consultation)).to_be_visible()
        assert_fits_the_screen(page)
        for path in (
            live_server.draft(drafts.in_consultation),
            live_server.draft(drafts.published),
            live_server.draft(drafts.published, "compare"),
        ):
            page.goto(path)
            expect_language(page, language)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert_fits_the_screen(page)
