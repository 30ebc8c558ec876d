"""Input a browser never sends (NUL characters, bytes that are not UTF-8, numbers no record can have, digits
of other scripts) is refused with the site's translated 400 page, never a 500 (PostgreSQL refuses NUL in text,
SQLite integers above 2^63, WebOb raises on bytes that are not UTF-8 even while rendering the error page)."""

from datetime import timedelta
from urllib.parse import quote

import pytest

from eparticipation.inputs import NUMBER_MAX, parse_integer

from ..conftest import NOW
from ..factories import make_agency, make_draft, make_user

HUGE = "9" * 30
BEYOND_INTEGER = str(2**31)  # one more than an INTEGER column holds (PostgreSQL refuses to compare it to one)
SUPERSCRIPT_TWO = "%C2%B2"  # ², as an address carries it: str.isdigit() says yes, int() says no
FA_NOT_TEXT = "بایت‌هایی بود که متن معتبر نیستند"
EN_NOT_TEXT = "bytes that are not valid text"
FA_NUL = "نویسه تهی"
EN_NUL = "null character"
FA_NOT_NUMBER = "عددی نیست که سایت بفهمد"
EN_NOT_NUMBER = "is not a number the site understands"


@pytest.fixture
def world(dbsession):
    agency = make_agency(dbsession, code="tax")
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2),
                       closes_at=NOW + timedelta(days=28))
    closed = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                        closes_at=NOW - timedelta(days=10))
    return {
        "agency": agency,
        "draft": draft,
        "closed": closed,
        "citizen": make_user(dbsession, email="citizen@example.org"),
        "editor": make_user(dbsession, email="editor@example.org", grants=[("editor", agency)]),
        "admin": make_user(dbsession, email="admin@example.org", grants=[("admin", None)]),
    }


def test_parse_integer_reads_persian_and_arabic_digits_and_refuses_the_rest():
    assert parse_integer("۱۲") == parse_integer("١٢") == parse_integer(" 12 ") == 12
    assert parse_integer("") is None and parse_integer(None) is None
    assert parse_integer(str(NUMBER_MAX)) == NUMBER_MAX
    for text in ("²", "1²", "-1", "+1", "1e3", "1 2", "0x10", HUGE, str(NUMBER_MAX + 1), "१२"):
        with pytest.raises(ValueError):
            parse_integer(text)


@pytest.mark.parametrize("query", ["q=a%00b", "agency=tax%00", "type=%00", "after=%00"])
def test_a_nul_in_the_listing_s_query_is_refused_in_persian_and_english(testapp, world, query):
    page = testapp.get(f"/consultations/?{query}", status=400)
    assert FA_NUL in page.text
    testapp.get("/?_LOCALE_=en")
    assert EN_NUL in testapp.get(f"/consultations/?{query}", status=400).text


@pytest.mark.parametrize("path", ["/consultations/?q=%ff%fe", "/consultations/?q=%ed%a0%80",  # a lone surrogate
                                  "/consultations/%ff/", "/%c0%af", "/?_LOCALE_=%ff"])
def test_bytes_that_are_not_utf_8_are_refused_in_the_reader_s_language(testapp, world, path):
    assert FA_NOT_TEXT in testapp.get(path, status=400).text
    testapp.reset()  # WebTest's cookie jar cannot read such an address: send the language cookie by hand
    page = testapp.get(path, headers={"Cookie": "_LOCALE_=en"}, status=400)
    assert EN_NOT_TEXT in page.text and 'lang="en"' in page.text


@pytest.mark.parametrize("body", [
    b"email=a%00b%40example.org&password=x",
    b"email=citizen%40example.org&password=x%00y",
    b"email=a%ff%40example.org&password=x",
    b"email=citizen%40example.org&password=%ed%b0%80",
])
def test_the_sign_in_form_refuses_nul_and_invalid_utf_8(testapp, world, body):
    token = testapp.get_csrf_token("/login").encode()
    page = testapp.post("/login", body + b"&login=login&csrf_token=" + token,
                        content_type="application/x-www-form-urlencoded", status=400)
    assert FA_NUL in page.text or FA_NOT_TEXT in page.text


def test_a_multipart_form_with_a_nul_is_refused(testapp, world):
    testapp.login("citizen@example.org")
    draft = world["draft"]
    token = testapp.get_csrf_token(f"/consultations/{draft.id}/comments/add")
    page = testapp.post(f"/consultations/{draft.id}/comments/add",
                        {"csrf_token": token, "body": "نظر\x00 من درباره این متن", "article": "", "save": "save"},
                        content_type="multipart/form-data", status=400)
    assert FA_NUL in page.text


def test_a_comment_body_with_a_nul_is_refused_and_nothing_is_stored(testapp, world, dbsession):
    from eparticipation.participation.models import Comment

    testapp.login("citizen@example.org")
    draft = world["draft"]
    form = testapp.get(f"/consultations/{draft.id}/comments/add").forms["comment"]
    form["body"] = "نظر من\x00 درباره این پیش‌نویس است"
    assert FA_NUL in form.submit("save", status=400).text
    assert dbsession.query(Comment).count() == 0


