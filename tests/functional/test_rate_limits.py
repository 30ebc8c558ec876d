"""How often a person may send each kind of participation (comments, supports, reports, votes, survey answers,
service ratings; messenger links are limited in test_messenger_proof.py), and the rules that settle two requests arriving at once: one comment per
text, one hiding per comment, one closing per consultation. Refusals for sending too often answer 429 with
Retry-After and a translated reason, and forms keep what was typed.

The counters are atomic (one upsert per hit): tests/functional/test_races.py sends the requests in parallel on
PostgreSQL; here they come one after the other."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from eparticipation import ratelimits
from eparticipation.consultations.models import Draft, State, WorkflowEvent
from eparticipation.consultations.workflow import close_if_ended
from eparticipation.feedback.models import Service, ServiceRating
from eparticipation.messaging.models import MessengerLinkCode
from eparticipation.participation import services
from eparticipation.participation.models import (
    Comment,
    CommentReport,
    CommentState,
    HidingReason,
    ModerationAct,
    Vote,
)
from eparticipation.surveys.models import Submission

from ..conftest import NOW
from ..factories import make_comment, make_draft, make_user
from .test_participation import agency, draft, people, signed_in  # noqa: F401 - fixtures and helper shared
from .test_surveys import answer_all, make_survey

LIMIT = 2


@pytest.fixture
def limits(app, monkeypatch):
    """Every participation limited to LIMIT per 10 minutes."""
    for action in ("comment", "support", "report", "vote", "survey", "rating"):
        monkeypatch.setitem(app.registry.settings, f"eparticipation.{action}_rate.max", LIMIT)
        monkeypatch.setitem(app.registry.settings, f"eparticipation.{action}_rate.minutes", 10)


def csrf(app):
    return app.get_csrf_token("/me/edit")


def assert_limited(page, message, seconds=600):
    assert page.status_int == 429
    assert page.headers["Retry-After"] == str(seconds)
    assert message in page.text


def test_comments_are_counted_by_the_persons_counter(testapp, dbsession, draft, people, clock, limits):
    app = signed_in(testapp, "citizen@example.org")
    for n in range(LIMIT):
        form = app.get(f"/consultations/{draft.id}/comments/add").forms["comment"]
        form["body"] = f"نظر شمارهٔ {n} دربارهٔ متن"
        form.submit("send", status=303)
    clock.advance(minutes=4)
    form = app.get(f"/consultations/{draft.id}/comments/add").forms["comment"]
    form["body"] = "یک نظر دیگر درباره متن"
    page = form.submit("send", status=429)
    assert_limited(page, "You have sent 2 comments in the last 10 minutes; please wait a little.", seconds=360)
    assert page.forms["comment"]["body"].value == "یک نظر دیگر درباره متن"
    clock.advance(minutes=6)
    page.forms["comment"].submit("send", status=303)


def test_supports_are_limited(testapp, dbsession, draft, people, clock, limits):
    comments = [make_comment(dbsession, draft, people["other"], body=f"نظر دیگری شمارهٔ {n}") for n in range(3)]
    app = signed_in(testapp, "citizen@example.org")
    token = csrf(app)
    for comment in comments[:LIMIT]:
        app.post(f"/consultations/{draft.id}/comments/{comment.id}/support", {"csrf_token": token}, status=303)
    page = app.post(f"/consultations/{draft.id}/comments/{comments[2].id}/support", {"csrf_token": token},
                    status=429)
    assert_limited(page, "You have supported many comments in a short time; please try again in 10 minutes.")
    assert dbsession.get(Comment, comments[2].id).support_count == 0


def test_reports_are_limited_and_the_reason_is_kept(testapp, dbsession, draft, people, clock, limits):
    comments = [make_comment(dbsession, draft, people["other"], body=f"نظر دیگری شمارهٔ {n}") for n in range(3)]
    app = signed_in(testapp, "citizen@example.org")
    for comment in comments:
        form = app.get(f"/consultations/{draft.id}/comments/{comment.id}/report").forms["report"]
        form["reason"] = f"Insults in comment {comment.id}"
        page = form.submit("report", expect_errors=True)
    assert_limited(page, "You have reported many comments in a short time; please try again in 10 minutes.")
    assert page.forms["report"]["reason"].value == f"Insults in comment {comments[2].id}"
    assert dbsession.scalar(sa.select(sa.func.count(CommentReport.id))) == LIMIT


def test_votes_are_limited_in_persian_too_and_the_limit_lifts(testapp, dbsession, draft, people, clock, limits):
    testapp.reset()
    testapp.login("citizen@example.org")
    token = csrf(testapp)
    for choice in ("support", "oppose"):
        testapp.post(f"/consultations/{draft.id}/votes/", {"csrf_token": token, "choice": choice}, status=303)
    page = testapp.post(f"/consultations/{draft.id}/votes/", {"csrf_token": token, "choice": "abstain"},
                        status=429)
    assert page.headers["Retry-After"] == "600"
    assert "۱۰ دقیقهٔ دیگر" in page.text and "try again" not in page.text
    assert dbsession.scalar(sa.select(Vote.choice)).value == "oppose"
    clock.advance(minutes=10)
    testapp.post(f"/consultations/{draft.id}/votes/", {"csrf_token": token, "choice": "abstain"}, status=303)


def test_survey_answers_are_limited_and_the_answers_kept(testapp, dbsession, draft, people, clock, limits):
    survey = make_survey(dbsession, draft)
    app = signed_in(testapp, "citizen@example.org")
    for scale in ("4", "5"):
        answer_all(app.get(f"/consultations/{draft.id}/survey/").forms["survey"], survey, scale=scale).submit(
            "send", status=303)
    form = answer_all(app.get(f"/consultations/{draft.id}/survey/").forms["survey"], survey, scale="2",
                      text="A third thought")
    page = form.submit("send", status=429)
    assert_limited(page, "You have sent your answers many times in a short time; please try again in 10 minutes.")
    scale_question, text_question = survey.questions[2], survey.questions[3]
    assert page.forms["survey"][f"q{scale_question.id}"].value == "2"
    assert page.forms["survey"][f"q{text_question.id}"].value == "A third thought"
    assert dbsession.scalar(sa.select(Submission.answers))[str(scale_question.id)] == 5


def test_service_ratings_are_limited_and_the_comment_kept(testapp, dbsession, agency, draft, people, clock,  # noqa: F811
                                                         limits):
    rated = [Service(agency_id=agency.id, name_en=f"Service {n}", name_fa=f"خدمت {n}", created_at=NOW,
                     updated_at=NOW) for n in range(3)]
    dbsession.add_all(rated)
    dbsession.flush()
    app = signed_in(testapp, "citizen@example.org")
    for service in rated:
        form = app.get(f"/agencies/{agency.code}/services/{service.id}/").forms["rating"]
        form["score"], form["comment"] = "3", f"About service {service.id}"
        page = form.submit("rate", expect_errors=True)
    assert_limited(page, "You have rated many services in a short time; please try again in 10 minutes.")
    assert page.forms["rating"]["comment"].value == f"About service {rated[2].id}"
    assert page.forms["rating"]["score"].value == "3"
    assert dbsession.scalar(sa.select(sa.func.count(ServiceRating.id))) == LIMIT


def test_limits_are_per_person(testapp, dbsession, draft, people, clock, limits):
    for email in ("citizen@example.org", "other@example.org"):
        app = signed_in(testapp, email)
        token = csrf(app)
        for choice in ("support", "oppose"):
            app.post(f"/consultations/{draft.id}/votes/", {"csrf_token": token, "choice": choice}, status=303)


# --- one comment per text -----------------------------------------------------------------------------------


def test_the_database_keeps_one_copy_of_a_persons_text_per_draft(dbsession, draft, people):
    make_comment(dbsession, draft, people["citizen"], body="این ماده مبهم است و باید بازنویسی شود")
    # The same text for the reader: Arabic yeh and kaf, another spacing, on an article this time.
    with pytest.raises(IntegrityError), dbsession.begin_nested():
        make_comment(dbsession, draft, people["citizen"], body="اين ماده  مبهم است و بايد بازنويسی شود",
                     article=draft.consulted_articles[0])
    # Someone else's copy is another voice (a campaign, counted as such), and a withdrawn copy may be sent again.
    make_comment(dbsession, draft, people["other"], body="این ماده مبهم است و باید بازنویسی شود")
    make_comment(dbsession, draft, people["citizen"], body="نظری که پس گرفته شد", state=CommentState.withdrawn)
    make_comment(dbsession, draft, people["citizen"], body="نظری که پس گرفته شد")


def test_a_comment_that_arrives_twice_at_once_is_kept_once(testapp, dbsession, draft, people, clock, monkeypatch):
    body = "این ماده مبهم است و باید بازنویسی شود"
    app = signed_in(testapp, "citizen@example.org")
    form = app.get(f"/consultations/{draft.id}/comments/add").forms["comment"]
    form["body"] = body
    # The other request's copy is stored after this one looked for it, and before this one stores its own.
    first = make_comment(dbsession, draft, people["citizen"], body=body)
    original, calls = services.own_comment_with, []

    def finds_nothing_the_first_time(*args):
        calls.append(args)
        return original(*args) if len(calls) > 1 else None

    monkeypatch.setattr(services, "own_comment_with", finds_nothing_the_first_time)
    page = form.submit("send", status=303)
    assert page.location.endswith(f"/consultations/{draft.id}/#comment-{first.id}")
    assert "Your comment had already been received; it is published once." in page.follow().text
    assert dbsession.scalars(sa.select(Comment.id).where(Comment.author_id == people["citizen"].id)).all() == [
        first.id]


def test_editing_a_comment_into_another_of_ones_own_is_refused(testapp, dbsession, draft, people, clock):
    make_comment(dbsession, draft, people["citizen"], body="نخستین نظر من درباره متن")
    second = make_comment(dbsession, draft, people["citizen"], body="دومین نظر من درباره متن")
    app = signed_in(testapp, "citizen@example.org")
    form = app.get(f"/consultations/{draft.id}/comments/{second.id}/edit").forms["comment"]
    form["body"] = "نخستین نظر من  درباره متن"
    page = form.submit("save", status=400)
    assert "You have already sent this comment on this draft." in page.text
    assert page.forms["comment"]["body"].value == "نخستین نظر من  درباره متن"
    assert dbsession.get(Comment, second.id).body == "دومین نظر من درباره متن"


# --- moderators at once -------------------------------------------------------------------------------------


def test_a_comment_hidden_meanwhile_is_not_hidden_twice(testapp, dbsession, draft, people, clock):
    comment = make_comment(dbsession, draft, people["citizen"], body="متنی توهین‌آمیز درباره دیگران")
    app = signed_in(testapp, "editor@example.org")
    form = app.get(f"/consultations/{draft.id}/comments/{comment.id}/hide").forms["hide"]
    form["category"], form["reason"] = "abuse", "Insults another participant"
    # Another moderator hides it while this one is still writing the reason.
    dbsession.execute(sa.update(Comment).where(Comment.id == comment.id).values(
        state=CommentState.hidden, hidden_category=HidingReason.spam, hidden_reason="Advertising"))
    page = form.submit("hide", status=303).follow()
    assert "This comment is already hidden." in page.text
    assert dbsession.scalar(sa.select(sa.func.count(ModerationAct.id))) == 0
    assert dbsession.get(Comment, comment.id).hidden_reason == "Advertising"


def test_a_comment_restored_meanwhile_is_not_restored_twice(testapp, dbsession, draft, people, clock):
    comment = make_comment(dbsession, draft, people["citizen"], body="متنی که پنهان و دوباره آشکار شد",
                           state=CommentState.hidden, hidden_category=HidingReason.spam,
                           hidden_reason="Advertising")
    app = signed_in(testapp, "editor@example.org")
    token = csrf(app)
    app.post(f"/consultations/{draft.id}/comments/{comment.id}/restore", {"csrf_token": token}, status=303)
    page = app.post(f"/consultations/{draft.id}/comments/{comment.id}/restore", {"csrf_token": token},
                    status=303).follow()
    assert "This comment is not hidden (any more)." in page.text
    assert dbsession.scalars(sa.select(ModerationAct.action)).all() == ["restore"]


# --- closing ------------------------------------------------------------------------------------------------


def test_a_visit_that_finds_the_consultation_closed_meanwhile_does_not_close_it_again(app, dbsession, agency,
                                                                                        clock):
    ended = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=31),
                       closes_at=NOW - timedelta(hours=1))
    # The tick (or another visit) closed it after this visit loaded the draft.
    dbsession.execute(sa.update(Draft).where(Draft.id == ended.id).values(state=State.closed, closed_at=NOW)
                      .execution_options(synchronize_session=False))
    assert ended.state == State.consultation  # what this visit still holds
    request = SimpleNamespace(dbsession=dbsession, now=NOW, identity=None, registry=app.registry)
    assert close_if_ended(ended, request) is False
    assert ended.state == State.closed
    assert dbsession.scalar(sa.select(sa.func.count(WorkflowEvent.id)).where(WorkflowEvent.draft_id == ended.id)) == 0



def test_counters_whose_windows_ended_are_forgotten(app, dbsession):
    settings = app.registry.settings
    ratelimits.hit(dbsession, "vote", "1", timedelta(minutes=10), NOW - timedelta(minutes=16))
    ratelimits.hit(dbsession, "login.account", "a@example.org", timedelta(minutes=15), NOW - timedelta(minutes=14))
    assert ratelimits.forget_ended(dbsession, settings, NOW) == 1
    assert dbsession.scalars(sa.select(ratelimits.RateCounter.subject)).all() == ["a@example.org"]
