"""The agency's widget for its portal (DESIGN O2): the coordinator's snippet and origins, the widget page in its
languages and themes, framed only by the agency's origins, cached with an ETag, in at most two statements."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eparticipation.audit.models import AuditEntry
from eparticipation.embed.models import EmbedSettings

from ..conftest import NOW
from ..factories import make_agency, make_draft, make_user

PORTAL = "https://portal.example.ir"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"


@pytest.fixture(autouse=True)
def fresh_cache(app):
    """The app is the session's: no widget page of another test (codes repeat) is kept."""
    app.registry["embed_cache"].clear()
    yield
    app.registry["embed_cache"].clear()


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def people(dbsession, agency):
    other = make_agency(dbsession, code="customs")
    return {
        "coordinator": make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)]),
        "admin": make_user(dbsession, email="admin@example.org", grants=[("admin", None)]),
        "editor": make_user(dbsession, email="editor@example.org", grants=[("editor", agency)]),
        "other_coordinator": make_user(dbsession, email="other.coordinator@example.org",
                                       grants=[("coordinator", other)]),
        "citizen": make_user(dbsession, email="citizen@example.org"),
    }


def open_draft(dbsession, agency, days=10, **texts):
    return make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=1),
                      closes_at=NOW + timedelta(days=days), **texts)


def set_origins(dbsession, agency, *origins):
    dbsession.add(EmbedSettings(agency_id=agency.id, origins=list(origins), updated_at=NOW))
    dbsession.flush()


# --- the coordinator's journey --------------------------------------------------------------------------------


def test_the_coordinator_finds_the_snippets_and_sets_the_origins(en, dbsession, agency, people):
    draft = open_draft(dbsession, agency, title_en="Bylaw on e-invoices")
    en.login("coordinator@example.org")
    section = en.get("/agencies/tax/").html.select_one("section#embed")
    assert section is not None
    iframe = section.select_one("code.embed-iframe").text
    script = section.select_one("code.embed-script").text
    assert iframe.startswith('<iframe src="http://example.com/embed/tax/?lang=fa&amp;theme=light"')
    assert '<script src="http://example.com/embed.js" data-agency="tax" data-lang="fa" data-theme="light"' in script
    assert "No site may show the widget yet" in section.text
    # Chosen: English, dark, only this consultation.
    page = en.get("/agencies/tax/", {"embed-lang": "en", "embed-theme": "dark", "embed-consultation": draft.id})
    section = page.html.select_one("section#embed")
    assert [o.text for o in section.select("#embed-consultation option")] == ["All open consultations",
                                                                              "Bylaw on e-invoices"]
    iframe = section.select_one("code.embed-iframe").text
    assert f"/embed/tax/?lang=en&amp;theme=dark&amp;consultation={draft.id}" in iframe
    assert f'data-lang="en" data-theme="dark" data-consultation="{draft.id}"' in section.select_one("code.embed-script").text

    settings_page = en.get("/agencies/tax/embed-settings")
    assert settings_page.html.select_one("h1").text == "Widget for the agency's portal"
    assert settings_page.html.select_one("#embed-title").text == "The snippet"
    form = settings_page.forms["embed-origins"]
    form["origins"] = "HTTPS://Portal.Example.IR/\n\nhttp://localhost:8080\nhttps://portal.example.ir"
    page = form.submit("save", status=303).follow()
    assert "The origins are saved" in page.text
    assert [li.text for li in page.html.select(".embed-origins li")] == [PORTAL, "http://localhost:8080"]
    assert dbsession.get(EmbedSettings, agency.id).origins == [PORTAL, "http://localhost:8080"]
    entry = dbsession.scalars(sa.select(AuditEntry).where(AuditEntry.action == "embed.origins")).one()
    assert (entry.agency_id, entry.before, entry.after) == (
        agency.id, {"origins": []}, {"origins": [PORTAL, "http://localhost:8080"]})

    widget = en.get("/embed/tax/")
    assert widget.headers["Content-Security-Policy"].endswith(f"frame-ancestors {PORTAL} http://localhost:8080")
    assert "X-Frame-Options" not in widget.headers


