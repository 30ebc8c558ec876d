"""eparticipation inside a host application (tests/host), under /participation: a consultation's life there, with
every link on every page it reaches under the prefix, and the host's own pages and permissions untouched."""

import re

import pytest
import sqlalchemy as sa

from eparticipation.clock import FrozenClock
from eparticipation.consultations.models import State

from ..conftest import NOW, TestApp
from ..factories import make_agency, make_draft, make_final_report, make_user
from ..mailbox import confirm_address, last_link
from .test_accounts import fill_registration

PREFIX = "/participation"
SITE = "http://example.com"
LINK = re.compile(r'<(?:a|link|script|img|form)\b[^>]*?\s(?:href|src|action)="([^"]*)"')


@pytest.fixture(scope="module")
def host_app(engine, app_settings):
    from tests.host import main

    return main({}, **app_settings)


@pytest.fixture
def host_clock(host_app):
    original = host_app.registry["clock"]
    host_app.registry["clock"] = frozen = FrozenClock(NOW)
    yield frozen
    host_app.registry["clock"] = original


class HostApp(TestApp):
    """The conftest's TestApp with the package's paths under the prefix; every HTML page it gets is checked."""

    pages = 0

    def prefixed(self, url):
        return PREFIX + url if url.startswith("/") and not url.startswith(PREFIX + "/") else url

    def get(self, url, *args, **kw):
        return self.checked(super().get(self.prefixed(url), *args, **kw))

    def post(self, url, *args, **kw):
        return self.checked(super().post(self.prefixed(url), *args, **kw))

    def checked(self, response):
        if response.content_type == "text/html":
            type(self).pages += 1
            for link in LINK.findall(response.text):
                assert_under_prefix(link, response.request.path)
        if response.location:
            assert_under_prefix(response.location, response.request.path)
        return response


def assert_under_prefix(link, page):
    link = link.replace("&amp;", "&")
    if link.startswith(("#", "?", "mailto:")) or not link:
        return
    if link.startswith(SITE):
        link = link.removeprefix(SITE)
    elif re.match(r"^[a-z]+:", link):
        return  # another site's address
    assert link.startswith(PREFIX + "/"), f"{link!r} on {page} is not under {PREFIX}/"


@pytest.fixture
def host(host_app, tm, dbsession, host_clock):
    return HostApp(host_app, extra_environ={"HTTP_HOST": "example.com", "tm.active": True, "tm.manager": tm,
                                            "app.dbsession": dbsession})


def test_the_hosts_home_page_keeps_its_own_permission(host):
    refused = TestApp.get(host, "/", status=403)
    assert "site-footer" not in refused.text  # Pyramid's refusal, not the package's error page
    page = TestApp.get(host, "/", headers={"X-Host-User": "minister"})
    assert page.text == "The ministry's portal, for minister"
    # The package's pages are under the prefix, not at the host's top.
    TestApp.get(host, "/register", status=404)
    TestApp.get(host, "/static/css/site.css", status=404)
    assert host.get("/").status_int == 200
    assert TestApp.get(host, PREFIX, status=302).location == f"{SITE}{PREFIX}/"


