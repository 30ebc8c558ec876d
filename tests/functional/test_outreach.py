"""Outreach: Atom feeds and the calendar of consultations, share links, Open Graph tags, the share image and the
poster, as anonymous visitors and feed readers get them."""

import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import feedparser
import pytest
from icalendar import Calendar

from ..conftest import NOW
from ..factories import make_agency, make_draft, make_user

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def fresh_caches(app):
    """The app lives for the whole run: a feed kept by another test would answer this one's."""
    for name in ("outreach_feed_cache", "outreach_file_cache"):
        app.registry[name].clear()
    yield
    for name in ("outreach_feed_cache", "outreach_file_cache"):
        app.registry[name].clear()


def consultation(dbsession, agency, title_fa, title_en, opened_days_ago=3, length=30, state="consultation", **extra):
    opens_at = NOW - opened_days_ago * DAY
    draft = make_draft(dbsession, agency, state=state, opens_at=opens_at, closes_at=opens_at + length * DAY,
                       title_fa=title_fa, title_en=title_en)
    for name, value in extra.items():
        setattr(draft, name, value)
    dbsession.flush()
    return draft


@pytest.fixture
def calls(dbsession):
    """Two agencies' consultations in every state a feed cares about."""
    from eparticipation.consultations.models import DocumentType

    mefa = make_agency(dbsession, code="mefa")
    tax = make_agency(dbsession, code="tax")
    drafts = {
        "open": consultation(dbsession, mefa, "آیین‌نامه بازار سرمایه", "Capital market bylaw"),
        "closing": consultation(dbsession, mefa, "بخشنامه گمرکی", "Customs circular", opened_days_ago=26,
                                document_type=DocumentType.circular),
        "tax": consultation(dbsession, tax, "دستورالعمل مالیاتی", "Tax directive", opened_days_ago=10,
                            document_type=DocumentType.directive),
        "published": consultation(dbsession, mefa, "لایحه بودجه", "Budget bill", opened_days_ago=60,
                                  state="published", closed_at=NOW - 30 * DAY, published_at=NOW - 2 * DAY),
        "withdrawn": consultation(dbsession, mefa, "آیین‌نامه پس‌گرفته", "Withdrawn bylaw", opened_days_ago=5,
                                  state="closed", closed_at=NOW - DAY, withdrawal_reason="قانون تغییر کرد"),
        "unopened": make_draft(dbsession, mefa, title_fa="پیش‌نویس محرمانه", title_en="Secret draft"),
        "future": consultation(dbsession, mefa, "آیین‌نامه آینده", "Future bylaw", opened_days_ago=-3),
    }
    return drafts


def titles(feed):
    return [entry.title for entry in feed.entries]


def get_feed(testapp, path, **params):
    response = testapp.get(path, params=params)
    assert response.content_type == "application/atom+xml"
    feed = feedparser.parse(response.body)
    assert not feed.bozo, feed.bozo_exception
    return feed


# --- Atom feeds ----------------------------------------------------------------------------------------------


def test_opened_feed_in_persian_and_english(testapp, calls):
    feed = get_feed(testapp, "/feeds/opened.atom")
    assert feed.feed.title == "نظرخواهی‌های گشوده‌شده"
    assert feed.feed.language == "fa"
    # Newest opening first; withdrawn stays, with a note; not yet opened (or opening later) are not there.
    assert titles(feed) == ["آیین‌نامه بازار سرمایه", "آیین‌نامه پس‌گرفته", "دستورالعمل مالیاتی", "بخشنامه گمرکی",
                            "لایحه بودجه"]
    first = feed.entries[0]
    assert first.link == f"http://example.com/consultations/{calls['open'].id}/"
    assert first.summary == "خلاصه"
    assert first.published_parsed[:3] == (NOW - 3 * DAY).timetuple()[:3]
    assert "دستگاه" in first.content[0].value and "۱۴۰۵" in first.content[0].value  # agency, Jalali dates
    withdrawn = feed.entries[1]
    assert "قانون تغییر کرد" in withdrawn.summary

    english = get_feed(testapp, "/feeds/opened.atom", lang="en")
    assert english.feed.title == "Consultations opened"
    assert english.feed.language == "en"
    assert titles(english)[0] == "Capital market bylaw"
    assert english.entries[0].link == f"http://example.com/consultations/{calls['open'].id}/?_LOCALE_=en"
    assert "2026" in english.entries[0].content[0].value and "Agency" in english.entries[0].content[0].value
    assert english.feed.title != feed.feed.title