def test_an_administrator_may_set_the_origins(en, dbsession, agency, people):
    en.login("admin@example.org")
    assert en.get("/agencies/tax/").html.select_one("section#embed") is not None
    form = en.get("/agencies/tax/embed-settings").forms["embed-origins"]
    form["origins"] = PORTAL
    form.submit("save", status=303)
    assert dbsession.get(EmbedSettings, agency.id).origins == [PORTAL]


def test_emptying_the_origins_frames_the_widget_nowhere_again(en, dbsession, agency, people):
    set_origins(dbsession, agency, PORTAL)
    en.login("coordinator@example.org")
    form = en.get("/agencies/tax/embed-settings").forms["embed-origins"]
    assert form["origins"].value == PORTAL
    en.get("/embed/tax/")  # cached with the old origins
    form["origins"] = ""
    form.submit("save", status=303)
    widget = en.get("/embed/tax/")
    assert "frame-ancestors 'none'" in widget.headers["Content-Security-Policy"]
    assert widget.headers["X-Frame-Options"] == "DENY"


BAD_ORIGINS = [
    ("http://portal.example.ir", "Only https is accepted (http only for localhost)."),
    ("https://portal.example.ir/consultations", "An origin has no path, query or fragment"),
    ("https://portal.example.ir/?a=1", "An origin has no path, query or fragment"),
    ("portal.example.ir", "An origin begins with https://"),
    ("javascript:alert(1)", "An origin begins with https://"),
    ("https://*.example.ir", "wildcards are not accepted"),
    ("https://user@portal.example.ir", "An origin has no user name or password."),
    ("https://portal.example.ir:99999", "The port must be a number from 1 to 65535."),
    ("https://portal..ir", "This is not a valid host name."),
    ("https://پورتال.ایران", "ASCII form"),
    ("'none'", "An origin begins with https://"),
]


@pytest.mark.parametrize("typed, message", BAD_ORIGINS)
def test_a_bad_origin_is_refused_in_english_and_nothing_typed_is_lost(en, dbsession, agency, people, typed,
                                                                      message):
    en.login("coordinator@example.org")
    form = en.get("/agencies/tax/embed-settings").forms["embed-origins"]
    text = f"{PORTAL}\n{typed}"
    form["origins"] = text
    page = form.submit("save", status=400)
    error = page.html.select_one("form#embed-origins .invalid-feedback").text
    assert f"“{typed}” is not an origin" in error and message in error
    assert page.forms["embed-origins"]["origins"].value == text
    assert dbsession.get(EmbedSettings, agency.id) is None


def test_a_bad_origin_is_refused_in_persian(testapp, dbsession, agency, people):
    testapp.login("coordinator@example.org")
    form = testapp.get("/agencies/tax/embed-settings").forms["embed-origins"]
    form["origins"] = "http://portal.example.ir\nhttps://portal.example.ir/path"
    page = form.submit("save", status=400)
    errors = [p.text for p in page.html.select("form#embed-origins .invalid-feedback")]
    assert len(errors) == 2
    for error in errors:
        assert "is not an origin" not in error and "Only https" not in error
        assert any("\u0600" <= character <= "\u06ff" for character in error), error
    assert "http://portal.example.ir" in errors[0] and "https://portal.example.ir/path" in errors[1]
    assert page.forms["embed-origins"]["origins"].value == "http://portal.example.ir\nhttps://portal.example.ir/path"


@pytest.mark.parametrize("who", ["citizen", "editor", "other_coordinator"])
def test_others_may_not_see_or_set_the_origins(en, dbsession, agency, people, who):
    en.login(people[who].email)
    assert en.get("/agencies/tax/").html.select_one("section#embed") is None
    page = en.get("/agencies/tax/embed-settings", status=403)
    assert "permission" in page.text
    token = en.get_csrf_token("/me/edit")
    en.post("/agencies/tax/embed-settings", {"csrf_token": token, "origins": PORTAL, "save": "save",
                                             "__formid__": "embed-origins"}, status=403)
    assert dbsession.get(EmbedSettings, agency.id) is None


def test_anonymous_visitors_may_not_see_or_set_the_origins(en, dbsession, agency):
    assert en.get("/agencies/tax/").html.select_one("section#embed") is None
    page = en.get("/agencies/tax/embed-settings", status=403)
    assert "sign in" in page.text
    en.post("/agencies/tax/embed-settings", {"origins": PORTAL, "save": "save"}, status=403)
    assert dbsession.get(EmbedSettings, agency.id) is None