def test_a_consultations_life_under_the_prefix(host, dbsession, host_clock):
    agency = make_agency(dbsession, code="tax")
    make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])

    # A citizen registers; the confirmation link in the e-mail is under the prefix.
    page = host.get("/register")
    fill_registration(page.forms["register"]).submit("register", status=303).follow()
    assert last_link(dbsession, "maryam@example.org", "verify-email").startswith(f"{SITE}{PREFIX}/verify-email/")
    page = confirm_address(host, dbsession, "maryam@example.org").follow()
    assert page.request.path == f"{PREFIX}/me"
    host.logout()

    # An editor writes, the coordinator opens.
    draft = make_draft(dbsession, agency)
    host.login("editor@example.org")
    form = host.get(f"/consultations/{draft.id}/articles/1/edit").forms["article"]
    form["text"] = "متن تازه ماده یک"
    form.submit("save", status=303).follow()
    host.logout()
    host.login("coordinator@example.org")
    form = host.get(f"/consultations/{draft.id}/open").forms["transition"]
    form["start"], form["end"] = "۱۴۰۵/۰۹/۰۶", "۱۴۰۵/۱۰/۱۰"
    form.submit("confirm", status=303).follow()
    host.logout()
    assert draft.state == State.consultation

    # The citizen comments.
    host.login("maryam@example.org", "a long enough secret")
    host.get(f"/consultations/{draft.id}/")
    form = host.get(f"/consultations/{draft.id}/comments/add").forms["comment"]
    form["body"] = "نظر من درباره ماده یک این پیش‌نویس"
    form.submit("send", status=303).follow()
    host.get("/me/")
    host.logout()
    (comment,) = _comments(dbsession, draft)

    # The clock closes it; the editor responds; the coordinator publishes.
    host_clock.advance(days=40)
    host.get(f"/consultations/{draft.id}/")
    assert draft.state == State.closed
    host.login("editor@example.org")
    page = host.get(f"/consultations/{draft.id}/responses/?all=1")
    data = [("csrf_token", page.forms["respond"]["csrf_token"].value), ("comment", str(comment.id)),
            ("decision", "accepted"), ("reason", "دلیل روشن تصمیم"), ("legal_basis_law", ""),
            ("legal_basis_article", ""), ("respond", "respond")]
    host.post(f"/consultations/{draft.id}/responses/", data, status=303).follow()
    host.logout()
    # The report was queued at the close; the worker's build and the editors' summary are the factory's.
    from eparticipation.reports.models import Report

    dbsession.execute(sa.delete(Report).where(Report.draft_id == draft.id))
    make_final_report(dbsession, draft)
    host.login("coordinator@example.org")
    host.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303).follow()
    host.logout()
    assert draft.state == State.published

    # The published pages, for anyone; the links in the participant's messages are under the prefix too.
    for path in ("/", f"/consultations/{draft.id}/",
                 f"/consultations/{draft.id}/report/", f"/agencies/{agency.code}/", "/consultations/"):
        host.get(path)
    host.get("/nowhere", status=404)
    assert HostApp.pages > 20
    from eparticipation.messaging.models import InboxMessage
    from eparticipation.responses.subscribers import announce_next

    assert announce_next(dbsession, host.app.registry, NOW)  # the worker writes the queued announcement
    links = dbsession.scalars(sa.select(InboxMessage.link).where(InboxMessage.link.is_not(None))).all()
    assert links and all(link.startswith(f"{SITE}{PREFIX}/") for link in links), links
    # The host's own page is still the host's.
    assert TestApp.get(host, "/", headers={"X-Host-User": "minister"}).text.startswith("The ministry's portal")


def _comments(dbsession, draft):
    from eparticipation.participation.models import Comment

    return dbsession.scalars(sa.select(Comment).where(Comment.draft_id == draft.id)).all()


def test_a_console_commands_links_are_under_the_prefix(host_app, dbsession):
    """A command's request (pyramid.paster.bootstrap, as eparticipation.scripts.bootstrap wraps it) gets the host's
    root from the host's root factory; mounting.locate gives it the package's Root under the prefix."""
    from pyramid.scripting import prepare

    from eparticipation.consultations import draft_url
    from eparticipation.mounting import locate
    from tests.host import HostRoot

    draft = make_draft(dbsession, make_agency(dbsession))
    env = prepare(registry=host_app.registry)
    try:
        assert isinstance(env["root"], HostRoot)
        request = locate(env["request"])
        assert draft_url(request, draft) == f"http://localhost{PREFIX}/consultations/{draft.id}/"
        assert request.resource_path(request.root) == f"{PREFIX}/"
    finally:
        env["closer"]()


def test_what_the_host_sets_stays_the_hosts(host_app, engine, app_settings, dbsession, tm):
    """Set in the host's main(), the security policy, root factory, locale negotiator, default permission and the
    .jinja2 renderer are the host's; the package's templates and filters join the host's Jinja2 environment."""
    from pyramid.config import Configurator
    from pyramid.interfaces import IDefaultPermission, ILocaleNegotiator, IRootFactory, ISecurityPolicy
    from pyramid_jinja2 import IJinja2Environment

    from tests.host import HostRoot, HostSecurityPolicy

    assert isinstance(host_app.registry.getUtility(ISecurityPolicy), HostSecurityPolicy)
    assert host_app.registry.getUtility(IRootFactory) is HostRoot

    def host_locale(request):
        return "en"

    settings = {**app_settings, "jinja2.directories": "tests:host"}
    with Configurator(settings=settings, root_factory=HostRoot) as config:
        config.set_locale_negotiator(host_locale)
        config.set_default_permission("host:view")
        config.include("eparticipation", route_prefix="/participation")
        # After the package, which includes pyramid_jinja2: the host's own include of it would be a sibling of the
        # package's renderer (a conflict), while the host's own renderer overrides both.
        config.add_jinja2_renderer(".jinja2")
    registry = config.registry
    assert registry.getUtility(ILocaleNegotiator) is host_locale
    assert registry.getUtility(IDefaultPermission) == "host:view"
    environment = registry.getUtility(IJinja2Environment, name=".jinja2")
    assert "datetime" in environment.filters and environment.autoescape
    app = TestApp(config.make_wsgi_app(), extra_environ={"HTTP_HOST": "example.com", "tm.active": True,
                                                         "tm.manager": tm, "app.dbsession": dbsession})
    page = app.get(f"{PREFIX}/register")
    assert 'lang="en"' in page.text and page.forms["register"].action == f"{PREFIX}/register"
