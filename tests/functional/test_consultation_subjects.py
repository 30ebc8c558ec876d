"""Consultations on a service, a process or an action (the same life as a draft document's, with sections its
editors define or none, and any length), the listing, feeds and API filtered by subject, and a draft's
supporting documents (memorandum, impact assessment, table of provisions) with the guard that can require them."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from webtest import Upload

from eparticipation.audit.models import AuditEntry
from eparticipation.consultations.models import Draft, State, Subject, SupportingKind
from eparticipation.participation.models import Comment

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_final_report, make_user

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def people(dbsession, agency):
    other = make_agency(dbsession, code="customs")
    return {
        "editor": make_user(dbsession, email="editor@example.org", display_name="Editor", grants=[("editor", agency)]),
        "coordinator": make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)]),
        "other_editor": make_user(dbsession, email="other.editor@example.org", grants=[("editor", other)]),
        "citizen": make_user(dbsession, email="citizen@example.org", display_name="Maryam"),
    }


def as_user(app, who, language="en"):
    app.reset()
    app.get(f"/?_LOCALE_={language}")
    if who != "anonymous":
        app.login(f"{who.replace('_', '.')}@example.org")
    return app


def new_consultation(app, agency, subject, document_type=None, status=303):
    form = app.get("/agencies/tax/new-draft").forms["draft"]
    form["subject"] = subject
    if document_type:
        form["document_type"] = document_type
    else:
        form["document_type"].force_value("")
    form["drafting_unit_id"] = str(agency.units[0].id)
    form.set("title", "نظرخواهی درباره سامانه مؤدیان", index=0)
    form.set("summary", "خلاصه", index=0)
    form.set("call", "فراخوان", index=0)
    form.set("title", "The taxpayers' portal", index=1)
    form.set("summary", "Summary", index=1)
    form.set("call", "Call", index=1)
    return form.submit("add", status=status)


def open_for(app, draft, days, status=303):
    form = app.get(f"/consultations/{draft.id}/open").forms["transition"]
    form["start"] = "2026-11-27"
    form["end"] = (NOW.date() + timedelta(days=days - 1)).isoformat()
    return form.submit("confirm", status=status)


def finalise_report(dbsession, draft):
    """The report the close asked for, finalised by its editors (the publish step waits for it)."""
    from eparticipation.reports.models import Report

    asked = dbsession.scalar(sa.select(Report).where(Report.draft_id == draft.id))
    if asked is not None:
        dbsession.delete(asked)
        dbsession.flush()
    return make_final_report(dbsession, draft)


def test_a_service_consultation_lives_from_draft_to_published(testapp, dbsession, agency, people, clock):
    app = as_user(testapp, "editor")
    page = new_consultation(app, agency, "service").follow()
    draft = dbsession.scalar(sa.select(Draft))
    assert draft.subject == Subject.service and draft.document_type is None
    assert "Add the sections people may comment on one by one" in page.text
    assert page.html.select_one("header .badge").find_next_sibling(string=True).strip() == "Service"
    assert "No sections: comments are on the whole." in page.text
    assert "Import the text" not in page.text  # a document's importer; a service has sections

    form = app.get(f"/consultations/{draft.id}/articles/add").forms["article"]
    assert page.html.find("a", string="New section")
    form["heading"] = "صدور صورتحساب"
    form["text"] = "صدور صورتحساب در کارپوشه"
    page = form.submit("add", status=303).follow()
    assert "The section is added." in page.text and "Section 1" in page.text

    app = as_user(testapp, "coordinator")
    page = app.get(f"/consultations/{draft.id}/open")
    assert page.forms["transition"]["end"].value == "2026-12-26"  # offered: 30 days, the default
    open_for(app, draft, 10)
    assert draft.state == State.consultation and draft.last_day().isoformat() == "2026-12-06"

    app = as_user(testapp, "citizen")
    page = app.get(f"/consultations/{draft.id}/")
    assert "Your comment on the whole consultation" in page.text and "Your comment on section 1" in page.text
    form = next(f for f in page.forms.values() if f.action.endswith("/comments/add") and f["article"].value == "")
    form["body"] = "این سامانه روی گوشی به سختی کار می‌کند."
    form.submit("send", status=303)
    comment = dbsession.scalar(sa.select(Comment))
    assert comment.article_id is None

    clock.advance(days=11)
    app = as_user(testapp, "editor")
    page = app.get(f"/consultations/{draft.id}/responses/")
    assert draft.state == State.closed
    assert "The whole consultation" in page.text
    token = page.forms["respond"]["csrf_token"].value
    app.post(f"/consultations/{draft.id}/responses/", [
        ("csrf_token", token), ("comment", str(comment.id)), ("decision", "accepted"),
        ("reason", "نسخه تلفن همراه ساخته می‌شود"), ("legal_basis_law", ""), ("legal_basis_article", ""),
        ("respond", "respond")], status=303)

    finalise_report(dbsession, draft)
    app = as_user(testapp, "coordinator")
    app.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    assert draft.state == State.published
    page = as_user(testapp, "anonymous").get(f"/consultations/{draft.id}/outcome")
    assert "نسخه تلفن همراه ساخته می‌شود" in page.text and "Service" in page.text
    actions = dbsession.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("draft.%"))).all()
    assert "draft.create" in actions


def test_a_document_still_needs_thirty_days_and_its_type(testapp, dbsession, agency, people, clock):
    app = as_user(testapp, "editor")
    page = new_consultation(app, agency, "document", status=400)
    assert "Choose the type of document." in page.text
    assert page.forms["draft"]["subject"].value == "document"  # what was chosen is kept
    new_consultation(app, agency, "document", "bylaw", status=303)
    assert dbsession.scalar(sa.select(Draft)).document_type.value == "bylaw"
    draft = make_draft(dbsession, agency)
    page = open_for(as_user(testapp, "coordinator"), draft, 10, status=400)
    assert "The consultation must last at least 30 days" in page.text
    assert draft.state == State.draft


@pytest.mark.parametrize("subject", ["process", "action"])
def test_a_process_or_an_action_opens_for_a_day_without_sections(testapp, dbsession, agency, people, clock, subject):
    draft = make_draft(dbsession, agency, subject=subject, articles=0)
    page = open_for(as_user(testapp, "coordinator"), draft, 1).follow()
    assert draft.state == State.consultation and draft.consulted_articles == []
    assert {"process": "Process", "action": "Action"}[subject] in page.html.select_one("article.draft header").text


def test_a_non_document_has_no_type_in_the_database(dbsession, agency):
    from eparticipation.consultations.models import DocumentType

    draft = make_draft(dbsession, agency, subject="service")
    draft.document_type = DocumentType.bylaw
    with pytest.raises(sa.exc.IntegrityError):
        dbsession.flush()
    dbsession.rollback()


@pytest.mark.parametrize("who, status", [("anonymous", 403), ("citizen", 403), ("other_editor", 403)])
def test_only_the_agencys_editors_create_a_consultation(testapp, dbsession, agency, people, who, status):
    app = as_user(testapp, who)
    app.get("/agencies/tax/new-draft", status=status)
    token = app.get_csrf_token("/me/edit") if who != "anonymous" else ""
    app.post("/agencies/tax/new-draft", {"csrf_token": token, "subject": "service", "add": "add"}, status=status)
    assert dbsession.scalar(sa.select(sa.func.count(Draft.id))) == 0


def test_a_service_in_persian_says_what_it_is(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency, subject="service", state="consultation", articles=2,
                       opens_at=NOW - timedelta(days=1))
    page = as_user(testapp, "anonymous", "fa").get(f"/consultations/{draft.id}/")
    assert "خدمت" in page.html.select_one("article.draft header").text
    assert "بخش ۱" in page.text and "ماده ۱" not in page.text
    listing = testapp.get("/consultations/?subject=service")
    assert "خدمت" in listing.html.select_one("ol.drafts").text


def test_listing_feeds_and_api_filter_by_subject(testapp, dbsession, agency, people, clock):
    service = make_draft(dbsession, agency, subject="service", state="consultation", title_en="E-invoice portal",
                         opens_at=NOW - timedelta(days=1))
    make_draft(dbsession, agency, state="consultation", title_en="A bylaw", opens_at=NOW - timedelta(days=1))
    app = as_user(testapp, "anonymous")
    page = app.get("/consultations/?subject=service")
    assert "E-invoice portal" in page.text and "A bylaw" not in page.text
    assert page.html.find("select", id="filter-subject").find("option", selected=True)["value"] == "service"
    page = app.get("/consultations/?subject=document")
    assert "A bylaw" in page.text and "E-invoice portal" not in page.text
    page = app.get("/consultations/?type=bylaw")
    assert "E-invoice portal" not in page.text  # a service has no document type

    feed = app.get("/feeds/opened.atom?subject=service&lang=en")
    assert "E-invoice portal" in feed.text and "A bylaw" not in feed.text
    assert 'term="service"' in feed.text and "?subject=service" in feed.text

    answer = app.get("/api/v1/consultations?subject=service").json
    assert [row["attributes"]["subject"] for row in answer["data"]] == ["service"]
    assert answer["data"][0]["attributes"]["documentType"] is None
    every = app.get("/api/v1/consultations").json
    assert sorted(row["attributes"]["subject"] for row in every["data"]) == ["document", "service"]
    assert app.get("/api/v1/consultations?subject=bill", status=400).json["errors"][0]["source"]["parameter"] == "subject"
    assert service.id


def test_subscriptions_by_document_type_skip_other_subjects(dbsession, agency):
    from eparticipation.subscriptions.services import targets_of

    service = make_draft(dbsession, agency, subject="service")
    bylaw = make_draft(dbsession, agency)
    assert targets_of(service) == ["site", f"agency:{agency.id}"]
    assert targets_of(bylaw)[-1] == "type:bylaw"


# --- supporting documents -----------------------------------------------------------------------------


@pytest.fixture
def required_documents(app):
    settings = app.registry.settings
    before = settings["eparticipation.consultations.required_supporting_documents"]
    settings["eparticipation.consultations.required_supporting_documents"] = ["memorandum", "impact_assessment"]
    yield
    settings["eparticipation.consultations.required_supporting_documents"] = before


def supporting_form(app, draft, kind):
    return app.get(f"/consultations/{draft.id}/supporting-edit?kind={kind}").forms["supporting"]


def test_supporting_documents_are_written_uploaded_and_shown_with_the_call(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency)
    app = as_user(testapp, "editor")
    page = app.get(f"/consultations/{draft.id}/supporting")
    assert "Explanatory memorandum" in page.text and "Not yet given." in page.text
    form = supporting_form(app, draft, "memorandum")
    form["title_fa"] = "گزارش توجیهی"
    form["title_en"] = "Why this bylaw"
    form["text"] = "دلایل تدوین این آیین‌نامه"
    form.submit("save", status=303)
    form = supporting_form(app, draft, "provisions_table")
    form["upload"] = Upload("table.pdf", PDF_BYTES)
    form.submit("save", status=303)
    documents = {d.kind: d for d in draft.supporting_documents}
    assert documents[SupportingKind.memorandum].text == "دلایل تدوین این آیین‌نامه"
    assert documents[SupportingKind.provisions_table].file_type == "application/pdf"

    draft.state, draft.opens_at, draft.closes_at = State.consultation, NOW - timedelta(days=1), NOW + timedelta(days=30)
    dbsession.flush()
    page = as_user(testapp, "anonymous").get(f"/consultations/{draft.id}/")
    section = page.html.find(id="supporting-documents").parent
    assert "Explanatory memorandum: Why this bylaw" in section.text and "دلایل تدوین این آیین‌نامه" in section.text
    link = page.html.find(id="supporting-provisions_table").find("a")["href"]
    response = testapp.get(link)
    assert response.body == PDF_BYTES
    assert response.headers["Content-Disposition"] == f'attachment; filename="draft-{draft.id}-provisions_table.pdf"'
    audit = dbsession.scalars(sa.select(AuditEntry.action).where(AuditEntry.action == "draft.supporting")).all()
    assert len(audit) == 2


@pytest.mark.parametrize("language, message", [
    ("en", "Only PDF and Word (.docx) documents can be attached; this file is neither."),
    ("fa", "فقط"),
])
def test_bad_supporting_files_are_refused_and_the_text_kept(testapp, dbsession, agency, people, language, message):
    draft = make_draft(dbsession, agency)
    app = as_user(testapp, "editor", language)
    form = supporting_form(app, draft, "impact_assessment")
    form["title_en"] = "Impact"
    form["upload"] = Upload("impact.pdf", b"MZ\x90\x00 not a pdf")
    page = form.submit("save", status=400)
    assert message in page.html.select_one("form#supporting").text
    assert page.forms["supporting"]["title_en"].value == "Impact"
    form = page.forms["supporting"]
    page = form.submit("save", status=400)  # neither text nor file
    assert draft.supporting_documents == []


def test_the_guard_says_which_supporting_documents_are_missing(testapp, dbsession, agency, people, clock,
                                                              required_documents):
    draft = make_draft(dbsession, agency)
    app = as_user(testapp, "coordinator")
    page = open_for(app, draft, 30, status=400)
    assert ("Before it opens, the draft needs its supporting documents: Explanatory memorandum, "
            "Regulatory impact assessment.") in page.text
    page = as_user(testapp, "coordinator", "fa").get(f"/consultations/{draft.id}/open")
    assert "گزارش توجیهی، ارزیابی آثار مقررات" in page.text

    app = as_user(testapp, "editor")
    for kind in ("memorandum", "impact_assessment"):
        form = supporting_form(app, draft, kind)
        form["text"] = "متن"
        form.submit("save", status=303)
    open_for(as_user(testapp, "coordinator"), draft, 30)
    assert draft.state == State.consultation


def test_a_service_is_not_held_by_the_documents_a_regulation_needs(testapp, dbsession, agency, people, clock,
                                                                   required_documents):
    draft = make_draft(dbsession, agency, subject="service", articles=0)
    open_for(as_user(testapp, "coordinator"), draft, 5)
    assert draft.state == State.consultation


@pytest.mark.parametrize("state", ["draft", "consultation"])
@pytest.mark.parametrize("who", ["anonymous", "citizen", "other_editor"])
def test_only_the_agencys_editors_manage_supporting_documents(testapp, dbsession, agency, people, who, state):
    """Before opening the draft does not exist for them (404); once open, it is no longer edited (403)."""
    draft = make_draft(dbsession, agency, state=state)
    status = 404 if state == "draft" else 403
    app = as_user(testapp, who)
    token = app.get_csrf_token("/me/edit") if who != "anonymous" else ""
    for path in ("supporting", "supporting-edit?kind=memorandum"):
        app.get(f"/consultations/{draft.id}/{path}", status=status)
    app.post(f"/consultations/{draft.id}/supporting-edit?kind=memorandum", {"csrf_token": token, "text": "x"},
             status=status)
    app.post(f"/consultations/{draft.id}/supporting-delete?kind=memorandum", {"csrf_token": token}, status=status)
    assert draft.supporting_documents == []


def test_a_supporting_document_is_removed_with_a_csrf_token_only(testapp, dbsession, agency, people):
    draft = make_draft(dbsession, agency)
    app = as_user(testapp, "editor")
    form = supporting_form(app, draft, "memorandum")
    form["text"] = "متن"
    form.submit("save", status=303)
    app.post(f"/consultations/{draft.id}/supporting-delete?kind=memorandum", {}, status=400)
    page = app.get(f"/consultations/{draft.id}/supporting")
    delete = next(f for f in page.forms.values() if "supporting-delete" in f.action)
    delete.submit(status=303)
    assert draft.supporting_documents == []
