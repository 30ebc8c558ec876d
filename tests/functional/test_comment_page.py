"""A comment's own page (consultations/<id>/comments/<n>): the agency's response to it shows there too, to
whoever may read responses — the agency and auditors from the closing, everyone once the outcome is published —
with its every wording for those who may see the response's history."""

from ..factories import make_final_report
from .test_responses import agency, comments, draft, people, respond  # noqa: F401 (fixtures)


def response_part(page):
    return page.html.select_one(".response")


def test_the_response_shows_on_the_comment_page_once_readers_may_see_it(en, dbsession, draft, comments, people):
    path = f"/consultations/{draft.id}/comments/{comments[0].id}"
    en.login("editor@example.org")
    respond(en, draft, [comments[0].id], "partially_accepted", "Part of the proposal is taken up",
            "Civil Service Management Act", "Article 90")
    page = en.get(path)
    response = response_part(page)
    assert "The agency's response: Partially accepted" in response.text
    assert "Part of the proposal is taken up" in response.text
    assert "Legal basis: Civil Service Management Act – Article 90" in response.text
    history = response.find("a", string="Every wording of this response")
    assert en.get(history["href"]).status_int == 200
    en.logout()

    for who in ("citizen@example.org", "other.editor@example.org", None):  # closed: not yet public
        if who:
            en.login(who)
        assert response_part(en.get(path)) is None
        if who:
            en.logout()
    en.login("auditor@example.org")
    assert "Part of the proposal is taken up" in response_part(en.get(path)).text
    en.logout()

    en.login("editor@example.org")
    respond(en, draft, [comments[1].id, comments[2].id], "noted", "Noted for the next revision")
    en.logout()
    make_final_report(dbsession, draft)
    en.login("coordinator@example.org")
    en.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    en.logout()
    response = response_part(en.get(path))  # published: everyone reads it, without the history
    assert "Part of the proposal is taken up" in response.text
    assert response.find("a", string="Every wording of this response") is None


def test_a_comment_without_a_response_says_nothing_of_one(en, draft, comments, people):
    en.login("editor@example.org")
    page = en.get(f"/consultations/{draft.id}/comments/{comments[0].id}")
    assert response_part(page) is None and "ماده سه مبهم است" in page.text


def test_an_article_and_the_comments_have_addresses_that_lead_to_them(testapp, dbsession, agency, people):
    from datetime import timedelta

    from ..conftest import NOW
    from ..factories import make_draft

    open_draft = make_draft(dbsession, agency, state="consultation", articles=3, opens_at=NOW - timedelta(days=1),
                            closes_at=NOW + timedelta(days=29))
    base = f"http://example.com/consultations/{open_draft.id}/"
    page = testapp.get(f"/consultations/{open_draft.id}/articles/2/", status=303)
    assert page.location == f"{base}?article=2#article-2"
    assert 'id="article-2"' in page.follow().text
    assert testapp.get(f"/consultations/{open_draft.id}/comments/", status=303).location == f"{base}#comments"
    testapp.get(f"/consultations/{open_draft.id}/articles/9/", status=404)

    being_written = make_draft(dbsession, agency, state="draft", articles=2)
    # A draft not yet opened does not exist for outsiders, nor do its articles.
    testapp.get(f"/consultations/{being_written.id}/articles/1/", status=404)
    testapp.get(f"/consultations/{being_written.id}/comments/", status=404)
    testapp.login("citizen@example.org")
    testapp.get(f"/consultations/{being_written.id}/articles/1/", status=404)
    testapp.logout()
    testapp.login("editor@example.org")
    assert testapp.get(f"/consultations/{being_written.id}/articles/1/", status=303).location \
        == f"http://example.com/consultations/{being_written.id}/#article-1"
