"""The original document and the .docx import: the type is told from the content, the size is limited,
and files are served as downloads."""

import io
from pathlib import Path

import docx
import pytest
from webtest import Upload

from ..factories import make_agency, make_draft, make_user

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def draft(dbsession):
    agency = make_agency(dbsession, code="tax")
    make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    return make_draft(dbsession, agency)


@pytest.fixture
def editor(en, draft):
    en.login("editor@example.org")
    return en


def docx_bytes(paragraphs):
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def attach(app, draft, filename, content, status):
    form = app.get(f"/consultations/{draft.id}/attach").forms["attach"]
    form["upload"] = Upload(filename, content)
    return form.submit("attach", status=status)


def test_a_pdf_is_attached_and_served_as_a_download(editor, draft):
    attach(editor, draft, "original.pdf", PDF_BYTES, 303)
    assert draft.original_file_type == "application/pdf" and draft.original_file_size == len(PDF_BYTES)
    response = editor.get(f"/consultations/{draft.id}/original")
    assert response.body == PDF_BYTES
    assert response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="draft-{draft.id}.pdf"'


def test_a_docx_is_accepted_as_the_original(editor, draft):
    attach(editor, draft, "original.docx", docx_bytes(["ماده ۱ – کلیات"]), 303)
    assert draft.original_file_type.endswith("wordprocessingml.document")


def test_a_file_renamed_to_pdf_is_refused(editor, draft):
    page = attach(editor, draft, "not-really.pdf", b"MZ\x90\x00 an executable", 400)
    assert "Only PDF and Word (.docx) documents can be attached; this file is neither." in page.text
    assert draft.original_file_key is None


def test_an_oversized_file_is_refused_with_its_limit(editor, draft, app):
    settings = app.registry.settings
    limit = settings["eparticipation.upload_max_bytes"]
    settings["eparticipation.upload_max_bytes"] = 1024 * 1024
    try:
        page = attach(editor, draft, "big.pdf", PDF_BYTES + b"0" * (1024 * 1024), 400)
    finally:
        settings["eparticipation.upload_max_bytes"] = limit
    assert "The file is larger than the limit of 1 MB." in page.text


def test_the_original_is_refused_to_those_who_cannot_see_the_draft(testapp, draft, editor):
    attach(editor, draft, "original.pdf", PDF_BYTES, 303)
    testapp.reset()
    testapp.get(f"/consultations/{draft.id}/original", status=404)  # an unopened draft does not exist for them


def test_importing_a_docx(editor, draft):
    text = (FIXTURES / "bylaw-certificates.fa.txt").read_text(encoding="utf-8")
    form = editor.get(f"/consultations/{draft.id}/import").forms["import"]
    form["upload"] = Upload("bylaw.docx", docx_bytes(text.splitlines()))
    page = form.submit("preview")
    assert "7 articles in 3 chapters, with 4 notes." in page.text
    page.forms[1].submit(status=303)
    assert len(draft.articles) == 7


def test_importing_something_that_is_not_a_docx(editor, draft):
    form = editor.get(f"/consultations/{draft.id}/import").forms["import"]
    form["upload"] = Upload("bylaw.docx", PDF_BYTES)
    page = form.submit("preview", status=400)
    assert "This file is not a Word (.docx) document." in page.text
    form = page.forms["import"]
    page = form.submit("preview", status=400)
    assert "Paste the text or choose a file." in page.text


def test_a_text_without_article_headings_becomes_one_article_per_paragraph(editor, draft):
    form = editor.get(f"/consultations/{draft.id}/import").forms["import"]
    form["text"] = (FIXTURES / "directive-eparticipation.fa.txt").read_text(encoding="utf-8")
    page = form.submit("preview")
    assert "No article headings were found: each paragraph becomes an article." in page.text
    page.forms[1].submit(status=303)
    assert len(draft.articles) == 5