def test_closing_soon_and_outcomes(testapp, calls):
    closing = get_feed(testapp, "/feeds/closing.atom", lang="en")
    assert titles(closing) == ["Customs circular"]  # 4 days left; the others have 20 and more
    outcomes = get_feed(testapp, "/feeds/outcomes.atom", lang="en")
    assert titles(outcomes) == ["Budget bill"]
    assert outcomes.feed.title == "Outcomes published"


def test_feeds_per_agency_and_document_type(testapp, calls):
    agency = get_feed(testapp, "/feeds/tax/opened.atom", lang="en")
    assert titles(agency) == ["Tax directive"]
    assert "Agency" in agency.feed.title or agency.feed.title.startswith("Consultations opened by")
    by_type = get_feed(testapp, "/feeds/opened.atom", lang="en", type="circular")
    assert titles(by_type) == ["Customs circular"]
    assert by_type.feed.title.endswith("Circular")
    mefa_directives = get_feed(testapp, "/feeds/mefa/opened.atom", type="directive")
    assert titles(mefa_directives) == []
    testapp.get("/feeds/nowhere/opened.atom", status=404)


def test_unknown_language_or_type_gives_the_default(testapp, calls):
    feed = get_feed(testapp, "/feeds/opened.atom", lang="xx", type="nothing", other="<x>")
    assert feed.feed.language == "fa"
    assert len(feed.entries) == 5
    # Its own address has only what it is built from: it is kept and served to every query alike.
    assert feed.feed.id == "http://example.com/feeds/opened.atom"
    assert [link.href for link in feed.feed.links if link.rel == "self"] == ["http://example.com/feeds/opened.atom"]
    typed = get_feed(testapp, "/feeds/opened.atom", type="circular", lang="en", other="1")
    assert typed.feed.id == "http://example.com/feeds/opened.atom?lang=en&type=circular"


def test_feed_cached_with_etag_and_304(testapp, calls, dbsession):
    first = testapp.get("/feeds/opened.atom", params={"lang": "en"})
    assert first.etag and "max-age=300" in first.headers["Cache-Control"]
    again = testapp.get("/feeds/opened.atom", params={"lang": "en"},
                        headers={"If-None-Match": f'"{first.etag}"'}, status=304)
    assert again.body == b"" and "Content-Type" not in again.headers and again.etag == first.etag
    # Kept: a change straight in the database shows only once the cache lets the feed go (or a transition commits).
    calls["open"].texts["en"].title = "Renamed"
    dbsession.flush()
    assert b"Renamed" not in testapp.get("/feeds/opened.atom", params={"lang": "en"}).body
    testapp.app.registry["outreach_feed_cache"].clear()
    renamed = testapp.get("/feeds/opened.atom", params={"lang": "en"}, headers={"If-None-Match": f'"{first.etag}"'})
    assert renamed.status_int == 200 and b"Renamed" in renamed.body and renamed.etag != first.etag
    # Persian and English are kept apart.
    assert "آیین‌نامه بازار سرمایه" in testapp.get("/feeds/opened.atom").text


@pytest.mark.parametrize("path, miss, hit", [
    ("/feeds/opened.atom", 1, 0), ("/feeds/closing.atom", 1, 0), ("/feeds/consultations.ics", 1, 0),
    # An agency's: its own lookup too, on a miss only.
    ("/feeds/mefa/opened.atom", 2, 0), ("/feeds/mefa/outcomes.atom", 2, 0), ("/feeds/tax/consultations.ics", 2, 0),
])
def test_feed_statements(testapp, dbsession, calls, query_counter, path, miss, hit):
    """At most 2 statements on a miss however many entries (drafts, agencies and texts in one); none kept."""
    def statements():
        testapp.app_dbsession.expire_all()
        with query_counter() as counted:
            testapp.get(path, params={"lang": "en"})
        return counted.count

    assert statements() == miss
    assert statements() == hit
    for number in range(12):
        consultation(dbsession, calls["open"].agency, f"فراخوان {number}", f"Call {number}", opened_days_ago=25)
    testapp.app.registry["outreach_feed_cache"].clear()
    assert statements() == miss


