"""Persian first (right-to-left, Jalali dates, Persian digits), English complete; the choice persists."""

from ..factories import make_user


def test_default_is_persian_right_to_left(testapp):
    page = testapp.get("/")
    assert (page.html.html["lang"], page.html.html["dir"]) == ("fa", "rtl")
    assert "bootstrap.rtl.min.css" in page.text


def test_switching_to_english_persists_in_a_cookie(testapp):
    page = testapp.get("/").click(href=r"_LOCALE_=en")
    assert (page.html.html["lang"], page.html.html["dir"]) == ("en", "ltr")
    assert "bootstrap.min.css" in page.text and "bootstrap.rtl" not in page.text
    assert testapp.cookies["_LOCALE_"] == "en"
    page = testapp.get("/login")  # no parameter: the cookie keeps English
    assert page.html.html["lang"] == "en"
    page = testapp.get("/login?_LOCALE_=fa")
    assert page.html.html["lang"] == "fa"
    assert testapp.cookies["_LOCALE_"] == "fa"


def test_unknown_language_falls_back_to_persian(testapp):
    page = testapp.get("/?_LOCALE_=xx")
    assert page.html.html["lang"] == "fa"
    assert "_LOCALE_" not in testapp.cookies


def test_pages_have_landmarks_a_skip_link_and_labelled_fields(testapp):
    page = testapp.get("/register")
    html = page.html
    assert html.find("header") and html.find("nav") and html.find("main", id="main") and html.find("footer")
    assert html.find("a", href="#main")
    for field in html.select("form#register input:not([type=hidden]), form#register select"):
        assert html.find("label", attrs={"for": field["id"]}), field


def test_dates_are_jalali_with_persian_digits_in_persian(testapp, dbsession, clock):
    user = make_user(dbsession, email="me@example.org")
    user.created_at = clock.now()
    testapp.login("me@example.org")
    page = testapp.get("/me/")
    assert "۶ آذر ۱۴۰۵" in page.text
    page = testapp.get("/me/?_LOCALE_=en")
    assert "27 November 2026" in page.text
