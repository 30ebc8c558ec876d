"""Points in a real browser: a citizen who took part in the published consultation (they commented on article 1,
voted, and their comment was accepted) signs in, follows their account page to /me/points and finds each entry
of the ledger with its reason, their level and their badges — in Persian and in English, on a desktop and on a
phone; then they choose to appear on the public leaderboard under a name of their own, find it on /leaderboard/
(in both languages, signed out too), and leave it again. Every page reached is audited with axe-core.

The seed wrote the acts directly and settled everyone's points as the acts' own events would have
(seed.finish_report). Wording comes from the project's catalogues (`translated`).
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from eparticipation.accounts.models import User
from eparticipation.i18n import localize_digits
from eparticipation.incentives.models import SITE_SCOPE, LedgerEntry, PointsTotal
from eparticipation.incentives.services import periods_of
from eparticipation.incentives.views import ACT_LABELS, BADGE_LABELS, REASON_LABELS, level_label

from .accessibility import audit
from .pages import assert_fits_the_screen, sign_out
from .seed import EXISTING_PASSWORD, REPORTED_EMAIL
from .test_consultations import expect_language, sign_in, translated

pytestmark = pytest.mark.browser

# What their acts on the published consultation earned, by the default rules: a comment on an article (6), a vote
# (1) and, once the outcome was published, the acceptance of that comment (20). Newest entry first on the page.
LEDGER = [("acceptance", 20, "accepted"), ("vote", 1, "earned"), ("article_comment", 6, "earned")]
TOTAL = 27
LEVEL = 1  # «Contributor»: from 20 points, the next from 100
BADGES = ["first_accepted", "first_comment", "province_pioneer"]
PUBLIC_NAME = "ستاره از تهران"


def ledger_in_database(live_server):
    with Session(live_server.engine) as session:
        user_id = session.scalars(sa.select(User.id).where(User.email == REPORTED_EMAIL)).one()
        entries = session.execute(sa.select(LedgerEntry.act, LedgerEntry.points, LedgerEntry.reason)
                                  .where(LedgerEntry.user_id == user_id).order_by(LedgerEntry.id.desc())).all()
        acceptance_at = session.scalars(sa.select(LedgerEntry.act_at).where(
            LedgerEntry.user_id == user_id, LedgerEntry.act == "acceptance")).one()
        year = periods_of(acceptance_at)[1]
        year_points = session.scalars(sa.select(PointsTotal.points).where(
            PointsTotal.user_id == user_id, PointsTotal.scope == SITE_SCOPE, PointsTotal.period == year)).one()
    return [tuple(entry) for entry in entries], year, year_points


def open_my_points(page, live_server, language):
    sign_in(page, live_server, REPORTED_EMAIL, EXISTING_PASSWORD)
    page.goto(f"/me?_LOCALE_={language}")
    page.locator('main a[href$="/me/points"]').click()
    expect(page).to_have_url(re.compile(re.escape(live_server("/me/points")) + "/?$"))
    expect_language(page, language)


@pytest.mark.parametrize("language", ["fa", "en"])
def test_a_participant_reads_their_ledger_level_and_badges(page, live_server, language):
    entries, _year, _points = ledger_in_database(live_server)
    assert entries == LEDGER  # the acts' points, as the seed settled them

    open_my_points(page, live_server, language)
    expect(page.get_by_role("heading", level=1)).to_have_text(translated("Your points", language))
    expect(page.locator(".points-total")).to_have_text(localize_digits(str(TOTAL), language))

    # Each entry with what it was for, where, its points and why; newest first.
    rows = page.locator("table.ledger tbody tr")
    expect(rows).to_have_count(len(LEDGER))
    for index, (act, points, reason) in enumerate(LEDGER):
        cells = rows.nth(index).locator("td")
        expect(cells.nth(1)).to_have_text(translated(ACT_LABELS[act], language))
        expect(cells.nth(2).locator("a")).to_have_attribute(
            "href", re.compile(rf"/consultations/{live_server.drafts.published}/$"))
        expect(cells.nth(3)).to_have_text(localize_digits(str(points), language))
        expect(cells.nth(4)).to_have_text(translated(REASON_LABELS[reason], language))

    # The level reached, the next one and how far it is; the levels' table marks it.
    expect(page.locator(".points-level")).to_contain_text(level_label(LEVEL, language))
    expect(page.locator(".points-level")).to_contain_text(translated(
        "${points} more points to reach ${name}.", language, points=localize_digits("73", language),
        name=level_label(LEVEL + 1, language)))
    expect(page.locator("tr.table-active th")).to_have_text(level_label(LEVEL, language))

    # The badges, each named and explained.
    badges = page.locator("ul.badges-earned > li")
    expect(badges).to_have_count(len(BADGES))
    for badge in BADGES:
        title, explanation = BADGE_LABELS[badge]
        expect(badges.filter(has_text=translated(title, language))).to_contain_text(translated(explanation, language))
    audit(page)


def test_points_fit_a_phone(phone_page, live_server):
    page = phone_page
    for language in ("fa", "en"):
        open_my_points(page, live_server, language)
        expect(page.locator("table.ledger tbody tr")).to_have_count(len(LEDGER))
        expect(page.locator("ul.badges-earned > li")).to_have_count(len(BADGES))
        assert_fits_the_screen(page)
        audit(page)
        sign_out(page, live_server)


def test_a_participant_appears_on_the_leaderboard_by_choice(page, live_server):
    _entries, year, year_points = ledger_in_database(live_server)
    board = f"/leaderboard/?period={year}"  # the Jalali year of their acceptance: their points are on its board

    # Not listed before they choose to be.
    page.goto(board)
    expect(page.locator("main")).not_to_contain_text(PUBLIC_NAME)

    open_my_points(page, live_server, "fa")
    form = page.locator("form#public-name-form")
    expect(form.locator('button[name="appear"][value="yes"]')).to_have_text(
        translated("Show me on the leaderboards", "fa"))
    # A name too short is refused, with the message tied to the field.
    form.locator("#public-name").fill("س")
    form.locator('button[name="appear"][value="yes"]').click()
    expect(page.locator("#public-name-error")).to_have_text(
        translated("Give a public name of at least 2 characters.", "fa"))
    expect(page.locator("#public-name")).to_have_attribute("aria-invalid", "true")
    audit(page)
    page.locator("form#public-name-form #public-name").fill(PUBLIC_NAME)
    page.locator('form#public-name-form button[name="appear"][value="yes"]').click()
    expect(page).to_have_url(re.compile(re.escape(live_server("/me/points")) + "/?$"))
    expect(page.locator(".alert[role=status]")).to_have_text(
        translated("You appear on the leaderboards as ${name}.", "fa", name=PUBLIC_NAME))
    expect(page.locator("#public-name")).to_have_value(PUBLIC_NAME)
    audit(page)

    # The leaderboard lists them by that name with their points of the year, in both languages.
    for language in ("fa", "en"):
        page.goto(f"{board}&_LOCALE_={language}")
        expect_language(page, language)
        row = page.locator("table.leaderboard tbody tr").filter(has_text=PUBLIC_NAME)
        expect(row).to_have_count(1)
        expect(row.locator("td").last).to_have_text(localize_digits(str(year_points), language))
        expect(page.locator("main")).not_to_contain_text(REPORTED_EMAIL)
        audit(page)

    # Signed out, anyone sees the same; then they leave the board again.
    page.goto("/?_LOCALE_=fa")
    sign_out(page, live_server)
    page.goto(board)
    expect(page.locator("table.leaderboard tbody tr").filter(has_text=PUBLIC_NAME)).to_have_count(1)
    audit(page)
    open_my_points(page, live_server, "fa")
    page.locator('form#public-leave-form button[name="appear"][value="no"]').click()
    expect(page.locator(".alert[role=status]")).to_have_text(
        translated("You no longer appear on the leaderboards.", "fa"))
    page.goto(board)
    expect(page.locator("main")).not_to_contain_text(PUBLIC_NAME)