def test_transition_forgets_the_feeds(app):
    """Once a transition commits, this process builds its feeds anew."""
    import transaction
    from types import SimpleNamespace

    from eparticipation.outreach.feeds import forget_feeds

    cache = app.registry["outreach_feed_cache"]
    cache.put("key", "feed")
    manager = transaction.TransactionManager()
    manager.begin()
    forget_feeds(SimpleNamespace(request=SimpleNamespace(registry=app.registry, tm=manager)))
    assert cache.get("key") == "feed"
    manager.commit()
    assert cache.get("key") is None
    cache.put("key", "feed")
    manager.begin()
    forget_feeds(SimpleNamespace(request=SimpleNamespace(registry=app.registry, tm=manager)))
    manager.abort()
    assert cache.get("key") == "feed"
    # Without a transaction (an explicit manager that began none): at once.
    explicit = transaction.TransactionManager(explicit=True)
    forget_feeds(SimpleNamespace(request=SimpleNamespace(registry=app.registry, tm=explicit)))
    assert cache.get("key") is None


# --- the calendar ----------------------------------------------------------------------------------------


def events_of(testapp, path="/feeds/consultations.ics", **params):
    response = testapp.get(path, params=params)
    assert response.content_type == "text/calendar"
    calendar = Calendar.from_ical(response.body)
    return calendar, {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def test_calendar_in_persian(testapp, calls):
    calendar, events = events_of(testapp)
    assert str(calendar["x-wr-timezone"]) == "Asia/Tehran"
    assert set(events) == {"آیین‌نامه بازار سرمایه", "بخشنامه گمرکی", "دستورالعمل مالیاتی", "لایحه بودجه",
                           "آیین‌نامه پس‌گرفته"}
    event = events["آیین‌نامه بازار سرمایه"]
    draft = calls["open"]
    assert event.decoded("dtstart") == (NOW - 3 * DAY).date()  # 13:00 in Tehran: the same day
    assert event.decoded("dtend") == draft.last_day() + DAY
    description = str(event["description"])
    assert "۱۴۰۵" in description and "آذر" in description or "آبان" in description  # Jalali, Persian digits
    assert f"http://example.com/consultations/{draft.id}/" in description
    assert str(event["url"]) == f"http://example.com/consultations/{draft.id}/"
    assert str(events["آیین‌نامه پس‌گرفته"]["status"]) == "CANCELLED"


def test_calendar_in_english_and_per_agency(testapp, calls):
    _, events = events_of(testapp, lang="en")
    event = events["آیین‌نامه بازار سرمایه / Capital market bylaw"]
    description = str(event["description"])
    assert "۱۴۰۵" in description and "2026" in description  # Jalali and Gregorian
    _, tax = events_of(testapp, "/feeds/tax/consultations.ics")
    assert set(tax) == {"دستورالعمل مالیاتی"}


def test_feeds_index_page(testapp, calls):
    page = testapp.get("/feeds/", params={"_LOCALE_": "en"})
    assert page.html.find("a", href="http://example.com/feeds/opened.atom?lang=en") is not None
    assert page.html.find("a", href="http://example.com/feeds/consultations.ics?lang=fa") is not None
    agency = testapp.get("/feeds/tax/")
    assert agency.html.find("a", href="http://example.com/feeds/tax/outcomes.atom?lang=en") is not None


# --- links from the pages --------------------------------------------------------------------------------


def alternates(page):
    return {link["href"]: link.get("type") for link in page.html.find_all("link", rel="alternate")}


def test_listing_and_agency_pages_link_their_feeds(testapp, calls):
    listing = testapp.get("/consultations/")
    assert alternates(listing)["http://example.com/feeds/opened.atom"] == "application/atom+xml"
    assert alternates(listing)["http://example.com/feeds/consultations.ics"] == "text/calendar"
    agency = testapp.get("/agencies/mefa/", params={"_LOCALE_": "en"})
    assert alternates(agency)["http://example.com/feeds/mefa/closing.atom?lang=en"] == "application/atom+xml"
    assert agency.html.find("a", href="http://example.com/feeds/mefa/outcomes.atom?lang=en") is not None
    # Not on other pages.
    assert not any("feeds" in href for href in alternates(testapp.get("/")))


def test_listing_links_the_feeds_of_its_selection(testapp, calls):
    def feed_links(page):
        return [a["href"] for a in page.html.select("section.outreach-feeds a")]

    assert "http://example.com/feeds/opened.atom" in feed_links(testapp.get("/consultations/"))
    filtered = feed_links(testapp.get("/consultations/", params={"agency": "tax", "type": "directive",
                                                                   "_LOCALE_": "en"}))
    assert "http://example.com/feeds/tax/closing.atom?lang=en&type=directive" in filtered
    # An agency that is not there: the site's feeds.
    unknown = feed_links(testapp.get("/consultations/", params={"agency": "nowhere", "_LOCALE_": "fa"}))
    assert "http://example.com/feeds/outcomes.atom" in unknown
    for href in filtered:
        testapp.get(href, status=200)


# --- share links and Open Graph --------------------------------------------------------------------------


def share_links(page):
    return {a["data-network"]: a for a in page.html.select("section.outreach-share a[data-network]")}


def test_share_links_url_encoded(testapp, calls):
    draft = calls["open"]
    links = share_links(testapp.get(f"/consultations/{draft.id}/"))
    assert set(links) == {"bale", "eitaa", "rubika", "soroush", "telegram", "whatsapp", "x", "linkedin", "email"}
    address = f"http://example.com/consultations/{draft.id}/"
    title = "آیین‌نامه بازار سرمایه"
    telegram = links["telegram"]["href"]
    assert telegram == f"https://t.me/share/url?url={quote(address, safe='')}&text={quote(title, safe='')}"
    assert parse_qs(urlsplit(telegram).query) == {"url": [address], "text": [title]}
    assert parse_qs(urlsplit(links["bale"]["href"]).query) == {"url": [address], "text": [title]}
    assert links["bale"]["href"].startswith("https://ble.ir/share/url?")
    assert links["eitaa"]["href"].startswith("https://eitaa.com/share/url?")
    assert parse_qs(urlsplit(links["whatsapp"]["href"]).query) == {"text": [f"{title} {address}"]}
    assert parse_qs(urlsplit(links["linkedin"]["href"]).query) == {"url": [address]}
    assert parse_qs(urlsplit(links["x"]["href"]).query) == {"url": [address], "text": [title]}
    assert links["email"]["href"] == f"mailto:?subject={quote(title, safe='')}&body={quote(address, safe='')}"
    assert " " not in telegram and "+" not in telegram
    # Accessible names in the page's language, and no network's script.
    assert links["telegram"]["aria-label"] == "اشتراک در تلگرام"
    page = testapp.get(f"/consultations/{draft.id}/", params={"_LOCALE_": "en"})
    english = share_links(page)
    assert english["telegram"]["aria-label"] == "Share on Telegram"
    assert parse_qs(urlsplit(english["x"]["href"]).query) == {"url": [address + "?_LOCALE_=en"],
                                                                "text": ["Capital market bylaw"]}
    assert not [s for s in page.html.find_all("script") if s.get("src")]


@pytest.mark.parametrize("state", ["open", "published", "withdrawn", "future"])
def test_share_section_where_the_page_is_public(testapp, calls, state):
    page = testapp.get(f"/consultations/{calls[state].id}/")
    assert share_links(page)
    assert page.html.find("a", href=f"http://example.com/consultations/{calls[state].id}/poster.pdf") is not None


def meta(page):
    found = {}
    for tag in page.html.find_all("meta"):
        key = tag.get("property") or tag.get("name")
        if key:
            found.setdefault(key, tag["content"])
    return found


def test_open_graph_tags_in_the_page_language(testapp, calls):
    draft = calls["open"]
    tags = meta(testapp.get(f"/consultations/{draft.id}/"))
    assert tags["og:title"] == "آیین‌نامه بازار سرمایه"
    assert tags["og:locale"] == "fa_IR"
    assert tags["og:locale:alternate"] == "en_US"
    assert tags["og:url"] == f"http://example.com/consultations/{draft.id}/"
    assert tags["og:image"] == f"http://example.com/consultations/{draft.id}/share.png"
    assert tags["og:description"] == "خلاصه"
    assert tags["twitter:card"] == "summary_large_image"
    english = meta(testapp.get(f"/consultations/{draft.id}/", params={"_LOCALE_": "en"}))
    assert english["og:title"] == "Capital market bylaw" == english["twitter:title"]
    assert english["og:locale"] == "en_US"
    assert english["og:image"] == f"http://example.com/consultations/{draft.id}/share.png?lang=en"
    # Only on the draft's own page.
    assert "og:title" not in meta(testapp.get(f"/consultations/{calls['published'].id}/compare"))
    assert "og:title" not in meta(testapp.get("/consultations/"))


# --- the share image -------------------------------------------------------------------------------------


def test_share_image(testapp, calls):
    from PIL import Image

    draft = calls["open"]
    response = testapp.get(f"/consultations/{draft.id}/share.png")
    assert response.content_type == "image/png" and response.etag and "max-age" in response.headers["Cache-Control"]
    image = Image.open(io.BytesIO(response.body))
    assert image.size == (1200, 630)
    colours = image.convert("RGB").getcolors(maxcolors=100000)
    assert len(colours) > 50  # text, antialiased, not a blank card
    # The text is drawn on the right half first (right to left): more ink near the right margin than the left.
    grey = image.convert("L")
    row = grey.crop((0, 190, 1200, 260))
    right = sum(1 for x in range(900, 1128) for y in range(70) if row.getpixel((x, y)) > 200)
    left = sum(1 for x in range(72, 300) for y in range(70) if row.getpixel((x, y)) > 200)
    assert right > left
    english = Image.open(io.BytesIO(testapp.get(f"/consultations/{draft.id}/share.png", params={"lang": "en"}).body))
    assert english.size == (1200, 630)
    assert testapp.get(f"/consultations/{draft.id}/share.png", headers={"If-None-Match": f'"{response.etag}"'},
                       status=304)


def test_share_image_laid_out_without_raqm(app, calls, monkeypatch):
    """Without libraqm, the letters are joined and ordered by arabic-reshaper and python-bidi."""
    from PIL import Image

    from eparticipation.outreach import image

    image.has_raqm.cache_clear()
    image.font.cache_clear()
    monkeypatch.setattr(image, "has_raqm", lambda: False)
    try:
        assert image.shaped("سلام", rtl=True) != "سلام"
        png = image.share_image(app.registry, calls["open"], "fa")
        assert Image.open(io.BytesIO(png)).size == (1200, 630)
    finally:
        image.font.cache_clear()


# --- the poster ------------------------------------------------------------------------------------------


def test_poster(testapp, calls):
    from pypdf import PdfReader

    draft = calls["open"]
    response = testapp.get(f"/consultations/{draft.id}/poster.pdf")
    assert response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    reader = PdfReader(io.BytesIO(response.body))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = extract_text(response.body)
    assert "Capital market bylaw" in text
    assert "Agency" in text  # the English agency name ("Agency <n>")
    assert "2026" in text  # Gregorian
    assert "بازار" in text or "رازاب" in text  # Persian (extracted in either order)
    assert "۱۴۰۵" in text or "۵۰۴۱" in text  # Jalali, Persian digits
    assert f"http://example.com/consultations/{draft.id}/" in text


def test_poster_of_the_longest_titles_is_one_page(testapp, dbsession, calls):
    from pypdf import PdfReader

    from eparticipation.consultations.models import TITLE_MAX

    draft = consultation(dbsession, calls["open"].agency, ("عنوان بسیار بلند " * 40)[:TITLE_MAX],
                         ("A very long title " * 40)[:TITLE_MAX])
    pdf = testapp.get(f"/consultations/{draft.id}/poster.pdf").body
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def extract_text(pdf: bytes) -> str:
    """pdftotext when there is one (it orders right-to-left text), else pypdf."""
    import shutil
    import subprocess

    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_poster_qr_code_leads_to_the_consultation(testapp, calls):
    draft = calls["open"]
    from eparticipation.outreach.poster import poster_values

    from pyramid.request import Request

    from eparticipation.resources import root_factory

    request = Request.blank("/", base_url="http://example.com")
    request.registry = testapp.app.registry
    request.root = root_factory(request)
    values = poster_values(request, draft)
    assert values["qr_payload"] == f"http://example.com/consultations/{draft.id}/"
    zxingcpp = pytest.importorskip("zxingcpp")
    import segno
    from PIL import Image

    # The code the poster draws, rasterised, read back by a decoder.
    png = io.BytesIO()
    segno.make(values["qr_payload"], error="m").save(png, kind="png", scale=8, border=4)
    png.seek(0)
    decoded = zxingcpp.read_barcodes(Image.open(png))
    assert [result.text for result in decoded] == [values["qr_payload"]]
    # And the poster's own SVG is that code.
    assert re.search(r"<svg[^>]*>", values["qr_svg"])
    assert values["qr_svg"] == segno.make(values["qr_payload"], error="m").svg_inline(scale=6, border=2,
                                                                                        dark="#0e4c75")


def test_poster_page_qr_decoded_from_the_pdf(testapp, calls, tmp_path):
    """The QR code in the PDF itself, rendered to an image by pdftoppm, decodes to the consultation's address."""
    import shutil
    import subprocess

    zxingcpp = pytest.importorskip("zxingcpp")
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    from PIL import Image

    draft = calls["open"]
    pdf = testapp.get(f"/consultations/{draft.id}/poster.pdf").body
    (tmp_path / "poster.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(tmp_path / "poster.pdf"),
                    str(tmp_path / "poster")], check=True)
    decoded = zxingcpp.read_barcodes(Image.open(tmp_path / "poster.png"))
    assert [result.text for result in decoded] == [f"http://example.com/consultations/{draft.id}/"]


