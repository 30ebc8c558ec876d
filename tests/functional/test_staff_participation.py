"""An agency's own editors and coordinators do not take part in its consultations nor rate its services,
unless the site lets them (eparticipation.participation.staff_of_agency_may_take_part); then what they send
counts as a government employee's and their comments say they come from the agency's staff."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eparticipation import main
from eparticipation.accounts.models import StakeholderCategory
from eparticipation.clock import FrozenClock
from eparticipation.feedback.models import Service, ServiceRating
from eparticipation.participation.models import Comment, CommentSupport, Vote
from eparticipation.reports.statistics import build_statistics
from eparticipation.surveys.models import Submission

from ..conftest import NOW, TestApp
from ..factories import make_agency, make_comment, make_draft, make_user
from .test_participation import comment_form_of, signed_in, vote_form
from .test_surveys import answer_all, answer_form, make_survey

ABSTAIN = ("As an editor or coordinator of this agency, you do not take part in its own consultations or rate "
           "its services")


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def draft(dbsession, agency):
    return make_draft(dbsession, agency, state="consultation", articles=2, opens_at=NOW - timedelta(days=2),
                      closes_at=NOW + timedelta(days=28))


@pytest.fixture
def service(dbsession, agency):
    service = Service(agency_id=agency.id, name_fa="صدور گواهی", name_en="Issuing certificates")
    dbsession.add(service)
    dbsession.flush()
    return service


@pytest.fixture
def people(dbsession, agency):
    return {
        "editor": make_user(dbsession, email="editor@example.org", grants=[("editor", agency)],
                            stakeholder_category=StakeholderCategory.individual),
        "coordinator": make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)],
                                 stakeholder_category=StakeholderCategory.academic),
        "other_editor": make_user(dbsession, email="other.editor@example.org",
                                  grants=[("editor", make_agency(dbsession))],
                                  stakeholder_category=StakeholderCategory.individual),
        "citizen": make_user(dbsession, email="citizen@example.org", display_name="Maryam",
                             stakeholder_category=StakeholderCategory.ngo),
    }


def counts(dbsession):
    return [dbsession.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Comment, CommentSupport, Vote, Submission, ServiceRating)]


@pytest.mark.parametrize("who", ["editor@example.org", "coordinator@example.org"])
def test_the_agencys_staff_do_not_take_part_and_are_told_why(testapp, dbsession, draft, service, people, clock,
                                                             who):
    survey = make_survey(dbsession, draft)
    comment = make_comment(dbsession, draft, people["citizen"])
    app = signed_in(testapp, who)
    page = app.get(f"/consultations/{draft.id}/")
    assert ABSTAIN in page.text
    assert not [f for f in page.forms.values() if f.action.endswith(("/comments/add", "/votes/"))]
    token = app.get_csrf_token("/me/edit")
    before = counts(dbsession)
    refusals = [
        app.post(f"/consultations/{draft.id}/comments/add",
                 {"csrf_token": token, "body": "نظر کارمند درباره پیش‌نویس", "send": "send"}, status=403),
        app.get(f"/consultations/{draft.id}/comments/add", status=403),
        app.post(f"/consultations/{draft.id}/comments/{comment.id}/support", {"csrf_token": token}, status=403),
        app.post(f"/consultations/{draft.id}/votes/", {"csrf_token": token, "choice": "support"}, status=403),
        app.get(f"/consultations/{draft.id}/survey/", status=403),
        app.post(f"/consultations/{draft.id}/survey/", {"csrf_token": token, "send": "send"}, status=403),
        app.post(f"/agencies/tax/services/{service.id}/", {"csrf_token": token, "score": "5", "rate": "rate"},
                 status=403),
    ]
    for refused in refusals:
        assert ABSTAIN in refused.text
    assert ABSTAIN in app.get(f"/agencies/tax/services/{service.id}/").text
    assert counts(dbsession) == before
    assert survey.id


def test_the_refusal_is_in_persian(testapp, dbsession, draft, people, clock):
    testapp.login("editor@example.org")
    page = testapp.post(f"/consultations/{draft.id}/votes/",
                        {"csrf_token": testapp.get_csrf_token("/me/edit"), "choice": "support"}, status=403)
    assert ABSTAIN not in page.text and "این دستگاه" in page.text


def test_staff_of_another_agency_take_part_as_anyone(testapp, dbsession, draft, people, clock):
    app = signed_in(testapp, "other.editor@example.org")
    form = vote_form(app.get(f"/consultations/{draft.id}/"))
    form["choice"] = "oppose"
    form.submit(status=303)
    assert dbsession.scalar(sa.select(Vote.user_id)) == people["other_editor"].id


def test_the_agencys_staff_still_moderate(testapp, dbsession, draft, people, clock):
    comment = make_comment(dbsession, draft, people["citizen"])
    app = signed_in(testapp, "editor@example.org")
    app.get(f"/consultations/{draft.id}/comments/{comment.id}/hide", status=200)


# --- where the site lets them -----------------------------------------------------------------------------


@pytest.fixture
def lenient_app(engine, app_settings):
    app = main({}, **app_settings, **{"eparticipation.participation.staff_of_agency_may_take_part": "true"})
    app.registry["clock"] = FrozenClock(NOW)
    yield app
    app.registry["db_engine"].dispose()


@pytest.fixture
def lenient(lenient_app, tm, dbsession):
    return TestApp(lenient_app, extra_environ={"HTTP_HOST": "example.com", "tm.active": True, "tm.manager": tm,
                                               "app.dbsession": dbsession})


def test_where_allowed_staff_take_part_as_government_and_are_marked(lenient, dbsession, draft, service, people):
    survey = make_survey(dbsession, draft)
    citizens_comment = make_comment(dbsession, draft, people["citizen"], body="نظر شهروند درباره این متن",
                                    stakeholder_category=StakeholderCategory.ngo)
    app = signed_in(lenient, "editor@example.org")
    page = app.get(f"/consultations/{draft.id}/")
    assert ABSTAIN not in page.text
    form = comment_form_of(page)
    form["body"] = "نظر کارمند دستگاه درباره این پیش‌نویس"
    page = form.submit("send", status=303).follow()
    mine = dbsession.scalar(sa.select(Comment).where(Comment.author_id == people["editor"].id))
    assert mine.by_agency_staff and mine.stakeholder_category == StakeholderCategory.government
    badge = page.html.select_one(f"#comment-{mine.id} .staff-badge")
    assert badge is not None and badge.text == "Staff of this agency"
    assert page.html.select_one(f"#comment-{citizens_comment.id} .staff-badge") is None
    assert app.get(f"/consultations/{draft.id}/comments/{mine.id}").html.select_one(".staff-badge") is not None

    form = vote_form(page)
    form["choice"] = "support"
    form.submit(status=303)
    app.post(f"/consultations/{draft.id}/comments/{citizens_comment.id}/support",
             {"csrf_token": app.get_csrf_token("/me/edit")}, status=303)
    answer_all(answer_form(app, draft), survey).submit("send", status=303)
    form = app.get(f"/agencies/tax/services/{service.id}/").forms["rating"]
    form["score"] = "4"
    form.submit("rate", status=303)

    statistics = build_statistics(dbsession, draft, k=1, now=NOW)
    tables = {table["id"]: table for table in statistics["tables"]}

    def by_category(table_id):
        table = tables[table_id]
        return {key: row for key, row in zip(table["row_keys"], table["cells"]) if any(row)}

    # The editor's profile says "individual": counted as government everywhere.
    assert by_category("participants_by_stakeholder_category") == {"government": [1], "ngo": [1]}
    assert by_category("comments_by_stakeholder_category") == {"government": [1, 0], "ngo": [1, 0]}
    assert by_category("votes_by_stakeholder_category") == {"government": [1, 0, 0]}
    assert by_category("supports_by_stakeholder_category") == {"government": [1]}
