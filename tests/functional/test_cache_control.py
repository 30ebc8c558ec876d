"""Pages about one person, or for an agency's staff, are never stored by a browser or a proxy
(`Cache-Control: no-store`); public pages keep their caching."""

from datetime import timedelta

import pytest

from eparticipation import main
from eparticipation.clock import FrozenClock

from ..conftest import NOW, TestApp
from ..factories import make_agency, make_comment, make_draft, make_user


@pytest.fixture
def tree(dbsession, clock, testapp):
    agency = make_agency(dbsession, code="tax")
    people = {
        "citizen": make_user(dbsession, email="citizen@example.org"),
        "editor": make_user(dbsession, email="editor@example.org", grants=[("editor", agency)]),
        "admin": make_user(dbsession, email="admin@example.org", grants=[("admin", None)]),
        "auditor": make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)]),
    }
    unopened = make_draft(dbsession, agency)
    running = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2),
                         closes_at=NOW + timedelta(days=28))
    ended = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=31),
                       closes_at=NOW - timedelta(days=1))
    make_comment(dbsession, ended, people["citizen"])
    testapp.get(f"/consultations/{ended.id}/")  # the first visit closes it
    return {"agency": agency, "people": people, "unopened": unopened, "running": running, "ended": ended}


def personal_and_staff_pages(tree):
    unopened, ended = tree["unopened"].id, tree["ended"].id
    return {
        "citizen@example.org": ["/me/", "/me/edit", "/me/export", "/me/inbox", "/me/messengers",
                                f"/consultations/{tree['running'].id}/comments/add"],
        "editor@example.org": ["/agencies/tax/staff", "/agencies/tax/new-draft", f"/consultations/{unopened}/",
                               f"/consultations/{unopened}/edit", f"/consultations/{unopened}/history",
                               f"/consultations/{ended}/responses/", f"/consultations/{ended}/report/",
                               "/agencies/tax/services/add"],
        "admin@example.org": ["/admin/", "/admin/users/", f"/admin/users/{tree['people']['citizen'].id}",
                              "/admin/outbox", "/admin/reports", "/agencies/add", "/agencies/tax/edit"],
        "auditor@example.org": ["/audit/", "/audit/export.csv", f"/audit/drafts/{ended}/",
                                f"/audit/drafts/{ended}/responses.csv"],
    }


@pytest.mark.parametrize("who", ["citizen@example.org", "editor@example.org", "admin@example.org",
                                 "auditor@example.org"])
def test_personal_and_staff_pages_are_not_stored(testapp, tree, who):
    testapp.login(who)
    for path in personal_and_staff_pages(tree)[who]:
        page = testapp.get(path, status=200)
        assert page.headers.get("Cache-Control") == "no-store", path


def test_a_refused_form_and_a_redirect_after_a_personal_change_are_not_stored(testapp, tree):
    testapp.login("citizen@example.org")
    token = testapp.get_csrf_token("/me/edit")
    page = testapp.post("/me/messengers", {"csrf_token": token, "messenger": "eitaa", "action": "unlink"},
                        status=303)
    assert page.headers["Cache-Control"] == "no-store"


def test_public_pages_are_not_marked(testapp, tree):
    running = tree["running"].id
    for path in ("/", "/consultations/", f"/consultations/{running}/",
                 "/agencies/", "/agencies/tax/", "/agencies/tax/services/", "/privacy", "/login"):
        page = testapp.get(path, status=200)
        assert "no-store" not in page.headers.get("Cache-Control", ""), path
    assert testapp.get("/audit/checkpoints").headers["Cache-Control"] == "public, max-age=300"


def test_a_public_page_seen_signed_in_is_not_marked_either(testapp, tree):
    testapp.login("citizen@example.org")
    page = testapp.get(f"/consultations/{tree['running'].id}/")
    assert "no-store" not in page.headers.get("Cache-Control", "")


def test_the_anonymous_page_cache_still_serves_public_pages(engine, app_settings, tm, dbsession, tree,
                                                           query_counter):
    app = main({}, **app_settings, **{"eparticipation.page_cache.entries": "50"})
    app.registry["clock"] = FrozenClock(NOW)
    try:
        visitor = TestApp(app, extra_environ={"HTTP_HOST": "example.com", "tm.active": True, "tm.manager": tm,
                                              "app.dbsession": dbsession})
        path = f"/consultations/{tree['running'].id}/"
        first = visitor.get(path)
        dbsession.expire_all()
        with query_counter() as counted:
            second = visitor.get(path)
        assert second.body == first.body
        assert counted.count < 5  # from the cache: no rendering
        assert "no-store" not in second.headers.get("Cache-Control", "")
    finally:
        app.registry["db_engine"].dispose()
