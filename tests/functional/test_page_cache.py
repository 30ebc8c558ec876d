"""The cache of anonymous visitors' draft pages (pagecache.py): served again only while nothing it shows
has changed, and never to anyone but visitors without a session, in the language they asked for."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eparticipation import main
from eparticipation.clock import FrozenClock
from eparticipation.consultations.models import Draft
from eparticipation.pagecache import PageCache

from ..conftest import NOW, TestApp
from ..factories import make_agency, make_comment, make_draft, make_user
from .test_participation import comment_form_of, signed_in, vote_form
from .test_surveys import answer_all, answer_form, make_survey


@pytest.fixture
def cached_app(engine, app_settings):
    """An app of its own with the cache on, so that no other test sees its pages."""
    app = main({}, **app_settings, **{"eparticipation.page_cache.entries": "50"})
    app.registry["clock"] = FrozenClock(NOW)
    yield app
    app.registry["db_engine"].dispose()


def browser(app, tm, dbsession):
    return TestApp(app, extra_environ={"HTTP_HOST": "example.com", "tm.active": True, "tm.manager": tm,
                                       "app.dbsession": dbsession})


@pytest.fixture
def visitor(cached_app, tm, dbsession):
    return browser(cached_app, tm, dbsession)


@pytest.fixture
def citizen(cached_app, tm, dbsession):
    make_user(dbsession, email="citizen@example.org", display_name="Maryam")
    return signed_in(browser(cached_app, tm, dbsession), "citizen@example.org")


@pytest.fixture
def draft(dbsession):
    draft = make_draft(dbsession, make_agency(dbsession, code="tax"), state="consultation", articles=2,
                       opens_at=NOW - timedelta(days=2), closes_at=NOW + timedelta(days=28))
    make_comment(dbsession, draft, make_user(dbsession, display_name="Reza"), body="نخستین نظر درباره این متن")
    return draft


def statements(visitor, query_counter, path):
    visitor.app_dbsession.expire_all()
    with query_counter() as counted:
        page = visitor.get(path)
    return page, counted.count


def test_the_second_visit_is_served_from_the_cache(visitor, draft, query_counter):
    path = f"/consultations/{draft.id}/"
    first, rendered = statements(visitor, query_counter, path)
    again, cached = statements(visitor, query_counter, path)
    assert again.text == first.text and "نخستین نظر درباره این متن" in again.text
    assert cached < rendered and cached <= 2  # the draft (with its agency), nothing of the page
    assert again.headers.getall("Set-Cookie") == []


def test_a_new_comment_and_a_vote_show_at_once(visitor, citizen, draft, dbsession):
    path = f"/consultations/{draft.id}/"
    visitor.get(path)
    form = comment_form_of(citizen.get(path))
    form["body"] = "نظر تازه‌ای که باید دیده شود"
    form.submit("send", status=303)
    assert "نظر تازه‌ای که باید دیده شود" in visitor.get(path).text
    before = visitor.get(path).html.select_one("#vote strong").text
    form = vote_form(citizen.get(path))
    form["choice"] = "support"
    form.submit(status=303)
    assert visitor.get(path).html.select_one("#vote strong").text != before


def test_pages_are_not_shared_between_languages_or_with_signed_in_people(visitor, citizen, draft, cached_app, tm,
                                                                          dbsession):
    path = f"/consultations/{draft.id}/"
    assert 'lang="fa"' in visitor.get(path).text
    english = visitor.get(path, {"_LOCALE_": "en"})
    assert english.html.html["lang"] == "en" and "Comments" in english.text
    assert english.headers.getall("Set-Cookie")  # the language is remembered, even from the cache
    assert visitor.get(path).html.html["lang"] == "en"  # by the cookie
    assert browser(cached_app, tm, dbsession).get(path).html.html["lang"] == "fa"
    page = citizen.get(path)
    assert "Sign out" in page.text and comment_form_of(page)


def test_the_cache_is_skipped_once_the_consultation_ends(visitor, draft, cached_app):
    path = f"/consultations/{draft.id}/"
    assert "Sign in to vote and comment." in visitor.get(path, {"_LOCALE_": "en"}).text
    assert "Sign in to vote and comment." in visitor.get(path).text
    cached_app.registry["clock"].advance(days=29)
    assert "Participation is closed." in visitor.get(path).text


@pytest.mark.parametrize("action", ["comment", "edit", "withdraw", "support", "hide", "restore", "vote", "survey"])
def test_every_change_of_participation_moves_the_drafts_version(testapp, dbsession, draft, clock, action):
    from eparticipation.participation.models import CommentState, HidingReason

    make_user(dbsession, email="editor@example.org", grants=[("editor", draft.agency)])
    own = make_comment(dbsession, draft, make_user(dbsession, email="citizen@example.org"),
                       body="نظر خود شهروند درباره متن")
    other = make_comment(dbsession, draft, make_user(dbsession), body="نظر شخص دیگری درباره متن")
    if action == "restore":
        other.state, other.hidden_category, other.hidden_reason = CommentState.hidden, HidingReason.spam, "تبلیغ"
        dbsession.flush()

    survey = make_survey(dbsession, draft)

    def version():
        return dbsession.scalar(sa.select(Draft.participation_version).where(Draft.id == draft.id))

    before = version()
    app = signed_in(testapp, "editor@example.org" if action in ("hide", "restore") else "citizen@example.org")
    base = f"/consultations/{draft.id}/"
    token = app.get_csrf_token(base)
    if action == "comment":
        form = comment_form_of(app.get(base))
        form["body"] = "نظر تازه درباره این پیش‌نویس"
        form.submit("send", status=303)
    elif action == "edit":
        form = app.get(f"{base}comments/{own.id}/edit").forms["comment"]
        form["body"] = "نظر خود شهروند، با واژه‌های تازه"
        form.submit("save", status=303)
    elif action == "withdraw":
        app.post(f"{base}comments/{own.id}/withdraw", {"csrf_token": token}, status=303)
    elif action == "support":
        app.post(f"{base}comments/{other.id}/support", {"csrf_token": token}, status=303)
    elif action == "hide":
        form = app.get(f"{base}comments/{other.id}/hide").forms["hide"]
        form["category"] = "spam"
        form["reason"] = "تبلیغ تجاری"
        form.submit("hide", status=303)
    elif action == "restore":
        app.post(f"{base}comments/{other.id}/restore", {"csrf_token": token}, status=303)
    elif action == "survey":  # the page says whether the person answered it
        answer_all(answer_form(app, draft), survey).submit("send", status=303)
    else:
        app.post(f"{base}votes/", {"csrf_token": token, "choice": "oppose"}, status=303)
    assert version() == before + 1


def test_pages_expire_and_the_least_recently_used_go_first():
    now = [0.0]
    cache = PageCache(entries=2, seconds=60, clock=lambda: now[0])
    cache.put("a", b"A")
    cache.put("b", b"B")
    assert cache.get("a") == b"A"  # now the most recently used
    cache.put("c", b"C")
    assert cache.get("b") is None and cache.get("a") == b"A" and cache.get("c") == b"C"
    now[0] = 60.0
    assert cache.get("a") is None and cache.get("c") is None