def test_the_origins_need_the_csrf_token(en, dbsession, agency, people):
    en.login("coordinator@example.org")
    en.post("/agencies/tax/embed-settings", {"origins": PORTAL, "save": "save", "__formid__": "embed-origins"},
            status=400)
    assert dbsession.get(EmbedSettings, agency.id) is None


# --- framing --------------------------------------------------------------------------------------------------


def test_the_widget_may_be_framed_by_the_agencys_origins_only(testapp, dbsession, agency):
    other = make_agency(dbsession, code="customs")
    set_origins(dbsession, agency, PORTAL, "https://www.example.ir:8443")
    widget = testapp.get("/embed/tax/")
    csp = widget.headers["Content-Security-Policy"]
    assert f"frame-ancestors {PORTAL} https://www.example.ir:8443" in csp
    assert "'none'" not in csp.split("frame-ancestors")[1]
    assert "X-Frame-Options" not in widget.headers
    assert "script-src 'self'" in csp and "default-src 'self'" in csp  # nothing else relaxed
    # An agency that configured nothing: its widget is framed by no one.
    other_widget = testapp.get("/embed/customs/")
    assert "frame-ancestors 'none'" in other_widget.headers["Content-Security-Policy"]
    assert other_widget.headers["X-Frame-Options"] == "DENY"
    assert PORTAL not in other_widget.headers["Content-Security-Policy"]
    assert other.code == "customs"


@pytest.mark.parametrize("path", ["/", "/agencies/tax/", "/consultations/", "/embed.js", "/login",
                                  "/embed/no-such-agency/"])
def test_every_other_page_still_refuses_framing(testapp, dbsession, agency, path):
    set_origins(dbsession, agency, PORTAL)
    response = testapp.get(path, status="*")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert PORTAL not in response.headers["Content-Security-Policy"]


# --- the widget's variants ------------------------------------------------------------------------------------


def test_the_widget_in_persian_lists_the_open_consultations(testapp, dbsession, agency):
    soon = open_draft(dbsession, agency, days=3, title_fa="آیین‌نامه صورت‌حساب الکترونیکی")
    later = open_draft(dbsession, agency, days=25, title_fa="بخشنامه مالیات بر ارزش افزوده")
    make_draft(dbsession, agency, state="draft", title_fa="پیش‌نویس هنوز باز نشده")
    make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40), closes_at=NOW - timedelta(days=5),
               title_fa="رایزنی بسته‌شده")
    open_draft(dbsession, make_agency(dbsession), title_fa="رایزنی دستگاه دیگر")
    page = testapp.get("/embed/tax/")
    html = page.html.find("html")
    assert (html["lang"], html["dir"], html["class"]) == ("fa", "rtl", ["theme-light"])
    items = page.html.select("li.consultation")
    assert [item["id"] for item in items] == [f"consultation-{soon.id}", f"consultation-{later.id}"]
    first = items[0]
    link = first.select_one("h2 a")
    assert link.text == "آیین‌نامه صورت‌حساب الکترونیکی"
    assert link["href"] == f"http://example.com/consultations/{soon.id}/?_LOCALE_=fa"
    assert link["target"] == "_top"
    take_part = first.select_one("a.take-part")
    assert take_part["target"] == "_top" and take_part["href"].endswith("#comments")
    assert take_part["aria-describedby"] == f"title-{soon.id}"
    assert first.select_one(".type").text == "آیین‌نامه"
    assert first.select_one(".days").text.strip() == "۳ روز مانده"
    assert not any(digit in page.html.select_one("ul.consultations").text for digit in "0123456789")
    assert "bootstrap" not in page.text
    assert page.html.select_one("link[rel=stylesheet]")["href"].endswith("/static/embed/embed.css")


