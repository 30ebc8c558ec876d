"""Browser tests: Debian's Chromium driven by Playwright against the real app, served by waitress.

    live_server (session) ── a fresh SQLite database migrated with Alembic, seeded, served on 127.0.0.1:<free port>;
                             `.drafts` has the ids of the seeded drafts, `.draft(id)` the address of one
    browser (session) ────── headless /usr/bin/chromium (no `playwright install`: nothing is downloaded)
    context / page ───────── a new browser context per test (own cookies), CSP bypassed so axe-core can be injected
    phone_page ───────────── the same, with the viewport and touch of a phone
    audit(page) ──────────── in accessibility.py: axe-core (WCAG 2.0/2.1 A and AA), fails on serious/critical

Unlike the rest of the suite these tests do not share a rolled-back transaction: the server commits
for real, into its own SQLite file (even when TEST_DATABASE_URL names PostgreSQL), seeded by seed.py.
Each test registers with addresses of its own (`unique_email`).
"""

import itertools
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from ..factories import TEST_SESSION_SECRET

if TYPE_CHECKING:
    from .seed import SeededDrafts

PROJECT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Debian's chromium is not installed at /usr/bin/chromium; apt-get install chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# How long Playwright waits for an element or a navigation; the app answers locally in milliseconds.
TIMEOUT_MS = 10_000

_here = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Without Debian's Chromium every browser test is skipped, saying why (and nothing is downloaded)."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=CHROMIUM_MISSING)
    for item in items:
        if _here in Path(item.path).resolve().parents:
            item.add_marker(skip)


# --- the application, served for real ---------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    engine: sa.Engine
    drafts: "SeededDrafts | None" = None  # the ids of the drafts seed.py wrote
    app_registry: object = None  # the served app's registry (for the workers a journey runs in between)

    def draft(self, draft_id: int, *elements: str) -> str:
        """The address of a draft's page (`/consultations/<id>/`), or of one of its views."""
        return self("/".join([f"/consultations/{draft_id}", *elements]) + ("" if elements else "/"))

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_settings(tmp_path_factory):
    database = tmp_path_factory.mktemp("browser-db") / "browser.sqlite"
    return {
        "sqlalchemy.url": f"sqlite:///{database}",
        "pyramid.default_locale_name": "fa",
        "eparticipation.locale_dir": str(PROJECT / "locale"),
        "eparticipation.available_languages": "fa en",
        # make_user (seed.py) stores the staff's second factors under the key derived from this one.
        "eparticipation.session_secret": TEST_SESSION_SECRET,
        "eparticipation.secure_cookies": "false",
        "eparticipation.login_throttle.max_failures": "5",
        "eparticipation.login_throttle.window_minutes": "15",
        "retry.attempts": "3",
        "eparticipation.messaging.channels": "email bale eitaa",
        "eparticipation.messaging.email.adapter": "folder",
        "eparticipation.messaging.email.folder": str(database.parent / "mail"),
        "eparticipation.messaging.bale.adapter": "folder",
        "eparticipation.messaging.bale.folder": str(database.parent / "mail" / "bale"),
        "eparticipation.messaging.bale.bot": "@browser_test_bot",
        "eparticipation.messaging.bale.webhook_secret": "browser-hook",
        "eparticipation.messaging.eitaa.adapter": "folder",
        "eparticipation.messaging.eitaa.folder": str(database.parent / "mail" / "eitaa"),
        # As in production: anonymous visitors' pages, and the page signed-in participants share.
        "eparticipation.page_cache.entries": "500",
        "eparticipation.page_cache.seconds": "60",
    }


@pytest.fixture(scope="session")
def live_server(live_settings):
    import waitress
    from waitress import wasyncore

    from eparticipation import main
    from eparticipation.db import get_engine

    from .seed import seed

    engine = get_engine(live_settings)
    with engine.begin() as connection:
        config = Config(str(PROJECT / "development.ini"))
        config.attributes["connection"] = connection
        # Every head: while parallel branches of migrations await their merge, the app needs them all.
        command.upgrade(config, "head")
    drafts = seed(engine)

    app = main({}, **live_settings)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4, clear_untrusted_proxy_headers=True)
    stopping = threading.Event()

    def serve():
        try:
            server.run()
        except (OSError, ValueError):  # sockets closed under the loop at shutdown
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=serve, name="browser-live-server", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.effective_port}", engine=engine, drafts=drafts,
                     app_registry=app.registry)

    stopping.set()
    server.close()  # the listening socket and the trigger; then any keep-alive connection left
    wasyncore.close_all(server._map)
    server.task_dispatcher.shutdown()
    thread.join(timeout=5)
    app.registry["db_engine"].dispose()
    engine.dispose()


# --- the browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


def _new_page(browser, live_server, options):
    context = browser.new_context(
        base_url=live_server.url,
        bypass_csp=True,  # the site's CSP forbids inline scripts; axe-core is injected
        **options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server):
    """A desktop-sized page in a context of its own (no cookies from other tests)."""
    context, page = _new_page(browser, live_server, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized page (390×844, touch) in a context of its own."""
    context, page = _new_page(browser, live_server, PHONE)
    yield page
    context.close()


_emails = itertools.count(1)


@pytest.fixture
def unique_email():
    """A new address on each call, unique across tests and runs (the database is fresh, but be safe)."""

    def make(prefix="participant"):
        return f"{prefix}.{next(_emails)}.{uuid.uuid4().hex[:8]}@example.org"

    return make
