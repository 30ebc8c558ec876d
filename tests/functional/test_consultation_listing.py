"""The public listing: filters, Persian-aware search, keyset paging, a bounded number of statements."""

from datetime import timedelta

import pytest

from ..conftest import NOW
from ..factories import make_agency, make_draft, make_user


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


def titles(page):
    return [a.text.strip() for a in page.html.select("ol.drafts h2 a")]


def test_search_treats_persian_variants_as_equal(testapp, dbsession, agency, clock):
    make_draft(dbsession, agency, state="consultation", title_fa="آیین‌نامه کتاب‌های درسی", text="مهلت 30 روز")
    make_draft(dbsession, agency, state="consultation", title_fa="بخشنامه گمرکی", text="ترخیص کالا")
    assert titles(testapp.get("/consultations/", {"q": "كتاب"})) == ["آیین‌نامه کتاب‌های درسی"]  # Arabic kaf
    assert titles(testapp.get("/consultations/", {"q": "۳۰"})) == ["آیین‌نامه کتاب‌های درسی"]  # Persian digits
    assert titles(testapp.get("/consultations/", {"q": "كتابهای"})) == ["آیین‌نامه کتاب‌های درسی"]  # no ZWNJ
    assert titles(testapp.get("/consultations/", {"q": "ترخيص"})) == ["بخشنامه گمرکی"]  # Arabic yeh
    assert titles(testapp.get("/consultations/", {"q": "100%"})) == []


def test_filters(testapp, dbsession, agency, clock):
    other = make_agency(dbsession, code="customs")
    make_draft(dbsession, agency, state="consultation", title_fa="باز", opens_at=NOW - timedelta(days=25),
               closes_at=NOW + timedelta(days=5))
    make_draft(dbsession, agency, state="consultation", title_fa="باز طولانی", opens_at=NOW - timedelta(days=1))
    make_draft(dbsession, other, state="closed", title_fa="بسته", opens_at=NOW - timedelta(days=60),
               closes_at=NOW - timedelta(days=30))
    make_draft(dbsession, agency, state="draft", title_fa="نگشوده")
    assert sorted(titles(testapp.get("/consultations/"))) == sorted(["باز", "باز طولانی", "بسته"])
    assert titles(testapp.get("/consultations/", {"agency": "customs"})) == ["بسته"]
    assert sorted(titles(testapp.get("/consultations/", {"open": "1"}))) == sorted(["باز", "باز طولانی"])
    assert titles(testapp.get("/consultations/", {"closing": "1"})) == ["باز"]
    assert titles(testapp.get("/consultations/", {"state": "closed"})) == ["بسته"]
    assert titles(testapp.get("/consultations/", {"type": "circular"})) == []
    assert len(titles(testapp.get("/consultations/", {"type": "nonsense", "state": "x"}))) == 3
    # A next-page link that was tampered with is refused, not shown as if it were the first page.
    assert "after" in testapp.get("/consultations/", {"after": "garbage"}, status=400).text


def test_staff_and_auditors_also_see_unopened_drafts(testapp, dbsession, agency, clock):
    make_draft(dbsession, agency, state="draft", title_fa="نگشوده")
    make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    make_user(dbsession, email="other@example.org", grants=[("editor", make_agency(dbsession))])
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    for email, sees in [("editor@example.org", True), ("other@example.org", False), ("auditor@example.org", True)]:
        testapp.reset()
        testapp.login(email)
        assert ("نگشوده" in titles(testapp.get("/consultations/"))) is sees
    # The state filter offers "Draft" to those who may see some; it lists only those.
    make_draft(dbsession, agency, state="consultation", title_fa="گشوده", opens_at=NOW - timedelta(days=1),
               closes_at=NOW + timedelta(days=29))
    page = testapp.get("/consultations/")  # the auditor
    assert page.html.select_one('select[name="state"] option[value="draft"]') is not None
    assert titles(testapp.get("/consultations/", {"state": "draft"})) == ["نگشوده"]
    testapp.reset()
    assert testapp.get("/consultations/").html.select_one('select[name="state"] option[value="draft"]') is None


def test_paging_walks_the_whole_list_once(testapp, dbsession, agency, clock):
    for n in range(45):
        make_draft(dbsession, agency, state="consultation", title_fa=f"پیش‌نویس {n:02d}",
                   opens_at=NOW - timedelta(hours=n % 7), closes_at=NOW + timedelta(days=30))
    seen, page = [], testapp.get("/consultations/")
    while True:
        seen += titles(page)
        link = page.html.find("a", rel="next")
        if link is None:
            break
        page = testapp.get(link["href"])
    assert len(seen) == 45 and len(set(seen)) == 45


def test_listing_sends_a_bounded_number_of_statements(testapp, dbsession, agency, clock, query_counter):
    def count():
        testapp.app_dbsession.expire_all()
        with query_counter() as counted:
            testapp.get("/consultations/")
        return counted.count

    make_draft(dbsession, agency, state="consultation")
    few = count()
    for _ in range(25):
        make_draft(dbsession, make_agency(dbsession), state="consultation")
    assert count() <= few
