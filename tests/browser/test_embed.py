"""The agency's widget framed by a portal: a host page on a second local origin (another port of 127.0.0.1) that
the agency allows shows it, through the <iframe> snippet and through the script that inserts and sizes it; a host
the agency does not allow gets nothing from the frame. Audited with axe inside the frame, in both themes."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eparticipation.agencies.models import Agency
from eparticipation.embed.models import EmbedSettings

from .accessibility import audit
from .conftest import DESKTOP, TIMEOUT_MS
from .pages import sign_out
from .seed import CONSULTING_AGENCY_CODE, COORDINATOR_EMAIL, COORDINATOR_PASSWORD
from .test_consultations import sign_in

pytestmark = pytest.mark.browser


class HostPage:
    """A tiny site on 127.0.0.1:<free port> that serves one page: the HTML it is given."""

    def __init__(self):
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = host.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.html = ""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, body: str) -> str:
        self.html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Agency portal</title></head>'
                     f'<body><main><h1>Agency portal</h1>{body}</main></body></html>')
        return self.origin + "/"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def portals(live_server):
    """The allowed portal and another one; the agency's widget may be framed by the first only."""
    allowed, other = HostPage(), HostPage()
    with live_server.engine.begin() as connection:
        agency_id = connection.scalar(sa.select(Agency.id).where(Agency.code == CONSULTING_AGENCY_CODE))
        connection.execute(sa.delete(EmbedSettings).where(EmbedSettings.agency_id == agency_id))
        connection.execute(sa.insert(EmbedSettings).values(agency_id=agency_id, origins=[allowed.origin],
                                                           updated_at=sa.func.current_timestamp()))
    live_server.app_registry["embed_cache"].clear()
    yield allowed, other
    allowed.close()
    other.close()


@pytest.fixture
def portal_page(browser, live_server):
    """A page whose context keeps the browser's Content-Security-Policy checks (the other tests bypass them to
    inject axe; here the policy's frame-ancestors is what is tested)."""
    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def widget_url(live_server, **query):
    from urllib.parse import urlencode

    return live_server(f"/embed/{CONSULTING_AGENCY_CODE}/") + ("?" + urlencode(query) if query else "")


def widget_frame(page):
    frame = page.frame_locator("iframe")
    return frame


@pytest.mark.parametrize("language, theme", [("fa", "light"), ("en", "dark")])
def test_an_allowed_portal_shows_the_widget(portal_page, live_server, portals, language, theme):
    allowed, _ = portals
    url = widget_url(live_server, lang=language, theme=theme)
    portal_page.goto(allowed.serve(f'<iframe src="{url}" title="Open consultations" width="100%" height="480" '
                                   f'style="border:0"></iframe>'))
    frame = widget_frame(portal_page)
    expect(frame.locator("li.consultation").first).to_be_visible()
    expect(frame.locator("html")).to_have_attribute("dir", "rtl" if language == "fa" else "ltr")
    expect(frame.locator("html")).to_have_class(f"theme-{theme}")
    link = frame.locator("li.consultation h2 a").first
    expect(link).to_have_attribute("target", "_top")
    inner = next(f for f in portal_page.frames if "/embed/" in f.url)
    audit(inner)
    # Following the direct link leaves the portal for the consultation's own page.
    link.click()
    expect(portal_page).to_have_url(re.compile(re.escape(live_server("/consultations/")) + r"[0-9]+/"))


def test_the_script_inserts_the_widget_and_fits_its_height(portal_page, live_server, portals):
    allowed, _ = portals
    script = (f'<p>Before</p><script src="{live_server("/embed.js")}" data-agency="{CONSULTING_AGENCY_CODE}" '
              f'data-lang="en" data-theme="light" data-title="Open consultations of the agency" async></script>'
              f'<p>After</p>')
    portal_page.goto(allowed.serve(script))
    iframe = portal_page.locator("main iframe")
    expect(iframe).to_have_attribute("title", "Open consultations of the agency")
    expect(widget_frame(portal_page).locator("li.consultation").first).to_be_visible()
    # Between the paragraphs, where the script tag is.
    order = portal_page.evaluate("() => [...document.querySelector('main').children].map(e => e.tagName)")
    assert order == ["H1", "P", "IFRAME", "SCRIPT", "P"]
    # Sized to the widget's height (from the frame's message), not left at the initial 480 px.
    portal_page.wait_for_function("() => document.querySelector('main iframe').style.height !== '480px'")
    inner = next(f for f in portal_page.frames if "/embed/" in f.url)
    content = inner.evaluate("() => Math.ceil(document.documentElement.getBoundingClientRect().height)")
    frame_height = portal_page.evaluate("() => document.querySelector('main iframe').getBoundingClientRect().height")
    assert abs(frame_height - content) <= 2


def test_a_portal_not_allowed_gets_nothing(portal_page, live_server, portals):
    _, other = portals
    refusals = []
    portal_page.on("console", lambda message: refusals.append(message.text))
    portal_page.goto(other.serve(f'<iframe src="{widget_url(live_server)}" title="Open consultations"></iframe>'))
    portal_page.wait_for_load_state("load")
    portal_page.wait_for_timeout(300)
    framed = [f for f in portal_page.frames if f is not portal_page.main_frame]
    assert framed, "no frame"
    for frame in framed:
        assert "/embed/" not in frame.url or frame.evaluate("() => document.querySelector('li.consultation')") is None
    assert widget_frame(portal_page).locator("li.consultation").count() == 0
    assert any("frame-ancestors" in text for text in refusals), refusals


def test_other_pages_cannot_be_framed_by_the_allowed_portal(portal_page, live_server, portals):
    allowed, _ = portals
    portal_page.goto(allowed.serve(f'<iframe src="{live_server("/")}" title="Home"></iframe>'))
    portal_page.wait_for_load_state("load")
    portal_page.wait_for_timeout(300)
    assert widget_frame(portal_page).locator("header").count() == 0


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_coordinator_finds_the_snippet_and_a_bad_origin_is_explained(page, live_server, portals, language):
    sign_in(page, live_server, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)
    page.goto(f"/agencies/{CONSULTING_AGENCY_CODE}/?_LOCALE_={language}")
    section = page.locator("section#embed")
    expect(section.locator("code.embed-iframe")).to_contain_text(f"/embed/{CONSULTING_AGENCY_CODE}/?lang=fa")
    audit(page)
    # The snippet for English, dark.
    section.locator("#embed-lang").select_option("en")
    section.locator("#embed-theme").select_option("dark")
    section.locator('form[method="get"] button[type="submit"]').click()
    expect(page.locator("section#embed code.embed-script")).to_contain_text('data-lang="en" data-theme="dark"')
    # A path is not part of an origin: the reason is shown by the field, and what was typed stays.
    form = page.locator("form#embed-origins")
    typed = f"{portals[0].origin}\nhttps://portal.example.ir/consultations"
    form.locator("textarea[name=origins]").fill(typed)
    form.locator("button[name=save]").click()
    error = page.locator("form#embed-origins .invalid-feedback")
    expect(error).to_contain_text("https://portal.example.ir/consultations")
    expect(page.locator("form#embed-origins textarea[name=origins]")).to_have_value(typed)
    expect(page.locator("form#embed-origins textarea[name=origins]")).to_have_attribute("aria-invalid", "true")
    audit(page)
    sign_out(page, live_server)
