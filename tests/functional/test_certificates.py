"""Certificates of participation (I2): issued by the worker once a consultation is published, signed with the
key published at /certificates/keys, checked by their code (valid, revoked, unknown), downloaded by their holder
as a PDF (with its QR code and its credential attached) or an Open Badges 3.0 credential; a changed PDF or JSON
is refused; an agency's editor revokes one with a reason, in the audit log; a person asks for their year's."""

import base64
import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pypdf import PdfReader, PdfWriter
from sqlalchemy.orm import Session

from eparticipation.audit.models import AuditEntry
from eparticipation.certificates import pdf, services
from eparticipation.certificates.models import Certificate
from eparticipation.certificates.signing import unbase58
from eparticipation.consultations.models import State
from eparticipation.participation.models import Vote, VoteChoice
from eparticipation.responses.models import Decision

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_final_report, make_user
from .test_syndication import answer, transition


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def editor(dbsession, agency):
    return make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])


@pytest.fixture
def published(testapp, dbsession, agency, editor, clock):
    """A consultation published by its coordinator: Sara commented twice (one accepted) and voted; Reza once."""
    make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])
    draft = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                       closes_at=NOW - timedelta(days=5))
    sara = make_user(dbsession, email="sara@example.org", display_name="سارا", birth_year=1980)
    reza = make_user(dbsession, email="reza@example.org", display_name="Reza")
    comments = [make_comment(dbsession, draft, sara, body="نظر یک"), make_comment(dbsession, draft, sara, body="دو"),
                make_comment(dbsession, draft, reza, body="سه")]
    answer(dbsession, draft, editor, comments, [Decision.accepted, Decision.rejected, Decision.noted])
    dbsession.add(Vote(draft_id=draft.id, user_id=sara.id, choice=VoteChoice.support, cast_at=NOW, updated_at=NOW))
    make_final_report(dbsession, draft)
    testapp.login("coordinator@example.org")
    transition(testapp, draft, "publish")
    testapp.reset()
    assert draft.state == State.published
    return {"draft": draft, "sara": sara, "reza": reza}


def work(app, dbsession):
    """The worker's task on the test's connection (its commits are savepoints of the test's transaction)."""
    dbsession.flush()
    connection = dbsession.connection()
    original = app.registry["dbsession_factory"]
    app.registry["dbsession_factory"] = lambda: Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        return services.issue_due(app.registry)
    finally:
        app.registry["dbsession_factory"] = original


def certificate_of(dbsession, user) -> Certificate:
    dbsession.expire_all()
    return dbsession.scalar(sa.select(Certificate).where(Certificate.user_id == user.id))


def published_key(testapp) -> Ed25519PublicKey:
    keys = testapp.get("/certificates/keys").json
    multibase = keys["verificationMethod"][0]["publicKeyMultibase"]
    raw = unbase58(multibase[1:])
    assert raw[:2] == b"\xed\x01"
    jwk_x = keys["keys"][0]["x"]
    assert base64.urlsafe_b64decode(jwk_x + "=" * (-len(jwk_x) % 4)) == raw[2:]
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def test_publishing_issues_one_certificate_per_participant_with_what_they_did(app, testapp, dbsession, published):
    assert testapp.app.registry is app.registry
    assert work(app, dbsession) == 2
    assert work(app, dbsession) == 0  # nothing due any more
    sara = certificate_of(dbsession, published["sara"])
    reza = certificate_of(dbsession, published["reza"])
    assert sara.contributions == {"comments": 2, "accepted": 1, "survey": False, "vote": True}
    assert reza.contributions == {"comments": 1, "accepted": 0, "survey": False, "vote": False}
    assert sara.code != reza.code and len(sara.code) == 12
    # Never their demographics: the birth year given in the profile is nowhere in the credential.
    assert "1980" not in sara.credential and "sara@example.org" not in sara.credential


