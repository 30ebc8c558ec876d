"""Names people type are shown isolated (<bdi>), so an unterminated right-to-left override (U+202E) in one cannot
reorder the line around it ("Reza on behalf of ‮gro.live" shown backwards, "exe.txt" as "txt.exe"), and names typed
from now on lose such controls."""

from datetime import timedelta

import pytest

from eparticipation.participation.models import Comment, OrganisationKind

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_user

RLO = "\u202e"
PERSON = f"Reza {RLO}exe.txt"
ORGANISATION = f"Acme {RLO}gro.live"
AGENCY = f"سازمان {RLO}ABC"


def isolated(page, text) -> list[bool]:
    """For each place `text` is shown in the page's body: whether an isolating element (<bdi>) holds it. (The
    window's title and a list's options hold no elements: each is a line of its own.)"""
    places = [node for node in page.html.find_all(string=lambda s: s and text in s)
              if node.parent.name not in ("title", "option")]
    assert places, f"{text!r} is not on the page"
    return [node.parent.name == "bdi" and node.parent.get_text() == text for node in places]


@pytest.fixture
def world(dbsession):
    agency = make_agency(dbsession, code="tax")
    agency.name_fa = agency.name_en = AGENCY
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2),
                       closes_at=NOW + timedelta(days=28))
    author = make_user(dbsession, email="reza@example.org", display_name=PERSON)
    make_comment(dbsession, draft, author, organisation_name=ORGANISATION, organisation_kind=OrganisationKind.ngo)
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    dbsession.flush()
    return {"draft": draft, "agency": agency}


def test_a_comment_s_author_and_organisation_are_isolated(testapp, world):
    page = testapp.get(f"/consultations/{world['draft'].id}/")
    assert all(isolated(page, PERSON))
    assert all(isolated(page, ORGANISATION))
    # The message around the organisation is still one message, translated, with the name inside it.
    assert "از طرف" in page.html.find("bdi", string=ORGANISATION).parent.get_text()


def test_an_agency_s_name_is_isolated_wherever_it_is_listed(testapp, world):
    for path in ("/", "/agencies", "/agencies/tax", f"/consultations/{world['draft'].id}/"):
        assert all(isolated(testapp.get(path), AGENCY)), path


def test_the_admin_s_list_of_people_isolates_their_names(testapp, world):
    testapp.login("admin@example.org")
    assert all(isolated(testapp.get("/admin/users/?q=reza"), PERSON))


def test_a_name_typed_with_bidi_controls_is_stored_without_them(testapp, world, dbsession):
    make_user(dbsession, email="maryam@example.org")
    testapp.login("maryam@example.org")
    draft = world["draft"]
    form = testapp.get(f"/consultations/{draft.id}/comments/add").forms["comment"]
    form["body"] = "پیشنهاد انجمن درباره مادهٔ دوم"
    form["organisation_kind"] = "ngo"
    form["organisation_name"] = f"\u2067انجمن{RLO} صنفی\u2069\u202c"
    form.submit("save", status=303)
    comment = dbsession.query(Comment).filter(Comment.body == "پیشنهاد انجمن درباره مادهٔ دوم").one()
    assert comment.organisation_name == "انجمن صنفی"


def test_persian_joiners_and_marks_stay_in_names():
    from eparticipation.forms import name_text

    assert name_text(" می\u200cرود\u200f ") == "می\u200cرود\u200f"
    assert name_text(f"a{RLO}b\u202ac\u2066d\u2069") == "abcd"
