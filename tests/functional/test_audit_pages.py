"""/audit/: auditors browse and export the log and every draft's response history, and change nothing."""

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eparticipation.audit.chain import append
from eparticipation.audit.models import AuditEntry
from eparticipation.consultations.models import State
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_user


@pytest.fixture
def world(dbsession):
    start = dbsession.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEntry.seq), 0)))
    tax, customs = make_agency(dbsession, code="tax"), make_agency(dbsession, code="customs")
    editor = make_user(dbsession, email="editor@example.org", display_name="Tax Editor", grants=[("editor", tax)])
    other = make_user(dbsession, email="customs.editor@example.org", grants=[("editor", customs)])
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    citizen = make_user(dbsession, email="citizen@example.org")
    draft = make_draft(dbsession, tax, state="closed", opens_at=NOW - timedelta(days=40),
                       closes_at=NOW - timedelta(days=5))
    customs_draft = make_draft(dbsession, customs, state="closed", opens_at=NOW - timedelta(days=40),
                               closes_at=NOW - timedelta(days=5))
    comment = make_comment(dbsession, draft, citizen, body="نظری درباره مالیات")
    response = Response(draft_id=draft.id, created_by_id=editor.id, created_at=NOW - timedelta(days=3))
    response.covered = [ResponseComment(comment_id=comment.id)]
    response.revisions = [
        ResponseRevision(number=1, decision=Decision.noted, reason="نخست", author_id=editor.id,
                         written_at=NOW - timedelta(days=3)),
        ResponseRevision(number=2, decision=Decision.rejected, reason="دوم", legal_basis_law="قانون مالیات‌ها",
                         legal_basis_article="ماده ۱۳۱", author_id=editor.id, written_at=NOW - timedelta(days=2)),
    ]
    dbsession.add(response)
    # Entries on three days (27 Nov 2026 is 6 Azar 1405), by two agencies' editors and the system.
    append(dbsession, at=NOW - timedelta(days=2), actor_id=editor.id, action="response.create",
           object_type="Response", object_id=1, agency_id=tax.id, draft_id=draft.id, after={"decision": "noted"})
    append(dbsession, at=NOW - timedelta(days=1), actor_id=other.id, action="comment.hide", object_type="Comment",
           object_id=9, agency_id=customs.id, draft_id=customs_draft.id, after={"reason": "تبلیغ"})
    append(dbsession, at=NOW, actor_id=None, action="draft.close", object_type="Draft", object_id=draft.id,
           agency_id=tax.id, draft_id=draft.id, before={"state": "consultation"}, after={"state": "closed"})
    dbsession.flush()
    return {"draft": draft, "customs_draft": customs_draft, "response": response, "comment": comment,
            "start": start}


def numbers(page, world):
    """The test's own entries on the page, as 1, 2, 3 (entries committed by other tests come before them)."""
    cells = [row.find("td").text for row in page.html.select("table tbody tr") if row.find("td").get("colspan") is None]
    return [str(int(cell) - world["start"]) for cell in cells if int(cell) > world["start"]]


def test_the_auditor_filters_the_log(en, world):
    en.login("auditor@example.org")
    page = en.get("/audit/")
    assert numbers(page, world) == ["3", "2", "1"]
    assert numbers(en.get("/audit/?agency=tax"), world) == ["3", "1"]
    assert numbers(en.get(f"/audit/?draft={world['customs_draft'].id}"), world) == ["2"]
    assert numbers(en.get("/audit/?actor=Editor@Example.org"), world) == ["1"]
    assert numbers(en.get("/audit/?action=draft.close"), world) == ["3"]
    # A period in the Jalali calendar (Persian digits) or the Gregorian one.
    assert numbers(en.get("/audit/", params={"start": "۱۴۰۵/۰۹/۰۴", "end": "۱۴۰۵/۰۹/۰۴"}), world) == ["1"]
    assert numbers(en.get("/audit/?start=2026-11-26"), world) == ["3", "2"]


def test_bad_filters_are_explained_and_kept(en, world):
    en.login("auditor@example.org")
    page = en.get("/audit/?start=yesterday&draft=abc&end=2026-11-01&action=drop", status=400)
    assert "Enter a date such as ۱۴۰۵/۰۹/۰۶ or 2026-11-27." in page.text
    assert "A draft is named by its number." in page.text
    assert "Choose an action from the list." in page.text
    assert page.html.find(id="f-start")["value"] == "yesterday"
    assert page.html.find(id="f-start")["aria-describedby"] == "error-start"
    page = en.get("/audit/?start=2026-11-20&end=2026-11-01", status=400)
    assert "The end of the period comes before its start." in page.text


def test_the_log_exports_as_csv(en, world):
    en.login("auditor@example.org")
    download = en.get("/audit/export.csv?agency=tax")
    assert download.content_type == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.body.decode("utf-8-sig"))))
    assert [int(row["seq"]) - world["start"] for row in rows] == [3, 1]
    assert rows[1]["actor_email"] == "editor@example.org" and rows[0]["actor_email"] == ""
    assert len(rows[0]["entry_hash"]) == 64