def test_the_credential_is_an_open_badge_signed_with_the_published_key(app, testapp, dbsession, published):
    work(app, dbsession)
    sara = certificate_of(dbsession, published["sara"])
    testapp.login("sara@example.org")
    response = testapp.get(f"/certificates/{sara.code}/credential.json")
    credential = json.loads(response.body)
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "Profile" in credential["issuer"]["type"] and credential["issuer"]["id"].endswith("/certificates/keys")
    assert credential["validFrom"] == "2026-11-27T09:30:00Z"
    subject = credential["credentialSubject"]
    assert "AchievementSubject" in subject["type"] and "Achievement" in subject["achievement"]["type"]
    assert subject["achievement"]["id"].endswith(f"/consultations/{published['draft'].id}/")
    assert subject["identifier"][0]["identityHash"] == "سارا"
    proof = credential["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod" and proof["proofValue"].startswith("z")
    key = published_key(testapp)
    assert services.verify_json(response.body, key) == sara.code
    # Changed by one word, or signed by another key: refused.
    tampered = dict(credential, credentialSubject={**subject, "identifier": [{**subject["identifier"][0],
                                                                               "identityHash": "Mallory"}]})
    with pytest.raises(services.Refused):
        services.verify_json(json.dumps(tampered).encode(), key)
    with pytest.raises(services.Refused):
        services.verify_json(response.body, Ed25519PublicKey.from_public_bytes(b"\x01" * 32))
    with pytest.raises(services.Refused):
        services.verify_json(b"not json", key)


def test_the_pdf_carries_the_holder_the_code_its_qr_and_its_signed_credential(app, testapp, dbsession, published):
    work(app, dbsession)
    sara = certificate_of(dbsession, published["sara"])
    testapp.login("sara@example.org")
    for language, title in (("fa", "گواهی مشارکت"), ("en", "Certificate of participation")):
        testapp.set_cookie("_LOCALE_", language)
        body = testapp.get(f"/certificates/{sara.code}/certificate.pdf").body
        reader = PdfReader(io.BytesIO(body))
        text = "".join(page.extract_text() for page in reader.pages)
        assert reader.metadata.title.startswith(title)
        assert services.display_code(sara.code) in text
        assert ("Reza" not in text) and ("سارا" in text or "ارس" in text)
        assert services.verify_pdf(body, published_key(testapp)) == sara.code
    # The QR code the PDF shows is the verify page's address (the same data gives the same symbol).
    verify_url = f"http://localhost/certificates/{sara.code}/"
    symbol = pdf.qr_code(verify_url)
    assert symbol.designator and symbol.matrix == pdf.qr_code(verify_url).matrix
    html = pdf.certificate_html(_request(app, testapp), {"certificate": sara, "qr": pdf.qr_svg(verify_url),
                                                         "consultation": "x", "agency": "", "jalali_date": "",
                                                         "gregorian_date": "", "code": "", "verify_url": verify_url})
    assert pdf.qr_svg(verify_url) in html and pdf.qr_svg(verify_url + "x") not in html
    # A PDF whose attached credential was changed is refused.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(body)))
    writer.attachments  # noqa: B018  (read, so the names tree is there to replace)
    forged = json.loads(sara.credential)
    forged["credentialSubject"]["achievement"]["description"] = "comments: 99"
    writer._root_object.pop("/Names", None)
    writer.add_attachment(pdf.ATTACHMENT, json.dumps(forged).encode())
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(services.Refused):
        services.verify_pdf(out.getvalue(), published_key(testapp))
    with pytest.raises(services.Refused):
        services.verify_pdf(b"%PDF-1.7 nothing", published_key(testapp))


def _request(app, testapp):
    from pyramid.scripting import prepare

    env = prepare(registry=app.registry)
    env["request"].locale_name = "en"
    return env["request"]


def test_the_verify_page_says_valid_revoked_or_unknown_in_both_languages(app, testapp, dbsession, published, editor):
    work(app, dbsession)
    sara = certificate_of(dbsession, published["sara"])
    testapp.set_cookie("_LOCALE_", "en")
    page = testapp.get(f"/certificates/{sara.code}/")
    assert "Valid" in page.text and "سارا" in page.text and "Draft test bylaw" in page.text
    assert "Download the PDF" not in page.text  # only the holder downloads
    testapp.set_cookie("_LOCALE_", "fa")
    page = testapp.get(f"/certificates/{sara.code}/")
    assert "معتبر" in page.text and "پیش‌نویس آیین‌نامه آزمایشی" in page.text
    # The editor revokes it, with a reason, in the audit log.
    testapp.set_cookie("_LOCALE_", "en")
    testapp.login("editor@example.org")
    form = testapp.get(f"/certificates/{sara.code}/revoke").forms["revoke"]
    assert form.submit("revoke", status=400).forms["revoke"]  # a reason is needed
    form["reason"] = "Issued to a duplicate account"
    form.submit("revoke", status=303)
    entry = dbsession.scalars(sa.select(AuditEntry).where(AuditEntry.action == "certificate.revoke")).one()
    assert entry.after["reason"] == "Issued to a duplicate account" and entry.actor_id == editor.id
    testapp.reset()
    testapp.set_cookie("_LOCALE_", "en")
    assert "Revoked" in testapp.get(f"/certificates/{sara.code}/").text
    testapp.set_cookie("_LOCALE_", "fa")
    assert "ابطال" in testapp.get(f"/certificates/{sara.code}/").text
    unknown = testapp.get("/certificates/ABCDEFGHJKMN/", status=404)
    assert "ناشناخته" in unknown.text


def test_the_verify_form_takes_a_typed_code_and_explains_a_bad_one(app, testapp, dbsession, published):
    work(app, dbsession)
    sara = certificate_of(dbsession, published["sara"])
    testapp.set_cookie("_LOCALE_", "en")
    form = testapp.get("/certificates/").forms["verify"]
    typed = services.display_code(sara.code).lower()
    form["code"] = typed
    assert form.submit("check", status=303).location.endswith(f"/certificates/{sara.code}/")
    form["code"] = "not-a-code"
    page = form.submit("check", status=400)
    assert "This is not a certificate code" in page.text and page.forms["verify"]["code"].value == "not-a-code"
    testapp.set_cookie("_LOCALE_", "fa")
    page = testapp.get("/certificates/", params={"code": "xyz"}, status=400)
    assert "کد گواهی نیست" in page.text


def test_each_view_refuses_who_may_not(app, testapp, dbsession, published):
    work(app, dbsession)
    sara = certificate_of(dbsession, published["sara"])
    base = f"/certificates/{sara.code}/"
    # Anonymous: neither the files nor the revocation, nor anyone's list.
    testapp.get(base + "certificate.pdf", status=403)
    testapp.get(base + "credential.json", status=403)
    testapp.get(base + "revoke", status=403)
    testapp.get("/me/certificates/", status=403)
    # Another participant: not Sara's files; nor may they revoke.
    testapp.login("reza@example.org")
    testapp.get(base + "certificate.pdf", status=403)
    testapp.get(base + "credential.json", status=403)
    testapp.get(base + "revoke", status=403)
    testapp.post(base + "revoke", {"reason": "x", "csrf_token": testapp.get_csrf_token("/me/certificates/")},
                 status=403)
    # The holder sees theirs but may not revoke it; no certificate for an unknown code.
    testapp.reset()
    testapp.login("sara@example.org")
    testapp.get(base + "certificate.pdf", status=200)
    testapp.get(base + "revoke", status=403)
    testapp.get("/certificates/ABCDEFGHJKMN/certificate.pdf", status=403)
    # Another agency's editor may not revoke.
    other = make_agency(dbsession, code="other")
    make_user(dbsession, email="other-editor@example.org", grants=[("editor", other)])
    testapp.reset()
    testapp.login("other-editor@example.org")
    testapp.get(base + "revoke", status=403)
    assert certificate_of(dbsession, published["sara"]).revoked_at is None


def test_the_participant_finds_their_certificates_and_their_year(app, testapp, dbsession, published, query_counter):
    work(app, dbsession)
    testapp.login("sara@example.org")
    draft_page = testapp.get(f"/consultations/{published['draft'].id}/")
    assert "/me/certificates/" in draft_page.text
    assert "/me/certificates/" in testapp.get("/me/").text
    with query_counter() as counted:
        mine = testapp.get("/me/certificates/")
    assert counted.count <= 12
    assert "certificate.pdf" in mine.text
    form = mine.forms["annual"]
    form["year"] = "1405"
    annual_page = form.submit(status=303).follow()
    annual = dbsession.scalar(sa.select(Certificate).where(Certificate.year == 1405))
    assert annual.contributions == {"consultations": 1, "comments": 2, "accepted": 1}
    assert "1405" in annual_page.text or "۱۴۰۵" in annual_page.text
    testapp.set_cookie("_LOCALE_", "en")
    form = testapp.get("/me/certificates/").forms["annual"]
    form["year"] = "1404"
    assert "You took part in no consultation published in that year." in form.submit(status=303).follow().text
    form["year"] = "next year"
    assert "There is no annual certificate for that year." in form.submit(status=303).follow().text
    # A page with several certificates costs no more statements.
    with query_counter() as again:
        testapp.get("/me/certificates/")
    assert again.count == counted.count
