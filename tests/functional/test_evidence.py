"""Evidence that participation changed decisions (UN EPI e-decision-making): the editors record which articles of
the final text an accepted response changed; the outcome and comparison pages show, per changed article, the
comments that caused it, and a participant reads "your comment changed article 3"."""

import pytest
import sqlalchemy as sa

from eparticipation.audit.models import AuditEntry
from eparticipation.consultations.models import State
from eparticipation.responses.models import Response, ResponseChange

from ..factories import make_draft, make_final_report
from .test_responses import agency, comments, draft, people, respond, signed_in  # noqa: F401 (fixtures)


def response_of(dbsession, comment_id):
    return dbsession.scalar(sa.select(Response).join(Response.covered).where(
        Response.covered.any(comment_id=comment_id)))


def changes_form(page):
    return next(form for form in page.forms.values() if form.action.endswith("/changes"))


def test_an_editor_records_what_an_accepted_response_changed_and_everyone_sees_it(en, dbsession, draft, comments,
                                                                               people):
    editor = signed_in(en, "editor@example.org")
    respond(editor, draft, [comments[0].id, comments[1].id], "accepted", "بند سه بازنویسی شد")
    respond(editor, draft, [comments[2].id], "noted", "ثبت شد")
    response = response_of(dbsession, comments[0].id)
    page = editor.get(f"/consultations/{draft.id}/responses/{response.id}")
    assert "No article of the final text is recorded as changed" in page.text
    form = changes_form(page)
    third = next(article for article in draft.articles if article.number == "3")
    form.set("article", True, index=[a.id for a in draft.articles].index(third.id))
    page = form.submit(status=303).follow()
    assert "Recorded: this response changed articles 3 of the final text." in page.text
    assert dbsession.scalars(sa.select(ResponseChange.article_id)).all() == [third.id]
    entry = dbsession.scalar(sa.select(AuditEntry).where(AuditEntry.action == "response.changes"))
    assert entry.after == {"articles": ["3"]} and entry.before == {"articles": []}
    editor.logout()

    make_final_report(dbsession, draft)
    coordinator = signed_in(en, "coordinator@example.org")
    coordinator.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    coordinator.logout()
    assert draft.state == State.published

    outcome = en.get(f"/consultations/{draft.id}/outcome")
    card = outcome.html.find(id=f"comment-{comments[1].id}")
    evidence = card.select_one(".evidence")
    assert "This comment changed the final text:" in evidence.get_text()
    assert evidence.a["href"].endswith(f"/consultations/{draft.id}/compare#article-3")
    assert outcome.html.find(id=f"comment-{comments[2].id}").select_one(".evidence") is None  # noted: no change

    author = signed_in(en, "citizen@example.org")
    mine = author.get(f"/consultations/{draft.id}/outcome?mine=1")
    assert "Your comment changed the final text:" in mine.html.find(id=f"comment-{comments[0].id}").get_text()
    author.logout()

    compare = en.get(f"/consultations/{draft.id}/compare")
    behind = compare.html.find(id="article-3").select_one(".evidence")
    assert [a["href"].rsplit("#", 1)[1] for a in behind.find_all("a")] == [
        f"comment-{comments[0].id}", f"comment-{comments[1].id}"]
    assert compare.html.find(id="article-1").select_one(".evidence") is None


def test_a_refusal_changes_no_article(en, dbsession, draft, comments, people):
    editor = signed_in(en, "editor@example.org")
    respond(editor, draft, [comments[2].id], "rejected", "خارج از موضوع", law="قانون", article="ماده ۱")
    response = response_of(dbsession, comments[2].id)
    page = editor.get(f"/consultations/{draft.id}/responses/{response.id}")
    assert not [form for form in page.forms.values() if form.action.endswith("/changes")]
    token = page.forms["revise"]["csrf_token"].value
    refused = editor.post(f"/consultations/{draft.id}/responses/{response.id}/changes",
                          {"csrf_token": token, "article": str(draft.articles[0].id)}, status=400)
    assert "Only an accepted or partially accepted response changes the final text." in refused.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ResponseChange)) == 0


def test_revising_into_a_refusal_forgets_the_changed_articles(en, dbsession, draft, comments, people):
    editor = signed_in(en, "editor@example.org")
    respond(editor, draft, [comments[0].id], "accepted", "پذیرفته شد")
    response = response_of(dbsession, comments[0].id)
    page = editor.get(f"/consultations/{draft.id}/responses/{response.id}")
    form = changes_form(page)
    form.set("article", True, index=0)
    form.submit(status=303)
    form = editor.get(f"/consultations/{draft.id}/responses/{response.id}").forms["revise"]
    form["decision"], form["reason"] = "rejected", "پس از بررسی پذیرفته نشد"
    form["legal_basis_law"], form["legal_basis_article"] = "قانون", "ماده ۲"
    form.submit("revise", status=303)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ResponseChange)) == 0
    entry = dbsession.scalar(sa.select(AuditEntry).where(AuditEntry.action == "response.revise"))
    assert entry.after["articles"] == []


@pytest.mark.parametrize("who, status", [(None, 403), ("citizen@example.org", 403), ("other.editor@example.org", 403),
                                         ("auditor@example.org", 403)])
def test_only_the_agencys_editors_record_changes(testapp, dbsession, draft, comments, people, who, status):
    editor = signed_in(testapp, "editor@example.org")
    respond(editor, draft, [comments[0].id], "accepted", "پذیرفته شد")
    response = response_of(dbsession, comments[0].id)
    token = editor.get(f"/consultations/{draft.id}/responses/{response.id}").forms["revise"]["csrf_token"].value
    editor.logout()
    if who:
        testapp.login(who)
    testapp.post(f"/consultations/{draft.id}/responses/{response.id}/changes",
                 {"csrf_token": token, "article": str(draft.articles[0].id)}, status=status)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ResponseChange)) == 0


@pytest.mark.parametrize("article", ["abc", "other-draft"])
def test_bad_articles_are_refused_with_a_reason(en, dbsession, draft, comments, people, agency, article):
    editor = signed_in(en, "editor@example.org")
    respond(editor, draft, [comments[0].id], "accepted", "پذیرفته شد")
    response = response_of(dbsession, comments[0].id)
    page = editor.get(f"/consultations/{draft.id}/responses/{response.id}")
    token = page.forms["revise"]["csrf_token"].value
    value = "abc" if article == "abc" else str(make_draft(dbsession, agency, articles=1).articles[0].id)
    refused = editor.post(f"/consultations/{draft.id}/responses/{response.id}/changes",
                          {"csrf_token": token, "article": value}, status=400)
    expected = "is not a number the site understands" if article == "abc" else "Choose articles of this draft's final text."
    assert expected in refused.html.get_text()
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ResponseChange)) == 0