def test_the_widget_in_english_and_dark(testapp, dbsession, agency):
    draft = open_draft(dbsession, agency, days=12, title_en="Bylaw on e-invoices")
    untranslated = open_draft(dbsession, agency, days=20, title_fa="فقط به فارسی", languages=("fa",))
    page = testapp.get("/embed/tax/", {"lang": "en", "theme": "dark"})
    html = page.html.find("html")
    assert (html["lang"], html["dir"], html["class"]) == ("en", "ltr", ["theme-dark"])
    first, second = page.html.select("li.consultation")
    assert first.select_one("h2 a").text == "Bylaw on e-invoices"
    assert first.select_one("h2 a")["href"].endswith(f"/consultations/{draft.id}/?_LOCALE_=en")
    assert first.select_one(".days").text.strip() == "12 days left"
    assert first.select_one(".type").text == "Bylaw"
    assert first.select_one("a.take-part").text == "Take part"
    # A title missing in English is shown in Persian, marked as such.
    title = second.select_one("h2 a")
    assert (title.text, title["lang"], title["dir"]) == ("فقط به فارسی", "fa", "rtl")
    assert untranslated.id == int(second["id"].split("-")[1])


def test_the_widget_of_one_consultation(testapp, dbsession, agency):
    one = open_draft(dbsession, agency, title_en="The one")
    open_draft(dbsession, agency, title_en="Another")
    page = testapp.get("/embed/tax/", {"lang": "en", "consultation": one.id})
    assert [a.text for a in page.html.select("li.consultation h2 a")] == ["The one"]
    # Another agency's consultation is not shown on this agency's widget.
    foreign = open_draft(dbsession, make_agency(dbsession), title_en="Foreign")
    page = testapp.get("/embed/tax/", {"lang": "en", "consultation": foreign.id})
    assert page.html.select("li.consultation") == []
    assert "This consultation is not open now." in page.text


def test_the_last_day_and_an_empty_widget(testapp, dbsession, agency):
    page = testapp.get("/embed/tax/", {"lang": "en"})
    assert "No consultation of this agency is open now." in page.text
    testapp.app.registry["embed_cache"].clear()
    open_draft(dbsession, agency, days=1, title_en="Ends tonight")
    page = testapp.get("/embed/tax/", {"lang": "en"})
    assert page.html.select_one(".days").text.strip() == "Last day to take part"


def test_unknown_options(testapp, dbsession, agency):
    testapp.get("/embed/no-such-agency/", status=404)
    testapp.get("/embed/Not_A_Code/", status=404)
    testapp.get("/embed/tax/", {"consultation": "abc"}, status=400)
    page = testapp.get("/embed/tax/", {"lang": "de", "theme": "pink"})  # the defaults
    assert page.html.find("html")["lang"] == "fa" and page.html.find("html")["class"] == ["theme-light"]


def test_the_loader_script(testapp):
    script = testapp.get("/embed.js")
    assert script.content_type == "text/javascript"
    assert script.headers["Cache-Control"].startswith("public, max-age=")
    assert "postMessage" not in script.text and "eparticipation-embed-height" in script.text
    assert "insertBefore" in script.text


# --- caching ---------------------------------------------------------------------------------------------------


def test_etag_and_not_modified(testapp, dbsession, agency):
    open_draft(dbsession, agency)
    page = testapp.get("/embed/tax/")
    etag = page.headers["ETag"]
    assert page.headers["Cache-Control"] == "public, max-age=300"
    again = testapp.get("/embed/tax/", headers={"If-None-Match": etag}, status=304)
    assert again.body == b""
    assert again.headers["ETag"] == etag
    assert "frame-ancestors 'none'" in again.headers["Content-Security-Policy"]
    testapp.get("/embed/tax/", headers={"If-None-Match": '"something-else"'}, status=200)
    # Another variant has another tag.
    assert testapp.get("/embed/tax/", {"theme": "dark"}).headers["ETag"] != etag


def test_a_response_that_renews_a_cookie_is_not_public(testapp, dbsession, agency):
    page = testapp.get("/embed/tax/", {"_LOCALE_": "en"})  # the site's language choice sets a cookie
    assert "Set-Cookie" in page.headers
    assert page.headers["Cache-Control"] == "private, no-cache"
    assert testapp.get("/embed/tax/").headers["Cache-Control"] == "public, max-age=300"


def test_the_tag_changes_with_the_origins(en, dbsession, agency, people):
    etag = en.get("/embed/tax/").headers["ETag"]
    en.login("coordinator@example.org")
    form = en.get("/agencies/tax/embed-settings").forms["embed-origins"]
    form["origins"] = PORTAL
    form.submit("save", status=303)
    changed = en.get("/embed/tax/", headers={"If-None-Match": etag}, status=200)
    assert changed.headers["ETag"] != etag
    assert PORTAL in changed.headers["Content-Security-Policy"]


