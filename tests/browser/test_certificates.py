"""Checking a certificate in a real browser, in Persian and in English: a typed code (lower case, with dashes)
goes to its page, which says valid with the holder's name; a code that cannot be one is explained in the form; an
unknown code is said so. Every page reached is audited with axe-core."""

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from eparticipation.certificates.models import Certificate
from eparticipation.certificates.services import display_code, new_code
from eparticipation.db import utcnow

from ..factories import make_agency, make_draft, make_user
from .accessibility import audit
from .test_consultations import expect_language, translated

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["fa", "en"])
def test_anyone_checks_a_certificate_by_its_code(page, live_server, unique_email, language):
    code = new_code()
    with Session(live_server.engine) as session:
        holder = make_user(session, email=unique_email("certificate.holder"), display_name="مریم کاظمی")
        draft = make_draft(session, make_agency(session, with_units=False), state="published", articles=0,
                           title_fa="آیین‌نامهٔ گواهی‌دار", title_en="Certified bylaw")
        session.add(Certificate(code=code, user_id=holder.id, subject=f"draft:{draft.id}", draft_id=draft.id,
                                agency_id=draft.agency_id, holder_name=holder.display_name,
                                contributions={"comments": 1, "accepted": 0, "survey": False, "vote": True},
                                credential=json.dumps({}), issued_at=utcnow()))
        session.commit()
    page.goto(live_server(f"/certificates/?_LOCALE_={language}"))
    expect_language(page, language)
    audit(page)
    page.locator("#verify input[name=code]").fill("not a code")
    page.locator('#verify button[name="check"]').click()
    expect(page.locator("#verify")).to_contain_text(translated(
        "This is not a certificate code: it has twelve letters and digits, such as ABCD-EFGH-JKMN.", language))
    expect(page.locator("#verify input[name=code]")).to_have_value("not a code")
    audit(page)
    page.locator("#verify input[name=code]").fill(display_code(code).lower())
    page.locator('#verify button[name="check"]').click()
    expect(page.locator("#certificate-status")).to_have_text(translated(
        "Valid: this certificate was issued by this site and is not revoked.", language))
    expect(page.locator("main")).to_contain_text("مریم کاظمی")
    expect(page.locator("main")).to_contain_text("آیین‌نامهٔ گواهی‌دار" if language == "fa" else "Certified bylaw")
    audit(page)
    page.goto(live_server("/certificates/ABCDEFGHJKMN/"))
    expect(page.locator("#certificate-status")).to_have_text(translated(
        "Unknown: no certificate has this code. Check that it was typed as printed.", language))
    audit(page)
