"""Points (DESIGN I1, I3): each act earns by the rules, each reversal is an entry of its own; campaigns, staff and
the cap; levels and badges; the opt-in leaderboards per period and agency; the pages' refusals and query counts."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from eparticipation.consultations.models import State
from eparticipation.consultations.workflow import DraftTransitioned
from eparticipation.feedback.events import ServiceRated
from eparticipation.feedback.models import Service, ServiceRating
from eparticipation.incentives import on_transition
from eparticipation.incentives.models import Badge, LedgerEntry, PointsTotal, PublicProfile
from eparticipation.incentives.services import differences, rules_of
from eparticipation.participation.events import CommentChanged
from eparticipation.participation.models import Comment, CommentState, HidingReason
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision
from eparticipation.surveys.events import SurveyAnswered
from eparticipation.surveys.models import Submission, Survey

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_user


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def draft(dbsession, agency):
    return make_draft(dbsession, agency, state="consultation", articles=3, opens_at=NOW - timedelta(days=2),
                      closes_at=NOW + timedelta(days=28))


@pytest.fixture
def people(dbsession, agency):
    return {
        "citizen": make_user(dbsession, email="citizen@example.org", display_name="Maryam", residence="IR-01"),
        "other": make_user(dbsession, email="other@example.org", display_name="Reza", residence="IR-01"),
        "third": make_user(dbsession, email="third@example.org", display_name="Sara"),
        "editor": make_user(dbsession, email="editor@example.org", display_name="Editor", grants=[("editor", agency)]),
        "admin": make_user(dbsession, email="admin@example.org", grants=[("admin", None)]),
    }


def signed_in(app, email):
    app.reset()
    app.get("/?_LOCALE_=en")
    app.login(email)
    return app


def token(app):
    return app.get_csrf_token("/me/edit")


def ledger(dbsession, user):
    return [(e.act, e.points, e.reason) for e in dbsession.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.user_id == user.id).order_by(LedgerEntry.id))]


def total(dbsession, user, period="all", scope=0):
    return dbsession.scalar(sa.select(PointsTotal.points).where(
        PointsTotal.user_id == user.id, PointsTotal.period == period, PointsTotal.scope == scope)) or 0


def ledger_sum(dbsession, user):
    return dbsession.scalar(sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.points), 0))
                            .where(LedgerEntry.user_id == user.id))


def request_of(app, dbsession, user, now=NOW):
    return SimpleNamespace(dbsession=dbsession, registry=app.registry, now=now, identity=user)


def comment_added(app, dbsession, comment, draft, change="added"):
    dbsession.flush()
    app.registry.notify(CommentChanged(request_of(app, dbsession, None), comment, draft, change))


def comment_form_of(page, article=""):
    return next(f for f in page.forms.values()
                if f.action.endswith("/comments/add") and f["article"].value == article)


def test_comments_and_votes_earn_and_hiding_or_withdrawing_takes_back(testapp, dbsession, draft, people, clock):
    app = signed_in(testapp, "citizen@example.org")
    page = app.get(f"/consultations/{draft.id}/")
    form = comment_form_of(page)
    form["body"] = "این پیش‌نویس به مهلت بیشتری نیاز دارد."
    page = form.submit("send", status=303).follow()
    form = comment_form_of(page, "2")
    form["body"] = "ماده ۲ باید روشن‌تر نوشته شود."
    page = form.submit("send", status=303).follow()
    form = next(f for f in page.forms.values() if f.action.endswith("/votes/"))
    form["choice"] = "support"
    form.submit(status=303)
    citizen = people["citizen"]
    assert ledger(dbsession, citizen) == [("comment", 5, "earned"), ("article_comment", 6, "earned"),
                                          ("vote", 1, "earned")]
    assert total(dbsession, citizen) == 12 == ledger_sum(dbsession, citizen)
    assert total(dbsession, citizen, "1405") == total(dbsession, citizen, "1405-s3") == 12
    assert total(dbsession, citizen, scope=draft.agency_id) == 12
    # Voting again earns nothing more.
    clock.advance(minutes=1)
    form = next(f for f in app.get(f"/consultations/{draft.id}/").forms.values() if f.action.endswith("/votes/"))
    form["choice"] = "oppose"
    form.submit(status=303)
    assert total(dbsession, citizen) == 12

    first, second = dbsession.scalars(sa.select(Comment).where(Comment.author_id == citizen.id)
                                      .order_by(Comment.id)).all()
    app.post(f"/consultations/{draft.id}/comments/{first.id}/withdraw", {"csrf_token": token(app)}, status=303)
    editor = signed_in(testapp, "editor@example.org")
    form = editor.get(f"/consultations/{draft.id}/comments/{second.id}/hide").forms["hide"]
    form["category"] = "abuse"
    form["reason"] = "Insults another participant"
    form.submit("hide", status=303)
    assert ledger(dbsession, citizen)[3:] == [("comment", -5, "withdrawn"), ("article_comment", -6, "hidden")]
    assert total(dbsession, citizen) == 1 == ledger_sum(dbsession, citizen)
    assert ledger(dbsession, people["editor"]) == []  # the moderator earns nothing by moderating

    editor.post(f"/consultations/{draft.id}/comments/{second.id}/restore", {"csrf_token": token(editor)}, status=303)
    assert ledger(dbsession, citizen)[-1] == ("article_comment", 6, "restored")
    assert total(dbsession, citizen) == 7
    assert differences(dbsession, rules_of(testapp.app.registry)) == []


def test_a_campaign_earns_once(testapp, dbsession, draft, people):
    text = "متن یکسانی که چند نفر می‌فرستند"
    one = make_comment(dbsession, draft, people["citizen"], body=text, created_at=NOW - timedelta(minutes=3))
    comment_added(testapp.app, dbsession, one, draft)
    two = make_comment(dbsession, draft, people["other"], body=text, created_at=NOW - timedelta(minutes=2))
    comment_added(testapp.app, dbsession, two, draft)
    assert total(dbsession, people["other"]) == 5  # two senders are no campaign yet
    three = make_comment(dbsession, draft, people["third"], body=text, created_at=NOW - timedelta(minutes=1))
    comment_added(testapp.app, dbsession, three, draft)
    assert ledger(dbsession, people["citizen"]) == [("comment", 5, "earned")]  # the first keeps its points
    assert ledger(dbsession, people["other"]) == [("comment", 5, "earned"), ("comment", -5, "campaign")]
    assert ledger(dbsession, people["third"]) == [("comment", 0, "campaign")]
    assert differences(dbsession, rules_of(testapp.app.registry)) == []


def test_the_agencys_staff_earn_nothing_in_its_consultations(testapp, dbsession, draft, people):
    comment = make_comment(dbsession, draft, people["editor"], body="نظر کارمند دستگاه درباره متن",
                           by_agency_staff=True)
    comment_added(testapp.app, dbsession, comment, draft)
    assert ledger(dbsession, people["editor"]) == [("comment", 0, "staff")]
    assert total(dbsession, people["editor"]) == 0


def test_a_consultation_gives_a_person_at_most_the_cap(testapp, dbsession, draft, people):
    cap = rules_of(testapp.app.registry).cap_per_consultation
    for n in range(cap // 5 + 2):
        comment = make_comment(dbsession, draft, people["citizen"], body=f"نظر شماره {n} درباره این متن",
                               created_at=NOW + timedelta(seconds=n))
        comment_added(testapp.app, dbsession, comment, draft)
    assert total(dbsession, people["citizen"]) == cap == ledger_sum(dbsession, people["citizen"])
    assert ledger(dbsession, people["citizen"])[-1] == ("comment", 0, "cap")


def test_surveys_ratings_and_acceptances_at_publication(testapp, dbsession, agency, draft, people):
    app, citizen = testapp.app, people["citizen"]
    survey = Survey(draft_id=draft.id, created_at=NOW)
    dbsession.add(survey)
    dbsession.flush()
    dbsession.add(Submission(survey_id=survey.id, user_id=citizen.id, answers={}, created_at=NOW, updated_at=NOW))
    app.registry.notify(SurveyAnswered(request_of(app, dbsession, citizen), survey))
    service = Service(agency_id=agency.id, name_fa="خدمت", name_en="Service")
    dbsession.add(service)
    dbsession.flush()
    rating = ServiceRating(service_id=service.id, user_id=citizen.id, score=4, period="1405-09", rated_at=NOW)
    dbsession.add(rating)
    dbsession.flush()
    app.registry.notify(ServiceRated(request_of(app, dbsession, citizen), rating, service))
    accepted = make_comment(dbsession, draft, citizen, body="پیشنهادی که پذیرفته می‌شود")
    partly = make_comment(dbsession, draft, people["other"], body="پیشنهادی که بخشی از آن پذیرفته می‌شود")
    for comment in (accepted, partly):
        comment_added(app, dbsession, comment, draft)
    for comment, decision in ((accepted, Decision.accepted), (partly, Decision.partially_accepted)):
        response = Response(draft_id=draft.id, created_by_id=people["editor"].id, created_at=NOW)
        dbsession.add(response)
        dbsession.flush()
        dbsession.add(ResponseRevision(response_id=response.id, number=1, decision=decision, reason="دلیل پاسخ",
                                       legal_basis_law="قانون" if decision.needs_legal_basis else None,
                                       legal_basis_article="۱" if decision.needs_legal_basis else None,
                                       author_id=people["editor"].id, written_at=NOW))
        dbsession.add(ResponseComment(comment_id=comment.id, response_id=response.id))
    dbsession.flush()
    assert [a for a, _, _ in ledger(dbsession, citizen)] == ["survey", "rating", "comment"]
    draft.state, draft.published_at = State.published, NOW
    # What the publish step tells its subscribers (the workflow's own effects are tested with it).
    on_transition(DraftTransitioned(draft, SimpleNamespace(transition="publish"),
                                    request_of(app, dbsession, people["editor"])))
    assert ledger(dbsession, citizen)[-1] == ("acceptance", 20, "accepted")
    assert ledger(dbsession, people["other"])[-1] == ("acceptance", 10, "partially_accepted")
    assert total(dbsession, citizen) == 3 + 1 + 5 + 20 == ledger_sum(dbsession, citizen)
    assert {b.badge for b in dbsession.scalars(sa.select(Badge).where(Badge.user_id == citizen.id))} == {
        "first_comment", "first_accepted", "province_pioneer"}
    # Reza, also of Gilan, commented after Maryam: not the first of his province.
    assert {b.badge for b in dbsession.scalars(sa.select(Badge).where(Badge.user_id == people["other"].id))} == {
        "first_comment", "first_accepted"}
    assert differences(dbsession, rules_of(app.registry)) == []


def test_levels_and_badges_at_their_thresholds(testapp, dbsession, agency, people):
    citizen = people["citizen"]
    drafts = [make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=1)) for _ in range(5)]
    for n, draft in enumerate(drafts[:4]):
        comment_added(testapp.app, dbsession, make_comment(dbsession, draft, citizen, body=f"نظر در نظرخواهی {n}"),
                      draft)
    app = signed_in(testapp, "citizen@example.org")
    page = app.get("/me/points")
    assert "Level 2 of 5: Contributor." in page.text  # 20 points: the second level starts there
    assert "Five consultations" not in page.text
    comment_added(testapp.app, dbsession, make_comment(dbsession, drafts[4], citizen, body="نظر در پنجمین"),
                  drafts[4])
    page = app.get("/me/points")
    assert "Five consultations" in page.text and "First comment" in page.text
    assert "75 more points to reach Active citizen." in page.text
    assert page.html.select_one(".points-total").text.strip() == "25"


def test_me_points_shows_the_ledger_with_reasons_and_the_data_download_has_it(testapp, dbsession, draft, people):
    comment = make_comment(dbsession, draft, people["citizen"], body="نظری که پنهان خواهد شد")
    comment_added(testapp.app, dbsession, comment, draft)
    comment.state, comment.hidden_category, comment.hidden_reason = CommentState.hidden, HidingReason.abuse, "توهین"
    comment_added(testapp.app, dbsession, comment, draft, "hidden")
    app = signed_in(testapp, "citizen@example.org")
    page = app.get("/me/points")
    assert page.headers["Cache-Control"] == "no-store"
    rows = [r.text for r in page.html.select(".ledger tbody tr")]
    assert "the comment was hidden by the moderators" in rows[0] and "earned" in rows[1]
    assert "Comment on the draft" in page.text and "5" in page.text
    export = app.get("/me/export").json
    assert [(e["points"], e["reason"]) for e in export["points"]["ledger"]] == [(5, "earned"), (-5, "hidden")]


def test_the_ledger_is_append_only_in_the_database(dbsession, draft, people, testapp):
    comment = make_comment(dbsession, draft, people["citizen"], body="نظری برای دفتر امتیاز")
    comment_added(testapp.app, dbsession, comment, draft)
    for statement in (sa.update(LedgerEntry).values(points=100), sa.delete(LedgerEntry)):
        with pytest.raises(DBAPIError, match="append-only"):
            with dbsession.begin_nested():
                dbsession.execute(statement)


def board_rows(page):
    return [[cell.get_text(strip=True) for cell in row.find_all(["td", "th"])]
            for row in page.html.select(".leaderboard tbody tr")]


def opt_in(app, name, status=303):
    form = app.get("/me/points").forms["public-name-form"]
    form["public_name"] = name
    return form.submit("appear", value="yes", status=status)


def test_leaderboards_show_only_who_opted_in_in_order_per_period_and_agency(testapp, dbsession, agency, draft,
                                                                            people, clock):
    other_agency = make_agency(dbsession, code="customs")
    elsewhere = make_draft(dbsession, other_agency, state="consultation", opens_at=NOW - timedelta(days=1))
    for who, n in (("citizen", 1), ("other", 2), ("third", 2)):
        for k in range(n):
            comment_added(testapp.app, dbsession,
                          make_comment(dbsession, draft, people[who], body=f"نظر {who} شماره {k} درباره متن"), draft)
    comment_added(testapp.app, dbsession, make_comment(dbsession, elsewhere, people["citizen"], body="نظر گمرکی"),
                  elsewhere)
    app = signed_in(testapp, "citizen@example.org")
    assert "Give the name to show on the leaderboards." in opt_in(app, "  ", status=400).text
    page = opt_in(app, "x", status=400)
    assert "Give a public name of at least 2 characters." in page.text
    opt_in(app, "Mary").follow()
    app = signed_in(testapp, "other@example.org")
    opt_in(app, "Rezvan").follow()
    # Sara did not opt in: she never appears, not on the page nor in its download.
    testapp.reset()
    page = testapp.get("/leaderboard/?_LOCALE_=en")
    assert board_rows(page) == [["1", "Mary", "10"],
                                                                                 ["1", "Rezvan", "10"]]
    assert "Sara" not in page.text and "Sara" not in testapp.get("/leaderboard/leaderboard.csv").text
    page = testapp.get("/leaderboard/tax/")
    assert board_rows(page) == [["1", "Rezvan", "10"],
                                                                                 ["2", "Mary", "5"]]
    assert board_rows(testapp.get("/leaderboard/customs/")) == [
        ["1", "Mary", "5"]]
    assert testapp.get("/leaderboard/?period=1405-s3").html.select(".leaderboard tbody tr")
    assert not testapp.get("/leaderboard/?period=1404").html.select(".leaderboard tbody tr")
    assert not testapp.get("/leaderboard/?period=1405-s1").html.select(".leaderboard tbody tr")
    testapp.get("/leaderboard/nosuch/", status=404)
    testapp.get("/leaderboard/?period=nonsense")  # the default period, no error
    # Opting out takes one off at once.
    app = signed_in(testapp, "other@example.org")
    app.get("/me/points").forms["public-leave-form"].submit("appear", value="no").follow()
    testapp.reset()
    assert "Rezvan" not in testapp.get("/leaderboard/").text
    assert dbsession.get(PublicProfile, people["other"].id) is None


def test_a_closed_account_leaves_the_leaderboards(testapp, dbsession, draft, people):
    comment_added(testapp.app, dbsession, make_comment(dbsession, draft, people["citizen"], body="نظر پیش از بستن"),
                  draft)
    opt_in(signed_in(testapp, "citizen@example.org"), "Mary").follow()
    admin = signed_in(testapp, "admin@example.org")
    admin.post(f"/admin/users/{people['citizen'].id}/access", {"csrf_token": token(admin), "access": "close"},
               status=303)
    testapp.reset()
    assert "Mary" not in testapp.get("/leaderboard/").text
    assert dbsession.get(PublicProfile, people["citizen"].id) is None
    assert ledger(dbsession, people["citizen"]) == [("comment", 5, "earned")]  # kept, as the comment is


def test_top_contributors_and_the_agencys_thank_you_list(testapp, dbsession, agency, draft, people):
    comment = make_comment(dbsession, draft, people["citizen"], body="پیشنهاد پذیرفته‌شده")
    comment_added(testapp.app, dbsession, comment, draft)
    response = Response(draft_id=draft.id, created_by_id=people["editor"].id, created_at=NOW)
    dbsession.add(response)
    dbsession.flush()
    dbsession.add(ResponseRevision(response_id=response.id, number=1, decision=Decision.accepted, reason="دلیل",
                                   author_id=people["editor"].id, written_at=NOW))
    dbsession.add(ResponseComment(comment_id=comment.id, response_id=response.id))
    draft.state, draft.published_at = State.published, NOW
    dbsession.flush()
    opt_in(signed_in(testapp, "citizen@example.org"), "Mary").follow()
    testapp.reset()
    page = testapp.get(f"/consultations/{draft.id}/?_LOCALE_=en")
    assert "Top contributors" in page.text and "Mary" in page.html.select_one(".top-contributors").text

    signed_in(testapp, "citizen@example.org").get("/agencies/tax/thanks", status=403)
    editor = signed_in(testapp, "editor@example.org")
    form = editor.get("/agencies/tax/thanks").forms["thank-you-form"]
    form["person"] = [str(people["citizen"].id)]
    form.submit(status=303)
    testapp.reset()
    page = testapp.get("/agencies/tax/?_LOCALE_=en")
    assert [li.text for li in page.html.select(".thank-you-names li")] == ["Mary"]


def test_the_review_lists_accounts_mostly_from_hidden_comments(testapp, dbsession, agency, draft, people):
    for n in range(2):
        comment = make_comment(dbsession, draft, people["third"], body=f"نظر تبلیغاتی شماره {n}")
        comment_added(testapp.app, dbsession, comment, draft)
        comment.state, comment.hidden_category, comment.hidden_reason = CommentState.hidden, HidingReason.spam, "تبلیغ"
        comment_added(testapp.app, dbsession, comment, draft, "hidden")
    comment_added(testapp.app, dbsession, make_comment(dbsession, draft, people["citizen"], body="نظر درست"), draft)
    page = signed_in(testapp, "editor@example.org").get("/agencies/tax/points-review")
    assert "Sara" in page.text and "Maryam" not in page.text
    assert "Sara" in signed_in(testapp, "admin@example.org").get("/points-review/").text


@pytest.mark.parametrize("who, path", [
    (None, "/me/points"),
    ("citizen@example.org", "/points-review/"),
    ("editor@example.org", "/points-review/"),
    ("citizen@example.org", "/agencies/tax/points-review"),
    ("customs.editor@example.org", "/agencies/tax/points-review"),
    ("citizen@example.org", "/agencies/tax/thanks"),
    ("customs.editor@example.org", "/agencies/tax/thanks"),
    ("admin@example.org", "/agencies/tax/thanks"),
])
def test_pages_are_refused_without_their_permission(testapp, dbsession, people, who, path):
    make_user(dbsession, email="customs.editor@example.org", grants=[("editor", make_agency(dbsession, code="customs"))])
    if who is None:
        testapp.reset()
        assert testapp.get(path, status="*").status_int in (303, 403)
    else:
        signed_in(testapp, who).get(path, status=403)
    if path.endswith("/thanks") and who is not None:
        app = signed_in(testapp, who)
        app.post(path + "/publish", {"csrf_token": token(app)}, status=403)


def test_unsafe_requests_need_the_csrf_token(testapp, dbsession, people):
    app = signed_in(testapp, "citizen@example.org")
    app.post("/me/points/public", {"public_name": "Mary", "appear": "yes"}, status=400)
    assert dbsession.get(PublicProfile, people["citizen"].id) is None


def test_query_counts_of_the_leaderboard_and_me_points(testapp, dbsession, draft, people, query_counter):
    def counted(app, path):
        with query_counter() as counter:
            app.get(path)
        return counter.count

    for n in range(3):
        comment_added(testapp.app, dbsession, make_comment(dbsession, draft, people["citizen"], body=f"نظر {n} متن"),
                      draft)
    app = signed_in(testapp, "citizen@example.org")
    opt_in(app, "Mary").follow()
    few = counted(app, "/me/points"), counted(app, "/leaderboard/")
    for who in ("other", "third"):
        for n in range(5):
            comment_added(testapp.app, dbsession,
                          make_comment(dbsession, draft, people[who], body=f"نظر {who} {n} درباره متن"), draft)
        dbsession.add(PublicProfile(user_id=people[who].id, public_name=who, chosen_at=NOW))
    for n in range(5, 9):
        comment_added(testapp.app, dbsession, make_comment(dbsession, draft, people["citizen"], body=f"نظر {n} متن"),
                      draft)
    dbsession.flush()
    assert (counted(app, "/me/points"), counted(app, "/leaderboard/")) == few


def test_recomputing_from_the_acts_finds_and_corrects_differences(testapp, dbsession, draft, people):
    from eparticipation.incentives.services import Due, append, rebuild_totals, repair, totals_differences

    rules = rules_of(testapp.app.registry)
    comment = make_comment(dbsession, draft, people["citizen"], body="نظری که دستکاری می‌شود")
    comment_added(testapp.app, dbsession, comment, draft)
    # Points written by hand, as a bug or a tampering would: the acts do not give them.
    append(dbsession, people["citizen"].id, draft.agency_id, draft.id,
           [(Due("comment", comment.id, 50, 5, "earned", NOW), 50, "earned")], NOW)
    # A vote whose points were never written.
    from eparticipation.participation.models import Vote, VoteChoice
    dbsession.add(Vote(draft_id=draft.id, user_id=people["other"].id, choice=VoteChoice.support, cast_at=NOW,
                       updated_at=NOW))
    dbsession.flush()
    found = differences(dbsession, rules)
    assert {(d.user_id, d.act, d.booked, d.due) for d in found} == {
        (people["citizen"].id, "comment", 55, 5), (people["other"].id, "vote", 0, 1)}
    repair(SimpleNamespace(dbsession=dbsession, now=NOW), found)
    assert differences(dbsession, rules) == []
    assert ledger(dbsession, people["citizen"])[-1] == ("comment", -50, "corrected")
    assert total(dbsession, people["citizen"]) == 5 and total(dbsession, people["other"]) == 1
    dbsession.execute(sa.update(PointsTotal).values(points=999))
    assert totals_differences(dbsession) > 0
    rebuild_totals(dbsession)
    assert totals_differences(dbsession) == 0 and total(dbsession, people["citizen"]) == 5
