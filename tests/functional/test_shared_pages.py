"""The draft page that signed-in participants share (personal.py, participation/overlay.py): rendered once for
all of them, each person is served exactly the page a rendering of their own would give — their CSRF token,
vote, own and supported comments, survey answer and unread messages — and nobody else's."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eparticipation import main
from eparticipation.clock import FrozenClock
from eparticipation.messaging.models import InboxMessage
from eparticipation.participation.models import CommentSupport, Vote, VoteChoice
from eparticipation.personal import MalformedSharedPage, SharedPage
from eparticipation.surveys.models import Submission, Survey

from ..conftest import NOW, TestApp
from ..factories import make_agency, make_comment, make_draft, make_user
from .test_surveys import answer_all, answer_form, make_survey


def app_with(app_settings, entries):
    app = main({}, **app_settings, **{"eparticipation.page_cache.entries": str(entries)})
    app.registry["clock"] = FrozenClock(NOW)
    return app


@pytest.fixture
def apps(engine, app_settings):
    """Two instances of the application on the same database and session secret: one shares pages between
    participants, the other renders every page for its visitor."""
    shared, rendered = app_with(app_settings, 50), app_with(app_settings, 0)
    yield shared, rendered
    for app in (shared, rendered):
        app.registry["db_engine"].dispose()


def browser(app, tm, dbsession):
    return TestApp(app, extra_environ={"HTTP_HOST": "example.com", "tm.active": True, "tm.manager": tm,
                                       "app.dbsession": dbsession})


class Twins:
    """One person's browser on each instance, with the same session (so the same CSRF token)."""

    def __init__(self, apps, tm, dbsession, email, language="fa"):
        self.shared = browser(apps[0], tm, dbsession)
        self.rendered = browser(apps[1], tm, dbsession)
        self.shared.get(f"/?_LOCALE_={language}")
        self.shared.login(email)
        self.token = self.shared.get_csrf_token("/me")  # in the session from now on, for both
        for name in ("session", "_LOCALE_"):
            self.rendered.set_cookie(name, self.shared.cookies[name])

    def pages(self, path):
        return self.shared.get(path).text, self.rendered.get(path).text


@pytest.fixture
def consultation(dbsession):
    """A draft in consultation with a survey, and comments by three people; Leila has voted, supports a
    comment, wrote one, answered the survey and has unread messages; Omid has done nothing yet."""
    draft = make_draft(dbsession, make_agency(dbsession, code="tax"), state="consultation", articles=3,
                       opens_at=NOW - timedelta(days=2), closes_at=NOW + timedelta(days=28))
    survey = make_survey(dbsession, draft)
    people = {name: make_user(dbsession, email=f"{name}@example.org", display_name=name.title())
              for name in ("leila", "omid", "sara")}
    articles = draft.consulted_articles
    comments = {
        "sara": make_comment(dbsession, draft, people["sara"], body="نظر سارا درباره ماده دوم", article=articles[1]),
        "leila": make_comment(dbsession, draft, people["leila"], body="نظر لیلا درباره کل متن"),
        "omid": make_comment(dbsession, draft, people["omid"], body="نظر امید درباره ماده سوم", article=articles[2]),
    }
    dbsession.add_all([
        Vote(draft_id=draft.id, user_id=people["leila"].id, choice=VoteChoice.oppose, cast_at=NOW, updated_at=NOW),
        Vote(draft_id=draft.id, user_id=people["sara"].id, choice=VoteChoice.support, cast_at=NOW, updated_at=NOW),
        CommentSupport(comment_id=comments["sara"].id, user_id=people["leila"].id, supported_at=NOW),
        Submission(survey_id=survey.id, user_id=people["leila"].id, answers={}, created_at=NOW, updated_at=NOW),
        *[InboxMessage(user_id=people["leila"].id, key=f"test:{n}", subject="پاسخ", body="متن", link="/",
                       created_at=NOW) for n in range(3)],
    ])
    comments["sara"].support_count = 1
    dbsession.flush()
    return draft, people, comments


def consultation_survey(dbsession, draft):
    return dbsession.scalar(sa.select(Survey).where(Survey.draft_id == draft.id))


def test_reading_the_inbox_shows_in_the_header_at_once(apps, tm, dbsession, consultation):
    draft, people, comments = consultation
    path = f"/consultations/{draft.id}/"
    leila = Twins(apps, tm, dbsession, "leila@example.org", "en")
    assert leila.shared.get(path).html.select_one('a[href$="/me/inbox"] .badge').text == "3 unread"
    leila.shared.get("/me/inbox")
    shared, rendered = leila.pages(path)
    assert shared == rendered and "unread" not in shared


@pytest.mark.parametrize("language", ["fa", "en"])
def test_each_participant_is_served_what_their_own_rendering_would_be(apps, tm, dbsession, consultation, language):
    draft, people, comments = consultation
    path = f"/consultations/{draft.id}/"
    omid = Twins(apps, tm, dbsession, "omid@example.org", language)
    leila = Twins(apps, tm, dbsession, "leila@example.org", language)
    first_shared, first_rendered = omid.pages(path)  # Omid's visit renders the shared page
    assert first_shared == first_rendered
    shared, rendered = leila.pages(path)  # Leila's is filled in from it
    assert shared == rendered
    page = leila.shared.get(path)
    assert page.html.select_one('#vote input[value="oppose"]').has_attr("checked")
    assert page.html.select_one(f"#comment-{comments['sara'].id} .text-success")  # "you support this comment"
    assert not page.html.select_one(f"#comment-{comments['leila'].id} form")  # her own: no support, no report
    assert page.html.select_one(f'#comment-{comments["omid"].id} form[action$="/support"]')
    assert page.html.select_one('a[href$="/me/inbox"] .badge').text.startswith("۳" if language == "fa" else "3")
    assert page.html.select_one(".survey-section a.btn-outline-primary")  # "revise your answers"
    assert not omid.shared.get(path).html.select_one(".survey-section a.btn-outline-primary")
    tokens = {field["value"] for field in page.html.select('input[name="csrf_token"]')}
    assert tokens == {leila.shared.get_csrf_token(path)}
    assert "<@" not in page.text