def test_the_page_changes_when_a_consultation_is_withdrawn(en, dbsession, agency, people):
    draft = open_draft(dbsession, agency, title_en="To be withdrawn")
    page = en.get("/embed/tax/", {"lang": "en"})
    assert "To be withdrawn" in page.text
    en.login("coordinator@example.org")
    form = en.get(f"/consultations/{draft.id}/withdraw").forms["transition"]
    form["reason"] = "The bill was withdrawn by the cabinet."
    form.submit("confirm", status=303)
    changed = en.get("/embed/tax/", {"lang": "en"}, headers={"If-None-Match": page.headers["ETag"]}, status=200)
    assert "To be withdrawn" not in changed.text


def test_a_kept_page_ends_with_its_consultation(testapp, dbsession, agency, clock):
    open_draft(dbsession, agency, days=2, title_en="Ends soon")
    assert "Ends soon" in testapp.get("/embed/tax/", {"lang": "en"}).text
    clock.advance(days=3)
    assert "Ends soon" not in testapp.get("/embed/tax/", {"lang": "en"}).text


def test_the_page_is_small(testapp, dbsession, agency):
    """Page, stylesheet and script under 30 KB, with twenty consultations of long titles."""
    for number in range(20):
        open_draft(dbsession, agency, days=5 + number, title_fa="آیین‌نامه اجرایی قانون " * 8 + str(number))
    page = testapp.get("/embed/tax/")
    assert len(page.html.select("li.consultation")) == 20
    css = testapp.get(page.html.select_one("link[rel=stylesheet]")["href"].replace("http://example.com", ""))
    script = testapp.get(page.html.select_one("script")["src"].replace("http://example.com", ""))
    total = len(page.body) + len(css.body) + len(script.body)
    assert total < 30 * 1024, total


def test_two_statements_on_a_miss_none_on_a_hit(testapp, dbsession, agency, query_counter):
    for number in range(5):
        open_draft(dbsession, agency, days=5 + number)
    set_origins(dbsession, agency, PORTAL)
    with query_counter() as missed:
        testapp.get("/embed/tax/", {"lang": "en"})
    assert missed.count <= 2, missed.statements
    with query_counter() as hit:
        page = testapp.get("/embed/tax/", {"lang": "en"})
        testapp.get("/embed/tax/", {"lang": "en"}, headers={"If-None-Match": page.headers["ETag"]}, status=304)
    assert hit.count == 0, hit.statements
    for number in range(20):
        open_draft(dbsession, agency, days=5 + number)
    testapp.app.registry["embed_cache"].clear()
    with query_counter() as more:
        testapp.get("/embed/tax/", {"lang": "en"})
    assert more.count == missed.count


def test_the_widget_under_a_hosts_prefix(engine, app_settings, tm, dbsession):
    """Inside a host application (README): the snippets, the widget and its script are under the prefix."""
    from eparticipation.clock import FrozenClock
    from tests.host import main

    from .test_host import PREFIX, HostApp

    host_app = main({}, **app_settings)
    host_app.registry["clock"] = FrozenClock(NOW)
    host = HostApp(host_app, extra_environ={"HTTP_HOST": "example.com", "tm.active": True, "tm.manager": tm,
                                            "app.dbsession": dbsession})
    agency = make_agency(dbsession, code="tax")
    open_draft(dbsession, agency, title_en="Under the prefix")
    set_origins(dbsession, agency, PORTAL)
    make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])
    host.login("coordinator@example.org")
    section = host.get("/agencies/tax/").html.select_one("section#embed")
    assert f'src="http://example.com{PREFIX}/embed/tax/?lang=fa' in section.select_one("code.embed-iframe").text
    assert f'src="http://example.com{PREFIX}/embed.js"' in section.select_one("code.embed-script").text
    widget = host.get("/embed/tax/", {"lang": "en"})
    assert "Under the prefix" in widget.text
    assert PORTAL in widget.headers["Content-Security-Policy"]
    assert host.get("/embed.js").content_type == "text/javascript"
