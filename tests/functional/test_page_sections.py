"""A package that is not eparticipation adds a child to the draft's traversal and a section to the draft page
without editing eparticipation (tests/faqaddon), and the draft page shows the domains' sections in their states."""

import pytest

from eparticipation import main
from tests.conftest import TestApp
from tests.factories import make_agency, make_draft, make_user


@pytest.fixture(scope="module")
def faq_app(engine, app_settings):
    return main({}, **{**app_settings, "pyramid.includes": "tests.faqaddon"})


@pytest.fixture
def faq_testapp(faq_app, tm, dbsession):
    return TestApp(faq_app, extra_environ={"HTTP_HOST": "example.com", "tm.active": True, "tm.manager": tm,
                                           "app.dbsession": dbsession})


def test_a_third_package_adds_a_child_and_a_section_to_the_draft(faq_testapp, dbsession):
    agency = make_agency(dbsession, code="mefa")
    draft = make_draft(dbsession, agency, state="consultation")
    page = faq_testapp.get(f"/consultations/{draft.id}/?_LOCALE_=en").text
    assert "Questions and answers" in page and f"/consultations/{draft.id}/faq/" in page
    # Ordered among eparticipation's own sections: after the timeline (10), before the calls (20).
    assert page.index('id="timeline-title"') < page.index('id="faq-title"') < page.index('id="call-fa"')
    assert faq_testapp.get(f"/consultations/{draft.id}/faq/").json == {
        "draft": draft.id, "questions": [{"question": "Who may comment?",
                                          "answer": "Anyone; signing in is needed to send a comment."}]}
    # The child inherits the draft's ACL: a draft not yet opened is not found by the public, nor its FAQ.
    unopened = make_draft(dbsession, agency)
    faq_testapp.get(f"/consultations/{unopened.id}/faq/", status=404)


def test_a_third_package_adds_children_to_the_root_and_to_the_account_pages(faq_testapp, dbsession):
    assert faq_testapp.get("/faq/").json == {"questions": ["Who may comment?"]}
    # /me/faq/ is under /me/'s ACL: a visitor is sent to sign in, a signed-in person sees their own.
    faq_testapp.get("/me/faq/", status=(302, 303, 403))
    user = make_user(dbsession, email="asker@example.org")
    faq_testapp.login(user.email)
    assert faq_testapp.get("/me/faq/").json == {"asked_by": user.id, "questions": []}


def test_without_the_package_the_draft_has_no_such_child_or_section(testapp, dbsession):
    agency = make_agency(dbsession, code="mefa")
    draft = make_draft(dbsession, agency, state="consultation")
    assert "Questions and answers" not in testapp.get(f"/consultations/{draft.id}/?_LOCALE_=en").text
    testapp.get(f"/consultations/{draft.id}/faq/", status=404)
    testapp.get("/faq/", status=404)


def test_the_sections_are_introspectable(faq_app):
    introspector = faq_app.registry.introspector
    names = {(e["introspectable"]["page"], e["introspectable"]["name"])
             for e in introspector.get_category("page sections")}
    assert {("draft", "faq"), ("draft", "comments"), ("draft", "survey"), ("agency", "services"),
            ("account", "messages")} <= names
    children = {(e["introspectable"]["resource"], e["introspectable"]["name"])
                for e in introspector.get_category("page children")}
    assert {("draft", "faq"), ("draft", "articles"), ("draft", "comments"), ("agency", "services"), ("root", "faq"),
            ("me", "faq")} <= children