def test_a_drafts_response_history_with_every_revision(en, world):
    en.login("auditor@example.org")
    page = en.get(f"/audit/drafts/{world['draft'].id}/")
    cells = [[td.text.strip() for td in row.find_all("td")] for row in page.html.select("table tbody tr")]
    assert [(c[0], c[2], c[3], c[4]) for c in cells] == [("1", "Tax Editor", "Noted", "نخست"),
                                                         ("2", "Tax Editor", "Rejected", "دوم")]
    download = en.get(f"/audit/drafts/{world['draft'].id}/responses.csv")
    rows = list(csv.DictReader(io.StringIO(download.body.decode("utf-8-sig"))))
    assert [(r["revision"], r["decision"], r["legal_basis_law"]) for r in rows] == [
        ("1", "noted", ""), ("2", "rejected", "قانون مالیات‌ها")]
    assert rows[0]["comment_ids"] == str(world["comment"].id)


@pytest.mark.parametrize("who", [None, "citizen@example.org", "editor@example.org"])
@pytest.mark.parametrize("path", ["/audit/", "/audit/export.csv", "/audit/drafts/{draft}/",
                                  "/audit/drafts/{draft}/responses.csv"])
def test_only_auditors_see_the_audit_pages(testapp, world, who, path):
    if who:
        testapp.login(who)
    testapp.get(path.format(draft=world["draft"].id), status=403)


def test_auditors_change_nothing(testapp, dbsession, world):
    """Every kind of unsafe request an auditor could send is refused, though their account is signed in;
    only their own account's requests (sign-out) pass."""
    draft, comment = world["draft"], world["comment"]
    running = make_draft(dbsession, draft.agency, state="consultation", opens_at=NOW - timedelta(days=1),
                         closes_at=NOW + timedelta(days=29))
    running_comment = make_comment(dbsession, running, make_user(dbsession))
    user = make_user(dbsession)
    testapp.login("auditor@example.org")
    token = testapp.get_csrf_token("/me")
    base, live = f"/consultations/{draft.id}", f"/consultations/{running.id}"
    unsafe = [
        (f"{base}/responses/", {"comment": str(comment.id), "decision": "noted", "reason": "reason text"}),
        (f"{base}/responses/{world['response'].id}/", {"decision": "noted", "reason": "reason text"}),
        (f"{base}/publish", {"confirm": "confirm"}),
        (f"{base}/articles/1/edit", {"number": "1", "heading": "h", "text": "t", "save": "save"}),
        (f"{live}/comments/add", {"body": "یک نظر آزمایشی از بازرس"}),
        (f"{live}/votes/", {"choice": "support"}),
        (f"{live}/comments/{running_comment.id}/support", {}),
        (f"{live}/comments/{running_comment.id}/hide", {"category": "spam", "reason": "reason"}),
        (f"{live}/extend", {"end": "2027-01-30", "reason": "reason"}),
        (f"/admin/users/{user.id}", {"role": "editor", "grant": "grant"}),
        ("/agencies/add", {"code": "x", "name_fa": "x", "name_en": "x", "add": "add"}),
    ]
    for path, data in unsafe:
        testapp.post(path, {"csrf_token": token, **data}, status=403)
    assert dbsession.scalar(sa.select(sa.func.count(Response.id))) == 1
    assert running.state == State.consultation
    testapp.post("/logout", {"csrf_token": token}, status=303)


@pytest.mark.parametrize("language, last_before, closes, in_consultation, kind", [
    ("fa", "۲۸ آذر ۱۴۰۵", "۱۵ دی ۱۴۰۵", "در حال نظرخواهی", "نظرخواهی تمدید شد"),
    ("en", "19 December 2026", "5 January 2027", "In consultation", "Consultation extended"),
])
def test_the_log_speaks_an_auditors_language(testapp, dbsession, world, language, last_before, closes,
                                            in_consultation, kind):
    """Kinds of objects and fields in words, states and decisions by their names, moments in the page's calendar:
    no class names, no «None», no ISO timestamps."""
    draft = world["draft"]
    append(dbsession, at=NOW, actor_id=None, action="draft.extend", object_type="Draft", object_id=draft.id,
           agency_id=draft.agency_id, draft_id=draft.id, before={"closes_at_before": "2026-12-20T00:00:00+03:30"},
           after={"closes_at": "2027-01-06T00:00:00+03:30", "reason": None, "state": "consultation"})
    dbsession.flush()
    testapp.login("auditor@example.org")
    page = testapp.get(f"/audit/?draft={draft.id}&_LOCALE_={language}")
    rows = page.html.select("table tbody tr")
    text = " ".join(row.get_text(" ", strip=True) for row in rows)
    assert "None" not in text and "T00:00" not in text and "closes_at" not in text
    extended = rows[0]  # newest first
    fields = [(dt.get_text(), dd.get_text()) for dt in extended.select("dl.audit-fields dt")
              for dd in [dt.find_next_sibling("dd")]]
    assert (fields[0][1], fields[1][1]) == (last_before, closes)  # the last days, not the midnights after them
    assert fields[2][1] == "—"  # the reason not given
    assert fields[3][1] == in_consultation
    assert kind in extended.get_text(" ")