def test_a_change_shows_to_everyone_and_the_pages_stay_exact(apps, tm, dbsession, consultation):
    draft, people, comments = consultation
    path = f"/consultations/{draft.id}/"
    omid = Twins(apps, tm, dbsession, "omid@example.org", "en")
    leila = Twins(apps, tm, dbsession, "leila@example.org")
    omid.pages(path)
    leila.pages(path)
    token = omid.shared.get_csrf_token(path)
    omid.shared.post(f"{path}comments/{comments['sara'].id}/support", {"csrf_token": token}, status=303)
    omid.shared.post(f"{path}votes/", {"csrf_token": token, "choice": "abstain"}, status=303)
    answer_all(answer_form(omid.shared, draft), consultation_survey(dbsession, draft)).submit("send", status=303)
    omid.shared.get(path)  # shows the flashed "your answers are saved" (a page of his own), and takes it
    for person in (omid, leila):
        shared, rendered = person.pages(path)
        assert shared == rendered
    page = omid.shared.get(path)
    assert page.html.select_one('#vote input[value="abstain"]').has_attr("checked")
    assert page.html.select_one(f"#comment-{comments['sara'].id} .text-success")
    assert page.html.select_one(".survey-section a.btn-outline-primary")  # "revise your answers"
    assert "Supported by 2" in page.html.select_one(f"#comment-{comments['sara'].id}").text


def test_a_flashed_message_is_shown_not_lost(apps, tm, dbsession, consultation):
    draft, people, comments = consultation
    path = f"/consultations/{draft.id}/"
    omid = Twins(apps, tm, dbsession, "omid@example.org", "en")
    omid.pages(path)
    token = omid.shared.get_csrf_token(path)
    omid.shared.post(f"{path}votes/", {"csrf_token": token, "choice": "support"}, status=303)
    assert "Your vote is counted" in omid.shared.get(path).text
    assert "Your vote is counted" not in omid.shared.get(path).text


def test_people_with_a_role_are_not_served_the_participants_page(apps, tm, dbsession, consultation):
    draft, people, comments = consultation
    make_user(dbsession, email="editor@example.org", grants=[("editor", draft.agency)])
    path = f"/consultations/{draft.id}/"
    Twins(apps, tm, dbsession, "omid@example.org", "en").pages(path)
    editor = Twins(apps, tm, dbsession, "editor@example.org", "en")
    shared, rendered = editor.pages(path)
    assert shared == rendered and "Hide" in shared  # moderation, which participants never see


def test_a_shared_page_costs_two_statements_once_the_person_is_known(apps, tm, dbsession, consultation, query_counter):
    draft, people, comments = consultation
    path = f"/consultations/{draft.id}/"
    Twins(apps, tm, dbsession, "omid@example.org").pages(path)
    leila = Twins(apps, tm, dbsession, "leila@example.org")
    for expected in (3, 2):
        dbsession.expunge_all()  # as a request's new session would start
        with query_counter() as counted:
            leila.shared.get(path)
        # The person (with their roles and unread messages), the draft; the first time, the person's own parts.
        assert counted.count == expected, [statement[:60] for statement in counted.statements]


def test_markers_out_of_place_are_refused():
    page = SharedPage.parse("<p><@vote=@>none<@/vote@><@vote=oppose@>against <@csrf@><@/vote@></p>")
    assert page.fill(lambda slot: "oppose", {"csrf": "T", "unread": ""}) == b"<p>against T</p>"
    assert page.fill(lambda slot: "", {"csrf": "T", "unread": ""}) == b"<p>none</p>"
    with pytest.raises(MalformedSharedPage):
        SharedPage.parse("<p><@vote=a@>one<@survey=b@>two<@/survey@><@/vote@></p>")
    with pytest.raises(MalformedSharedPage):
        SharedPage.parse("<p><@vote=a@>one</p>")


def test_after_closing_participants_share_the_page_without_forms(apps, tm, dbsession, consultation):
    draft, people, comments = consultation
    for app in apps:
        app.registry["clock"].advance(days=29)
    path = f"/consultations/{draft.id}/"
    Twins(apps, tm, dbsession, "omid@example.org", "en").pages(path)
    leila = Twins(apps, tm, dbsession, "leila@example.org", "en")
    shared, rendered = leila.pages(path)
    assert shared == rendered and "Participation is closed." in shared
    assert "The survey takes answers only while the consultation is open." in shared
    page = leila.shared.get(path)
    assert not page.html.select('form[action$="/support"]') and not page.html.select('form[action$="/votes/"]')
    assert page.html.select_one('form[action$="/logout"] input[name="csrf_token"]')["value"] == leila.token


def test_a_comment_that_looks_like_a_marker_is_shown_as_typed(apps, tm, dbsession, consultation):
    draft, people, comments = consultation
    typed = "نظری با <@csrf@> و <@vote=oppose@>خلاف<@/vote@> در متن"
    make_comment(dbsession, draft, people["sara"], body=typed)
    path = f"/consultations/{draft.id}/"
    Twins(apps, tm, dbsession, "omid@example.org").pages(path)
    leila = Twins(apps, tm, dbsession, "leila@example.org")
    shared, rendered = leila.pages(path)
    assert shared == rendered
    bodies = [body.get_text() for body in leila.shared.get(path).html.select(".comment-body")]
    assert typed in bodies and leila.token not in typed
