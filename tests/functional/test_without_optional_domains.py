"""A site built without surveys and without service feedback (`eparticipation.without = surveys feedback`): the
draft page, the agency page and a consultation's whole life work, and the parts left out answer nowhere."""

import pytest
import sqlalchemy as sa

from eparticipation import main
from eparticipation.clock import FrozenClock
from eparticipation.consultations.models import State
from eparticipation.participation.models import Comment
from eparticipation.settings import SettingError

from ..conftest import NOW, TestApp
from ..factories import make_agency, make_draft, make_final_report, make_user


@pytest.fixture(scope="module")
def lean_app(engine, app_settings):
    return main({}, **{**app_settings, "eparticipation.without": "surveys feedback"})


@pytest.fixture
def lean(lean_app, tm, dbsession):
    original = lean_app.registry["clock"]
    lean_app.registry["clock"] = clock = FrozenClock(NOW)
    app = TestApp(lean_app, extra_environ={"HTTP_HOST": "example.com", "tm.active": True, "tm.manager": tm,
                                           "app.dbsession": dbsession})
    app.get("/?_LOCALE_=en")
    yield app, clock
    lean_app.registry["clock"] = original


def test_only_optional_parts_can_be_left_out(app_settings):
    with pytest.raises(SettingError, match="participation"):
        main({}, **{**app_settings, "eparticipation.without": "surveys participation"})


def test_a_consultations_life_without_surveys_and_feedback(lean, dbsession):
    app, clock = lean
    agency = make_agency(dbsession, code="tax")
    make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])
    make_user(dbsession, email="citizen@example.org")
    draft = make_draft(dbsession, agency)

    app.login("editor@example.org")
    page = app.get(f"/consultations/{draft.id}/")
    assert "survey" not in page.text.lower()
    app.get(f"/consultations/{draft.id}/survey/", status=404)
    app.logout()
    app.login("coordinator@example.org")
    form = app.get(f"/consultations/{draft.id}/open").forms["transition"]
    form["start"], form["end"] = "1405/09/06", "1405/10/10"
    form.submit("confirm", status=303)
    app.logout()
    assert draft.state == State.consultation

    page = app.get(f"/agencies/{agency.code}/")
    assert "Services" not in page.text
    app.get(f"/agencies/{agency.code}/services/", status=404)

    app.login("citizen@example.org")
    form = app.get(f"/consultations/{draft.id}/comments/add").forms["comment"]
    form["body"] = "A comment on this draft, on a lean site"
    form.submit("send", status=303)
    page = app.get(f"/consultations/{draft.id}/")
    assert "A comment on this draft" in page.text and "survey" not in page.text.lower()
    app.logout()
    comment = dbsession.scalars(sa.select(Comment).where(Comment.draft_id == draft.id)).one()

    clock.advance(days=40)
    app.get(f"/consultations/{draft.id}/")
    assert draft.state == State.closed
    app.login("editor@example.org")
    page = app.get(f"/consultations/{draft.id}/responses/?all=1")
    app.post(f"/consultations/{draft.id}/responses/", [
        ("csrf_token", page.forms["respond"]["csrf_token"].value), ("comment", str(comment.id)),
        ("decision", "accepted"), ("reason", "The reason for this decision"), ("legal_basis_law", ""),
        ("legal_basis_article", ""), ("respond", "respond")], status=303)
    app.logout()
    from eparticipation.reports.models import Report

    dbsession.execute(sa.delete(Report).where(Report.draft_id == draft.id))
    make_final_report(dbsession, draft)
    app.login("coordinator@example.org")
    app.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    app.logout()
    assert draft.state == State.published
    for path in (f"/consultations/{draft.id}/", f"/consultations/{draft.id}/outcome",
                 f"/consultations/{draft.id}/report/", "/consultations/", "/"):
        assert app.get(path).status_int == 200