# --- refused ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["", "share.png", "poster.pdf"])
def test_unopened_draft_is_not_there(testapp, calls, view):
    """A draft not yet opened does not exist for the public (its page is 404): nor do its image and poster."""
    testapp.get(f"/consultations/{calls['unopened'].id}/{view}", status=404)


@pytest.mark.parametrize("view", ["share.png", "poster.pdf"])
def test_unopened_draft_files_refused_to_its_own_staff_too(testapp, dbsession, calls, view):
    """Its editors see its page, but it has nothing to share yet."""
    make_user(dbsession, email="editor@example.org", grants=[("editor", calls["unopened"].agency)])
    testapp.login("editor@example.org")
    testapp.get(f"/consultations/{calls['unopened'].id}/", status=200)
    testapp.get(f"/consultations/{calls['unopened'].id}/{view}", status=404)


@pytest.mark.parametrize("view", ["", "share.png", "poster.pdf"])
def test_withdrawn_consultation_stays_public(testapp, calls, view):
    """A withdrawn consultation's page stays public (with its reason): so do its image and poster."""
    testapp.get(f"/consultations/{calls['withdrawn'].id}/{view}", status=200)


def test_feeds_never_show_unopened_drafts(testapp, calls):
    for path in ("/feeds/opened.atom", "/feeds/closing.atom", "/feeds/outcomes.atom", "/feeds/consultations.ics",
                 "/feeds/mefa/opened.atom"):
        for language in ("fa", "en"):
            body = testapp.get(path, params={"lang": language}).text
            assert "محرمانه" not in body and "Secret draft" not in body
            assert "آیین‌نامه آینده" not in body and "Future bylaw" not in body
            assert f"/consultations/{calls['unopened'].id}/" not in body


def test_feeds_refuse_writing(testapp, calls):
    testapp.post("/feeds/opened.atom", status=404)
