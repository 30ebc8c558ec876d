"""Participation (DESIGN P1, P2, P5, P6): comments, supports, reports, moderation and votes, with refusals."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eparticipation.accounts.models import StakeholderCategory
from eparticipation.participation.models import (
    Comment,
    CommentState,
    ModerationAct,
    Vote,
)

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_user


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def draft(dbsession, agency):
    return make_draft(dbsession, agency, state="consultation", articles=3, opens_at=NOW - timedelta(days=2),
                      closes_at=NOW + timedelta(days=28))


@pytest.fixture
def people(dbsession, agency):
    return {
        "citizen": make_user(dbsession, email="citizen@example.org", display_name="Maryam",
                             stakeholder_category=StakeholderCategory.ngo),
        "other": make_user(dbsession, email="other@example.org", display_name="Reza"),
        "editor": make_user(dbsession, email="editor@example.org", display_name="Editor", grants=[("editor", agency)]),
        "other_editor": make_user(dbsession, email="other.editor@example.org",
                                  grants=[("editor", make_agency(dbsession))]),
    }


def comment_form_of(page, article=""):
    """The short comment form under an article ("" : the one for the whole draft)."""
    return next(f for f in page.forms.values()
                if f.action.endswith("/comments/add") and f["article"].value == article)


def vote_form(page):
    return next(f for f in page.forms.values() if f.action.endswith("/votes/"))


def signed_in(app, email):
    app.reset()
    app.get("/?_LOCALE_=en")
    app.login(email)
    return app


def test_a_citizen_comments_on_the_draft_and_on_an_article(testapp, dbsession, draft, people, clock):
    app = signed_in(testapp, "citizen@example.org")
    page = app.get(f"/consultations/{draft.id}/")
    form = comment_form_of(page)
    form["body"] = "این پیش‌نویس به مهلت بیشتری نیاز دارد.\nسطر دوم"
    page = form.submit("send", status=303).follow()
    assert "Your comment is published." in page.text

    article_form = comment_form_of(page, "2")
    article_form["body"] = "ماده ۲ باید روشن‌تر نوشته شود."
    article_form["anonymous"] = True
    page = article_form.submit("send", status=303).follow()

    comments = dbsession.scalars(sa.select(Comment).order_by(Comment.id)).all()
    assert [c.article.number if c.article else None for c in comments] == [None, "2"]
    assert comments[0].body.endswith("\nسطر دوم")  # line breaks kept
    assert comments[0].stakeholder_category.value == "ngo"  # taken from the profile
    assert comments[1].anonymous
    assert "Anonymous participant" in page.text
    assert page.html.find(id=f"comment-{comments[1].id}").find(string=lambda s: s and "Maryam" in s) is None
    assert "1 comments on this article" in page.text


def test_commenting_on_behalf_of_an_organisation(testapp, dbsession, draft, people, clock):
    app = signed_in(testapp, "citizen@example.org")
    form = app.get(f"/consultations/{draft.id}/comments/add?article=3").forms["comment"]
    assert form["article"].value == "3"
    form["body"] = "نظر انجمن درباره این ماده چنین است."
    form["organisation_kind"] = "ngo"
    page = form.submit("send", status=400)
    assert "Name the organisation you write for." in page.text
    form = page.forms["comment"]
    assert form["body"].value == "نظر انجمن درباره این ماده چنین است."
    form["organisation_name"] = "انجمن حمایت از مصرف‌کنندگان"
    page = form.submit("send", status=303).follow()
    assert "on behalf of <bdi>انجمن حمایت از مصرف‌کنندگان</bdi>" in page.text


@pytest.mark.parametrize("body, message", [
    ("", "Required"),
    ("کوتاه", "Enter at least 10 characters."),
    ("ب" * 5001, "Enter at most 5000 characters."),
])
def test_bad_comments_are_explained_and_kept(testapp, dbsession, draft, people, clock, body, message):
    app = signed_in(testapp, "citizen@example.org")
    form = app.get(f"/consultations/{draft.id}/comments/add").forms["comment"]
    form["body"] = body
    page = form.submit("send", status=400)
    assert message in page.text
    assert page.forms["comment"]["body"].value == body


def test_an_article_of_another_draft_is_refused(testapp, dbsession, agency, draft, people, clock):
    make_draft(dbsession, agency, state="consultation", articles=9)
    app = signed_in(testapp, "citizen@example.org")
    token = app.get_csrf_token("/me/edit")
    page = app.post(f"/consultations/{draft.id}/comments/add",
                    {"csrf_token": token, "__formid__": "comment", "article": "9", "body": "متن نظر درباره ماده نهم",
                     "send": "send"}, status=400)
    assert "Choose an article of this draft." in page.text
    assert dbsession.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_persian_refusal(testapp, dbsession, draft, people, clock):
    testapp.login("citizen@example.org")
    form = testapp.get(f"/consultations/{draft.id}/comments/add").forms["comment"]
    form["body"] = "کوتاه"
    page = form.submit("send", status=400)
    assert "Enter at least" not in page.text and "۱۰" in page.text


def test_anonymous_visitors_cannot_comment_or_vote(testapp, draft, people, clock):
    testapp.get("/?_LOCALE_=en")
    page = testapp.get(f"/consultations/{draft.id}/")
    assert "Sign in to vote and comment." in page.text
    assert not any(f.action.endswith("/comments/add") for f in page.forms.values())
    assert "You need to sign in" in testapp.get(f"/consultations/{draft.id}/comments/add", status=403).text
    token = testapp.get_csrf_token("/login")
    testapp.post(f"/consultations/{draft.id}/votes/", {"csrf_token": token, "choice": "support"}, status=403)


@pytest.mark.parametrize("state", ["closed", "published"])
def test_closed_means_closed(testapp, dbsession, agency, people, clock, state):
    draft = make_draft(dbsession, agency, state=state, opens_at=NOW - timedelta(days=40),
                       closes_at=NOW - timedelta(days=5))
    comment = make_comment(dbsession, draft, people["other"], body="نظری که پیش از پایان فرستاده شد")
    app = signed_in(testapp, "citizen@example.org")
    page = app.get(f"/consultations/{draft.id}/")
    assert "نظری که پیش از پایان فرستاده شد" in page.text  # nothing sent before the end is lost
    assert not any(f.action.endswith(("/comments/add", "/votes/", "/support")) for f in page.forms.values())
    token = app.get_csrf_token("/me/edit")
    for path, data in [("comments/add", {"body": "یک نظر دیر رسیده است", "__formid__": "comment", "send": "send"}),
                       ("votes/", {"choice": "support"}),
                       (f"comments/{comment.id}/support", {})]:
        page = app.post(f"/consultations/{draft.id}/{path}", {"csrf_token": token, **data}, status=403)
        assert "This consultation is closed: comments, votes and survey answers are no longer accepted." in page.text


def test_participation_waits_for_the_opening(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW + timedelta(days=2),
                       closes_at=NOW + timedelta(days=40))
    app = signed_in(testapp, "citizen@example.org")
    page = app.get(f"/consultations/{draft.id}/comments/add", status=403)
    assert "This consultation opens on" in page.text


def test_supporting_once_not_ones_own(testapp, dbsession, draft, people, clock):
    comment = make_comment(dbsession, draft, people["other"])
    own = make_comment(dbsession, draft, people["citizen"], body="نظر خودم درباره این پیش‌نویس")
    app = signed_in(testapp, "citizen@example.org")
    token = app.get_csrf_token("/me/edit")
    app.post(f"/consultations/{draft.id}/comments/{comment.id}/support", {"csrf_token": token}, status=303)
    page = app.post(f"/consultations/{draft.id}/comments/{comment.id}/support", {"csrf_token": token}, status=400)
    assert "You already support this comment." in page.text
    page = app.post(f"/consultations/{draft.id}/comments/{own.id}/support", {"csrf_token": token}, status=400)
    assert "You cannot support your own comment." in page.text
    dbsession.refresh(comment)
    assert comment.support_count == 1
    assert "You support this comment" in app.get(f"/consultations/{draft.id}/").text


def test_authors_edit_and_withdraw_their_own_comments_only(testapp, dbsession, draft, people, clock):
    comment = make_comment(dbsession, draft, people["citizen"], body="نخستین نگارش این نظر")
    signed_in(testapp, "other@example.org").get(f"/consultations/{draft.id}/comments/{comment.id}/edit", status=403)
    app = signed_in(testapp, "citizen@example.org")
    clock.advance(minutes=5)
    form = app.get(f"/consultations/{draft.id}/comments/{comment.id}/edit").forms["comment"]
    form["body"] = "نگارش دوم این نظر، روشن‌تر"
    form.submit("save", status=303)
    assert [r.body for r in comment.revisions] == ["نخستین نگارش این نظر"]
    page = app.get(f"/consultations/{draft.id}/comments/{comment.id}")
    assert "Earlier wordings" in page.text and "نخستین نگارش این نظر" in page.text
    app.post(f"/consultations/{draft.id}/comments/{comment.id}/withdraw",
             {"csrf_token": app.get_csrf_token("/me/edit")}, status=303)
    assert comment.state == CommentState.withdrawn
    assert "نگارش دوم این نظر" not in app.get(f"/consultations/{draft.id}/").text


def test_a_withdrawn_comment_is_shown_only_to_its_author_the_agency_and_auditors(testapp, dbsession, draft, people):
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    comment = make_comment(dbsession, draft, people["citizen"], body="نظری که نویسنده‌اش پس می‌گیرد")
    author = signed_in(testapp, "citizen@example.org")
    author.post(f"/consultations/{draft.id}/comments/{comment.id}/withdraw",
                {"csrf_token": author.get_csrf_token("/me/edit")}, status=303)
    path = f"/consultations/{draft.id}/comments/{comment.id}"
    for who in ("citizen@example.org", "editor@example.org", "auditor@example.org"):
        page = signed_in(testapp, who).get(path)
        assert "نظری که نویسنده‌اش پس می‌گیرد" in page.text and "Withdrawn by its author on" in page.text
    for who in ("other@example.org", "other.editor@example.org", None):
        if who is None:
            testapp.reset()
            page = testapp.get(path, {"_LOCALE_": "en"})
        else:
            page = signed_in(testapp, who).get(path)
        assert "This comment was withdrawn by its author." in page.text
        assert "نظری که نویسنده‌اش پس می‌گیرد" not in page.text and "Maryam" not in page.text


def test_moderators_hide_with_a_reason_and_restore(testapp, dbsession, draft, people, clock):
    comment = make_comment(dbsession, draft, people["other"], body="متنی توهین‌آمیز درباره دیگران")
    app = signed_in(testapp, "citizen@example.org")
    form = app.get(f"/consultations/{draft.id}/comments/{comment.id}/report").forms["report"]
    form["reason"] = "توهین به دیگران"
    form.submit("report", status=303)
    app.get(f"/consultations/{draft.id}/comments/{comment.id}/hide", status=403)  # a citizen cannot hide
    signed_in(testapp, "other.editor@example.org").get(f"/consultations/{draft.id}/comments/{comment.id}/hide",
                                                        status=403)

    app = signed_in(testapp, "editor@example.org")
    assert "Reported 1 times" in app.get(f"/consultations/{draft.id}/").text
    page = app.get(f"/consultations/{draft.id}/comments/{comment.id}/hide")
    reports = page.html.select_one(".reports")  # what was reported, not by whom
    assert "Reports from participants: 1" in reports.text and "توهین به دیگران" in reports.text
    assert "Maryam" not in reports.text
    form = page.forms["hide"]
    form["reason"] = "xx"
    page = form.submit("hide", status=400)
    assert "Required" in page.text and "Enter at least 5 characters." in page.text
    form = page.forms["hide"]
    form["category"] = "abuse"
    form["reason"] = "Insults another participant"
    form.submit("hide", status=303)
    page = signed_in(testapp, "other@example.org").get(f"/consultations/{draft.id}/")
    assert "Hidden by the moderators: Insults another participant" in page.text
    assert "متنی توهین‌آمیز" not in page.text

    app = signed_in(testapp, "editor@example.org")
    app.post(f"/consultations/{draft.id}/comments/{comment.id}/restore",
             {"csrf_token": app.get_csrf_token("/me/edit")}, status=303)
    assert comment.state == CommentState.visible
    acts = dbsession.scalars(sa.select(ModerationAct.action).order_by(ModerationAct.id)).all()
    assert acts == ["hide", "restore"]
    assert dbsession.get(Comment, comment.id) is not None  # nothing is ever deleted


def test_submissions_are_rate_limited(testapp, dbsession, draft, people, clock):
    for n in range(10):
        make_comment(dbsession, draft, people["citizen"], body=f"نظر شماره {n} درباره متن", created_at=NOW)
    clock.advance(minutes=1)
    app = signed_in(testapp, "citizen@example.org")
    form = app.get(f"/consultations/{draft.id}/comments/add").forms["comment"]
    form["body"] = "یک نظر دیگر درباره متن"
    page = form.submit("send", status=429)
    assert "You have sent 10 comments in the last 10 minutes; please wait a little." in page.text
    assert page.forms["comment"]["body"].value == "یک نظر دیگر درباره متن"
    clock.advance(minutes=10)
    page.forms["comment"].submit("send", status=303)


def test_the_same_text_twice_is_refused_and_many_make_a_campaign(testapp, dbsession, draft, people, clock):
    text = "این بند باید حذف شود زیرا به ضرر کسب‌وکارهاست"
    for n in range(3):
        make_comment(dbsession, draft, make_user(dbsession), body=text)
    make_comment(dbsession, draft, people["citizen"], body=text)
    app = signed_in(testapp, "citizen@example.org")
    form = app.get(f"/consultations/{draft.id}/comments/add").forms["comment"]
    form["body"] = "اين بند بايد حذف شود زيرا به ضرر کسب‌وکارهاست"  # Arabic yeh: the same text
    page = form.submit("send", status=400)
    assert "You have already sent this comment on this draft." in page.text
    page = app.get(f"/consultations/{draft.id}/")
    assert page.text.count("Same text as many others") == 4


def test_voting_changing_and_the_tally(testapp, dbsession, draft, people, clock):
    app = signed_in(testapp, "citizen@example.org")
    form = vote_form(app.get(f"/consultations/{draft.id}/"))
    form["choice"] = "oppose"
    page = form.submit(status=303).follow()
    assert "Your vote is counted: I oppose this draft." in page.text
    form = vote_form(page)
    assert form["choice"].value == "oppose"
    form["choice"] = "support"
    form.submit(status=303)
    app = signed_in(testapp, "other@example.org")
    app.post(f"/consultations/{draft.id}/votes/", {"csrf_token": app.get_csrf_token("/me/edit"), "choice": "support"},
             status=303)
    assert app.get(f"/consultations/{draft.id}/votes/").json == {
        "tally": {"support": 2, "oppose": 0, "abstain": 0}, "mine": "support"}
    testapp.reset()
    assert testapp.get(f"/consultations/{draft.id}/votes/").json == {
        "tally": {"support": 2, "oppose": 0, "abstain": 0}, "mine": None}
    app = signed_in(testapp, "other@example.org")
    page = app.get(f"/consultations/{draft.id}/")
    assert vote_form(page)["choice"].value == "support"
    assert [count.text for count in page.html.select("#vote strong")] == ["2", "0", "0"]
    assert dbsession.scalar(sa.select(sa.func.count(Vote.id))) == 2
    page = app.post(f"/consultations/{draft.id}/votes/", {"csrf_token": app.get_csrf_token("/me/edit"),
                                                          "choice": "maybe"}, status=400)
    assert "Choose support, oppose or abstain." in page.text


def test_comments_are_paged_filtered_and_sorted(testapp, dbsession, draft, people, clock):
    article = draft.consulted_articles[0]
    for n in range(25):
        make_comment(dbsession, draft, people["other"], body=f"نظر شماره {n:02d} درباره متن",
                     created_at=NOW - timedelta(minutes=n), article=article if n % 5 == 0 else None)
    popular = make_comment(dbsession, draft, people["citizen"], body="نظر پرطرفدار درباره متن",
                           created_at=NOW - timedelta(days=1), support_count=7)
    page = testapp.get(f"/consultations/{draft.id}/")
    ids = [a["id"] for a in page.html.select("article.comment")]
    assert len(ids) == 20
    page = testapp.get(page.html.find("a", rel="next")["href"])
    assert len(page.html.select("article.comment")) == 6
    page = testapp.get(f"/consultations/{draft.id}/", {"article": article.number})
    assert len(page.html.select("article.comment")) == 5
    page = testapp.get(f"/consultations/{draft.id}/", {"sort": "supported"})
    assert page.html.select("article.comment")[0]["id"] == f"comment-{popular.id}"


def test_the_draft_page_sends_a_bounded_number_of_statements(testapp, dbsession, draft, people, clock,
                                                              query_counter):
    def count():
        testapp.app_dbsession.expire_all()
        with query_counter() as counted:
            testapp.get(f"/consultations/{draft.id}/")
        return counted.count

    def add_comments(first, last):
        dbsession.execute(sa.insert(Comment), [
            {"draft_id": draft.id, "author_id": authors[n % 10].id, "body": f"نظر {n}", "fingerprint": f"{n:064d}",
             "created_at": NOW - timedelta(seconds=n), "updated_at": NOW, "state": CommentState.visible,
             "support_count": 0, "anonymous": False}
            for n in range(first, last)
        ])

    signed_in(testapp, "citizen@example.org")
    authors = [make_user(dbsession) for _ in range(10)]
    without = count()
    add_comments(0, 10)
    with_ten = count()
    add_comments(10, 1000)
    assert without <= with_ten <= without + 2  # the user's supports and the campaigns, asked once per page
    assert count() == with_ten


def test_an_anonymous_visitor_of_a_draft_gets_no_session_cookie(testapp, dbsession, draft, people, clock):
    make_comment(dbsession, draft, people["other"], body="نظری درباره این پیش‌نویس")
    page = testapp.get(f"/consultations/{draft.id}/")
    assert "نظری درباره این پیش‌نویس" in page.text
    assert page.headers.getall("Set-Cookie") == []
    assert "session" not in testapp.cookies


def test_a_flashed_message_is_shown_once_then_the_cookie_is_left_alone(testapp, dbsession, draft, people, clock):
    app = signed_in(testapp, "citizen@example.org")
    form = comment_form_of(app.get(f"/consultations/{draft.id}/"))
    form["body"] = "این پیش‌نویس به مهلت بیشتری نیاز دارد."
    page = form.submit("send", status=303).follow()
    assert page.text.count("Your comment is published.") == 1
    assert page.headers.getall("Set-Cookie")  # the message was taken off the session
    again = app.get(f"/consultations/{draft.id}/")
    assert "Your comment is published." not in again.text
    assert again.headers.getall("Set-Cookie") == []  # nothing flashed, nothing rewritten


@pytest.mark.parametrize("sort", ["newest", "supported"])
def test_following_the_next_links_lists_every_comment_once_in_order(testapp, dbsession, draft, people, clock, sort):
    # Ties on the sort key (same moment, same support) are broken by the id, across page boundaries too.
    expected = [
        make_comment(dbsession, draft, people["other"], body=f"نظر شماره {n:02d} درباره متن",
                     created_at=NOW - timedelta(minutes=n // 3), support_count=n % 4)
        for n in range(45)
    ]
    key = (lambda c: (c.support_count, c.id)) if sort == "supported" else (lambda c: (c.created_at, c.id))
    expected = [f"comment-{c.id}" for c in sorted(expected, key=key, reverse=True)]
    seen, page = [], testapp.get(f"/consultations/{draft.id}/", {"sort": sort})
    while True:
        seen += [a["id"] for a in page.html.select("article.comment")]
        more = page.html.find("a", rel="next")
        if more is None:
            break
        page = testapp.get(more["href"])
    assert seen == expected
