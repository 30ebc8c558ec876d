"""The ministry's compliance dashboard in a real browser: the auditor signs in, opens /oversight/ from the header
in Persian and in English, on a desktop and on a phone, chooses the Jalali year the published consultation opened
in, reads the indicators table (the ministry first, then each agency), follows a figure to the consultations
behind it, and downloads the CSV. Anyone reads /transparency/, the same indicators without drill-down, on a desktop
and on a phone. A citizen, and a visitor not signed in, are refused the dashboard. Every page reached is audited
with axe-core.

Elements are found by id, href and role; wording comes from the project's catalogues (`translated`).
"""

import csv
import re

import pytest
from playwright.sync_api import expect

from eparticipation.i18n import localize_digits
from eparticipation.incentives.services import jalali_of

from .accessibility import audit
from .pages import assert_fits_the_screen
from .seed import AUDITOR_EMAIL, CITIZEN_EMAIL, CITIZEN_PASSWORD, COORDINATOR_PASSWORD
from .test_consultations import expect_language, sign_in, stored_draft, translated

pytestmark = pytest.mark.browser

DEVICES = ["desktop", "phone"]


@pytest.fixture(params=DEVICES)
def device(request):
    """(name, page): the same journey on the desktop page and on the phone."""
    return request.param, request.getfixturevalue("page" if request.param == "desktop" else "phone_page")


def western(digits: str) -> int:
    return int(digits.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")))


def published_year(live_server) -> int:
    """The Jalali year (Tehran's calendar) the published consultation opened in: it counts in that year."""
    return jalali_of(stored_draft(live_server, live_server.drafts.published).opens_at).year


def indicators(page):
    return page.locator("table.oversight-table")


def choose_year(page, year, language):
    """The period's form: a Jalali year, the whole of it."""
    form = page.get_by_role("form", name=translated("Choose the period", language))
    form.locator("#f-year").select_option(str(year))
    form.locator("#f-quarter").select_option("")
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(re.compile(rf"[?&]year={year}"))


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_auditor_reads_the_dashboard_and_its_drill_down(device, live_server, language):
    device_name, page = device
    year = published_year(live_server)
    sign_in(page, live_server, AUDITOR_EMAIL, COORDINATOR_PASSWORD)
    page.goto(f"/me?_LOCALE_={language}")
    page.locator('header nav a[href$="/oversight/"]').click()
    expect(page).to_have_url(live_server("/oversight/"))
    expect_language(page, language)
    expect(page.get_by_role("heading", level=1)).to_have_text(translated("Compliance dashboard", language))

    choose_year(page, year, language)
    expect(page.locator("#agencies")).to_have_text(
        translated("Indicators for ${period}", language, period=localize_digits(year, language)))
    # The ministry's row first, then one per agency; a column per indicator.
    table = indicators(page)
    expect(table).to_be_visible()
    expect(table.locator("thead th").first).to_have_text(translated("Agency", language))
    expect(table.locator("thead th").nth(1)).to_have_text(translated("Consultations held", language))
    ministry = table.locator("tbody tr").first
    expect(ministry.locator("th")).to_have_text(translated("The ministry", language))
    assert table.locator("tbody tr").count() >= 3  # the ministry and the seeded agencies
    if device_name == "phone":
        assert_fits_the_screen(page)  # the wide table scrolls in its own box
    audit(page)

    # The ministry's count of consultations held opens the consultations behind it, the published one among them.
    held = ministry.locator("td").first.locator("a")
    count = held.inner_text()
    held.click()
    expect(page).to_have_url(re.compile(rf"/oversight/consultations\?year={year}&indicator=held$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(translated("Consultations held", language))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(western(count))
    published = rows.filter(has=page.locator(f'a[href$="/consultations/{live_server.drafts.published}/"]'))
    expect(published).to_have_count(1)
    headers = page.locator("main table thead th").all_inner_texts()
    column = headers.index(translated("Report published", language))  # its report is published
    expect(published.locator("td, th").nth(column)).to_have_text(translated("Yes", language))
    if device_name == "phone":
        assert_fits_the_screen(page)
    audit(page)

    # Back to the dashboard, and its CSV: every period of every agency, by the indicators' machine names.
    page.locator('main a[href*="/oversight/?year="]').click()
    expect(indicators(page)).to_be_visible()
    with page.expect_download() as download:
        page.locator('main a[href$="/oversight/export.csv"]').click()
    assert download.value.suggested_filename == "oversight.csv"
    with open(download.value.path(), encoding="utf-8-sig", newline="") as exported:
        lines = list(csv.DictReader(exported))
    assert {"agency_code", "jalali_year", "held", "participants"} <= set(lines[0])
    ministry_year = [line for line in lines if line["agency_code"] == "*" and line["jalali_year"] == str(year)
                     and not line["jalali_quarter"]]
    assert [line["held"] for line in ministry_year] == [str(western(count))]


@pytest.mark.parametrize("language", ["fa", "en"])
def test_anyone_reads_the_transparency_page(device, live_server, language):
    device_name, page = device
    year = published_year(live_server)
    page.goto(f"/?_LOCALE_={language}")
    page.locator('footer a[href$="/transparency/"]').click()
    expect(page).to_have_url(live_server("/transparency/"))
    expect_language(page, language)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        translated("Transparency: how the agencies consult", language))
    choose_year(page, year, language)
    table = indicators(page)
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first.locator("th")).to_have_text(translated("The ministry", language))
    expect(table.locator("a")).to_have_count(0)  # the public page has no drill-down
    expect(page.locator('main a[href$="/audit/"]')).to_have_count(0)
    if device_name == "phone":
        assert_fits_the_screen(page)  # the wide table scrolls in its own box, which the keyboard can reach
    audit(page)
    response = page.request.get(live_server("/transparency/export.csv"))
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.text().lstrip("\ufeff").startswith("agency_code,")


def test_a_citizen_is_refused_the_dashboard(page, live_server):
    # Not signed in: asked to sign in, and brought back.
    answer = page.goto("/oversight/")
    assert answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(translated("Please sign in", "fa"))
    expect(page.locator('main a[href*="/login?next=%2Foversight%2F"]')).to_be_visible()
    audit(page)
    # Signed in without a role: not allowed, and nothing of the dashboard shown.
    sign_in(page, live_server, CITIZEN_EMAIL, CITIZEN_PASSWORD)
    expect(page.locator('header nav a[href$="/oversight/"]')).to_have_count(0)
    for path in ("/oversight/", "/oversight/export.csv", "/oversight/consultations?indicator=held"):
        answer = page.goto(path)
        assert answer.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text(translated("Not allowed", "fa"))
        expect(indicators(page)).to_have_count(0)
    audit(page)