@pytest.mark.parametrize("who, path", [
    ("admin", "/admin/users/?q=a%00"),
    ("admin", "/audit/?actor=a%00b"),
    ("admin", "/audit/?agency=%00"),
    ("editor", "/consultations/{closed}/responses/?q=%00"),
    ("editor", "/consultations/{closed}/responses/?article=%00"),
])
def test_nul_in_the_staff_filters_is_refused(testapp, world, who, path):
    testapp.login(f"{who}@example.org")
    assert FA_NUL in testapp.get(path.format(closed=world["closed"].id), status=400).text


@pytest.mark.parametrize("who, path", [
    (None, "/consultations/?after=2026-11-20T00:00:00_" + HUGE),
    (None, "/consultations/?after=2026-11-20T00:00:00_" + SUPERSCRIPT_TWO),
    (None, "/consultations/{draft}/?sort=supported&after=" + HUGE + "_1"),
    ("editor", "/consultations/{closed}/outcome?after=" + HUGE),
    ("citizen", "/me/inbox?before=" + HUGE),
    ("citizen", "/me/inbox?before=" + SUPERSCRIPT_TWO),
    ("admin", "/admin/users/?after=" + HUGE),
    ("admin", "/admin/users/?after=" + SUPERSCRIPT_TWO),
    ("admin", "/audit/?before=" + HUGE),
    ("admin", "/audit/?before=" + SUPERSCRIPT_TWO),
    ("editor", "/consultations/{closed}/responses/?after=" + HUGE),
    ("editor", "/agencies/tax/services/1/ratings?before=" + HUGE),
    ("citizen", "/me/inbox?before=" + BEYOND_INTEGER),
    ("admin", "/admin/users/?after=" + BEYOND_INTEGER),
    ("editor", "/consultations/{closed}/responses/?after=" + BEYOND_INTEGER),
])
def test_numbers_no_record_can_have_are_refused_with_a_message(testapp, world, dbsession, who, path):
    from eparticipation.feedback.models import Service

    service = Service(agency_id=world["agency"].id, name_fa="خدمت", name_en="Service")
    dbsession.add(service)
    dbsession.flush()
    if who:
        testapp.login(f"{who}@example.org")
    path = path.format(draft=world["draft"].id, closed=world["closed"].id).replace("/services/1/", f"/services/{service.id}/")
    assert FA_NOT_NUMBER in testapp.get(path, status=400).text
    testapp.get("/?_LOCALE_=en")
    assert EN_NOT_NUMBER in testapp.get(path, status=400).text


def test_the_audit_log_s_draft_filter_refuses_a_superscript_and_reads_persian_digits(testapp, world):
    testapp.login("admin@example.org")
    draft = world["draft"]
    assert "پیش‌نویس را با شماره‌اش" in testapp.get(f"/audit/?draft={SUPERSCRIPT_TWO}", status=400).text
    persian = quote(str(draft.id).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    testapp.get(f"/audit/?draft={persian}", status=200)


def test_persian_digits_keep_working_in_a_page_link(testapp, world):
    testapp.login("citizen@example.org")
    testapp.get("/me/inbox?before=" + quote("۱۲"), status=200)
    testapp.get("/me/inbox?before=" + quote("١٢"), status=200)


@pytest.mark.parametrize("path", [
    "/consultations/" + HUGE + "/",
    "/consultations/{draft}/comments/" + HUGE + "/",
    "/consultations/{draft}/responses/" + HUGE + "/",
    "/consultations/{draft}/survey/questions/" + HUGE + "/edit",
    "/admin/users/" + HUGE + "/",
    "/audit/drafts/" + HUGE + "/",
    "/agencies/tax/services/" + HUGE + "/",
    "/consultations/" + SUPERSCRIPT_TWO + "/",
    "/consultations/" + BEYOND_INTEGER + "/",
    "/consultations/{draft}/comments/" + BEYOND_INTEGER + "/",
    "/admin/users/" + BEYOND_INTEGER + "/",
    "/agencies/tax/services/" + BEYOND_INTEGER + "/",
])
def test_an_address_with_a_number_no_record_can_have_is_not_found(testapp, world, path):
    """An id in the address names a page: one that no row can have is a page that does not exist (404), like
    any other unknown address."""
    testapp.login("admin@example.org")
    assert "صفحه‌ای با این نشانی وجود ندارد" in testapp.get(path.format(draft=world["draft"].id), status=404).text


def test_a_theme_id_that_is_not_a_number_is_refused(testapp, world):
    from eparticipation.inputs import integers_param
    from webob.multidict import MultiDict

    assert integers_param(MultiDict([("theme", "۳"), ("theme", ""), ("theme", "4")]), "theme") == [3, 4]
    with pytest.raises(Exception) as refused:
        integers_param(MultiDict([("theme", HUGE)]), "theme")
    assert refused.value.status_int == 400
