"""/oversight/ and /transparency/: the compliance indicators against a world whose answers are known by hand.

The world lies in 1397–1398 (2018–2019), where no other test puts consultations, so the ministry's figures are
the world's own. Agency «tax» holds three consultations in 1398 Q1 and one in Q3 (Q2 is empty), «customs» one
in 1398 Q1 and one in 1397 Q4, «idle» none.
"""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa
from persiantools.jdatetime import JalaliDate

from eparticipation.exports import csv_text
from eparticipation.consultations.models import DocumentType, State, Subject
from eparticipation.feedback.models import Service, ServiceAnswer, ServiceRating
from eparticipation.i18n import DISPLAY_TIMEZONE
from eparticipation.oversight import indicators
from eparticipation.oversight.dashboard import csv_rows, public_suppression
from eparticipation.planning.models import PlanEntry, PlanState
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision

from ..factories import make_agency, make_comment, make_draft, make_user

SETTINGS = {"eparticipation.required_languages": ["fa", "en"], "eparticipation.min_consultation_days": 30}


def tehran(year, month, day, hour=0):
    return datetime.combine(JalaliDate(year, month, day).to_gregorian(), time(hour), tzinfo=DISPLAY_TIMEZONE)


def consultation(dbsession, agency, opens, days, state="published", publish_after=None, languages=("fa", "en"),
                 **fields):
    draft = make_draft(dbsession, agency, state=state, languages=languages, opens_at=opens,
                       closes_at=opens + timedelta(days=days))
    if state in ("closed", "published"):
        draft.closed_at = draft.closes_at
    if publish_after is not None:
        draft.published_at = draft.closed_at + timedelta(days=publish_after)
    for name, value in fields.items():
        setattr(draft, name, value)
    dbsession.flush()
    return draft


def respond(dbsession, draft, editor, comments, *decisions, after_days):
    moment = draft.closes_at + timedelta(days=after_days)
    response = Response(draft_id=draft.id, created_by_id=editor.id, created_at=moment)
    response.covered = [ResponseComment(comment_id=c.id) for c in comments]
    response.revisions = [
        ResponseRevision(number=n, decision=decision, reason="دلیل", author_id=editor.id, written_at=moment,
                         **({"legal_basis_law": "قانون", "legal_basis_article": "ماده ۱"}
                            if decision.needs_legal_basis else {}))
        for n, decision in enumerate(decisions, start=1)
    ]
    dbsession.add(response)
    dbsession.flush()


@pytest.fixture
def world(dbsession):
    indicators._cache.clear()  # a rolled-back test's data may leave the same version behind
    tax, customs = make_agency(dbsession, code="tax"), make_agency(dbsession, code="customs")
    idle = make_agency(dbsession, code="idle")
    editor = make_user(dbsession, email="tax.editor@example.org", grants=[("editor", tax)])
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    u1, u2, u3 = (make_user(dbsession, email=f"person{n}@example.org") for n in (1, 2, 3))
    # tax, 1398 Q1: 30 days, both languages, published 10 days after closing, its text changed afterwards.
    d1 = consultation(dbsession, tax, tehran(1398, 1, 15), 30, publish_after=10)
    d1.articles[0].text = "متن تازه پس از نظرخواهی"
    c1, c2, _c3 = (make_comment(dbsession, d1, author, body=f"نظر {n}", created_at=d1.opens_at + timedelta(days=1))
                   for n, author in ((1, u1), (2, u2), (3, u2)))
    make_comment(dbsession, d1, u3, body="پنهان", state="hidden", hidden_category="spam", hidden_reason="تبلیغ",
                 created_at=d1.opens_at)  # hidden: counted nowhere
    respond(dbsession, d1, editor, [c1], Decision.accepted, after_days=4)
    respond(dbsession, d1, editor, [c2], Decision.noted, Decision.partially_accepted, after_days=4)
    # tax, 1398 Q1: 20 days only, Persian only, published 20 days after closing.
    d2 = consultation(dbsession, tax, tehran(1398, 2, 1), 20, publish_after=20, languages=("fa",))
    make_comment(dbsession, d2, u1, body="نظر دیگر", created_at=d2.opens_at)
    # tax, 1398 Q1: a service's consultation, closed, not yet published.
    consultation(dbsession, tax, tehran(1398, 3, 1), 30, state="closed", subject=Subject.service,
                 document_type=None)
    # tax, 1398 Q3 (Q2 is empty): still open.
    d4 = consultation(dbsession, tax, tehran(1398, 7, 10), 30, state="consultation")
    make_comment(dbsession, d4, u3, body="نظر سوم", created_at=d4.opens_at)
    # customs, 1398 Q1: 45 days, published after 10; both comments answered by one refusal, 2 days after closing.
    d5 = consultation(dbsession, customs, tehran(1398, 2, 10), 45, publish_after=10)
    c5 = [make_comment(dbsession, d5, author, body="نظر گمرک", created_at=d5.opens_at) for author in (u2, u3)]
    respond(dbsession, d5, editor, c5, Decision.rejected, after_days=2)
    # customs, 1397 Q4.
    consultation(dbsession, customs, tehran(1397, 11, 1), 30, publish_after=6)
    # The forward plan announced d1 a quarter before it opened; d2's entry was published only after it opened.
    # (Only the publishing and the opening count; a plan names years from 1400, whatever this world's are.)
    for draft, published in ((d1, tehran(1397, 10, 1)), (d2, tehran(1398, 2, 5))):
        dbsession.add(PlanEntry(agency_id=tax.id, year=1400, quarter=1, title_fa="برنامه", document_type="bylaw",
                                state=PlanState.published, published_at=published, draft_id=draft.id,
                                created_at=published, updated_at=published))
    # A draft never opened counts nowhere.
    make_draft(dbsession, tax)
    service = Service(agency_id=customs.id, name_fa="خدمت", name_en="Service")
    dbsession.add(service)
    dbsession.flush()
    # Three ratings: Mehr's and Aban's with a comment (Mehr's answered), Farvardin's a score alone.
    ratings = [ServiceRating(service_id=service.id, user_id=user.id, score=4, period=period, rated_at=moment,
                             comment=comment)
               for user, moment, period, comment in ((u1, tehran(1398, 7, 2, 12), "1398-07", "صف طولانی بود"),
                                                     (u2, tehran(1398, 8, 2, 12), "1398-08", "خوب"),
                                                     (u1, tehran(1398, 1, 20, 12), "1398-01", None))]
    dbsession.add_all(ratings)
    dbsession.flush()
    dbsession.add(ServiceAnswer(rating_id=ratings[0].id, decision="accepted", reason="باجه دوم باز شد",
                                author_id=editor.id, answered_at=tehran(1398, 7, 5)))
    dbsession.flush()
    return {"tax": tax, "customs": customs, "idle": idle}


@pytest.fixture
def dashboard(dbsession, world):
    return indicators.compute(dbsession, SETTINGS, range(1397, 1399))


def values(dashboard, agency, period):
    figures = dashboard.figures(agency.id if agency else None, period)
    return {name: figures.get(name) for name in indicators.COLUMNS}


def test_each_agency_quarter_and_year_has_its_known_figures(dashboard, world):
    tax, customs, idle = world["tax"], world["customs"], world["idle"]
    assert values(dashboard, tax, "1398-1") == {
        "held": 3, "announced": 1, "min_days": 2, "languages": 2, "closed": 3, "published": 2,
        "publish_days_median": 15.0,  # a tie between 10 and 20: their mean
        "comments": 4, "participants": 2, "answered": 2, "respond_days_median": 4.0, "accepted": 2, "changed": 1,
        "ratings": 0, "rated_comments": 0, "ratings_answered": 0}
    assert values(dashboard, customs, "1398-1") == {
        "held": 1, "announced": 0, "min_days": 1, "languages": 1, "closed": 1, "published": 1,
        "publish_days_median": 10.0, "comments": 2, "participants": 2, "answered": 2, "respond_days_median": 2.0,
        "accepted": 0, "changed": 0, "ratings": 1, "rated_comments": 0, "ratings_answered": 0}
    # The ministry: distinct people across agencies (person 2 commented at both), medians over all rows.
    assert values(dashboard, None, "1398-1") == {
        "held": 4, "announced": 1, "min_days": 3, "languages": 3, "closed": 4, "published": 3,
        "publish_days_median": 10.0, "comments": 6, "participants": 3, "answered": 4, "respond_days_median": 4.0,
        "accepted": 2, "changed": 1, "ratings": 1, "rated_comments": 0, "ratings_answered": 0}
    empty = {name: 0 for name in indicators.COLUMNS} | {"publish_days_median": None, "respond_days_median": None}
    assert values(dashboard, tax, "1398-2") == empty
    assert values(dashboard, idle, "1398") == empty
    year = values(dashboard, tax, "1398")  # the year's people are counted once, not summed over quarters
    assert (year["held"], year["comments"], year["participants"], year["publish_days_median"]) == (4, 5, 3, 15.0)
    assert values(dashboard, customs, "1397-4")["held"] == 1 and values(dashboard, customs, "1397")["held"] == 1
    assert values(dashboard, None, "1398-3")["ratings"] == 2 and values(dashboard, None, "1398")["ratings"] == 3
    # Of Mehr–Azar's two rated comments the agency answered one: half, at customs and for the ministry.
    autumn = dashboard.figures(customs.id, "1398-3")
    assert (autumn.get("rated_comments"), autumn.get("ratings_answered"), autumn.share("ratings_answered")) == (2, 1, 0.5)
    assert dashboard.figures(None, "1398").share("ratings_answered") == 0.5
    assert dashboard.figures(tax.id, "1398").share("announced") == 0.25  # d1 of tax's four
    assert dashboard.figures(tax.id, "1398-1").share("min_days") == pytest.approx(2 / 3)
    assert dashboard.figures(None, "1398-1").share("accepted") == 0.5
    assert dashboard.figures(tax.id, "1398-2").share("min_days") is None


def test_consultations_by_document_type_and_subject(dashboard, world):
    tax = dashboard.figures(world["tax"].id, "1398-1")
    assert tax.by_type == {"bylaw": 2}  # a service has no document type
    assert tax.by_subject == {"document": 2, "service": 1}
    assert dashboard.figures(None, "1398").by_subject == {"document": 4, "service": 1}


def test_the_quarters_follow_the_jalali_calendar():
    periods = {p.key: p for p in indicators.periods_for(range(1398, 1399))}
    assert periods["1398-1"].starts == tehran(1398, 1, 1) and periods["1398-1"].ends == tehran(1398, 4, 1)
    assert periods["1398-4"].ends == tehran(1399, 1, 1) == periods["1398"].ends


def test_the_csv_parses_with_a_row_per_agency_and_period(dashboard, world):
    header, rows = csv_rows(dashboard)
    parsed = list(csv.DictReader(io.StringIO(csv_text(header, rows).lstrip("\ufeff"))))
    tax = next(r for r in parsed if r["agency_code"] == "tax" and r["jalali_year"] == "1398"
               and r["jalali_quarter"] == "1")
    assert (tax["held"], tax["min_days"], tax["min_days_count"], tax["publish_days_median"]) == ("3", "0.6667", "2",
                                                                                              "15.0")
    assert len(parsed) == 10 * 4  # (2 years + 8 quarters) × (the ministry and three agencies)


def test_the_public_figures_hide_every_count_of_people_below_k(dashboard, world):
    header, rows = csv_rows(dashboard, k=3)
    hidden = public_suppression(dashboard, 3)
    for row in rows:
        line = dict(zip(header, row))
        for name in ("comments", "participants"):
            assert line[name] == "" or line[name] == 0 or int(line[name]) >= 3, line
    # customs' 2 comments of 1398 Q1 are below 3; tax's 4 are not, but would give customs' away (6 − 4).
    assert hidden[(world["customs"].id, "1398-1")] >= {"comments", "participants"}
    assert "comments" in hidden[(world["tax"].id, "1398-1")]


def test_the_auditor_sees_the_dashboard_and_follows_a_figure(en, world):
    en.login("auditor@example.org")
    page = en.get("/oversight/?year=1398&quarter=1")
    row = next(tr for tr in page.html.select("table.oversight-table tbody tr") if "Agency" in tr.th.text
               and tr.th.text.strip() == world["tax"].name_en)
    headers = [th.text.strip() for th in page.html.select("table.oversight-table thead th")][1:]
    cells = dict(zip(headers, row.select("td")))
    assert cells["Consultations held"].text.strip() == "3"
    assert cells["Announced in the forward plan in advance"].text.strip() == "33% (1 of 3)"
    assert cells["Ran the minimum days"].text.strip() == "67% (2 of 3)"
    assert cells["Median days from closing to publishing"].text.strip() == "15.0"
    assert cells["Rated comments answered"].text.strip() == "—"  # tax has no service rated
    link = cells["Ran the minimum days"].a["href"]
    listing = en.get(link)
    assert len(listing.html.select("tbody tr")) == 2
    assert "indicator=min_days" in link and "agency=tax" in link
    announced = en.get(cells["Announced in the forward plan in advance"].a["href"])
    assert len(announced.html.select("tbody tr")) == 1  # d1, announced a quarter before it opened


def test_the_drill_down_refuses_what_it_does_not_know(en, world):
    en.login("auditor@example.org")
    en.get("/oversight/consultations?year=1398&indicator=nonsense", status=400)
    en.get("/oversight/consultations?year=1398&agency=nobody", status=400)
    en.get("/oversight/?year=1200", status=400)
    en.get("/oversight/?year=x", status=400)


def test_the_dashboard_in_persian_has_persian_digits_and_jalali_periods(testapp, world):
    testapp.login("admin@example.org")
    page = testapp.get("/oversight/?year=1398&quarter=1")
    assert "۱۳۹۸، فصل ۱" in page.text
    assert "۶۷٪" in page.text


@pytest.mark.parametrize("who", [None, "person1@example.org", "tax.editor@example.org"])
def test_only_auditors_and_admins_see_the_dashboard(testapp, world, who):
    if who:
        testapp.login(who)
    for path in ("/oversight/", "/oversight/export.csv", "/oversight/consultations?year=1398"):
        response = testapp.get(path, expect_errors=True)
        assert response.status_int in (302, 303, 403, 404), path
        assert "oversight-table" not in response.text


def test_the_exports_download(en, world):
    en.login("auditor@example.org")
    text = en.get("/oversight/export.csv").body.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header[:5] == ["agency_code", "agency_name_fa", "agency_name_en", "jalali_year", "jalali_quarter"]


def test_the_transparency_page_is_public_and_shows_no_small_count_of_people(testapp, world):
    page = testapp.get("/transparency/?year=1398&quarter=1")
    assert "oversight-table" in page.text and "/oversight/consultations" not in page.text
    assert "person1@example.org" not in page.text
    text = testapp.get("/transparency/export.csv").body.decode("utf-8-sig")
    for line in csv.DictReader(io.StringIO(text)):
        for name in ("comments", "participants"):
            assert line[name] in ("", "0") or int(line[name]) >= 5, line


def test_the_statements_do_not_grow_with_agencies_or_consultations(dbsession, world, query_counter):
    def count():
        with query_counter() as counted:
            indicators.compute(dbsession, SETTINGS, range(1397, 1399))
        return counted.count

    before = count()
    more = make_agency(dbsession, code="more")
    for day in (1, 5, 9):
        make_comment(dbsession, consultation(dbsession, more, tehran(1398, 1, day), 30), make_user(dbsession))
    assert count() == before


def test_the_warm_dashboard_is_cached_until_the_data_moves(dbsession, world, query_counter):
    now = tehran(1398, 12, 1)
    indicators._cache.clear()
    first = indicators.cached_dashboard(dbsession, SETTINGS, now)
    with query_counter() as counted:
        assert indicators.cached_dashboard(dbsession, SETTINGS, now) is first
    assert counted.count <= 2
    make_comment(dbsession, consultation(dbsession, world["idle"], tehran(1398, 1, 3), 30), make_user(dbsession))
    dbsession.execute(sa.update(indicators.Draft).values(participation_version=indicators.Draft.participation_version + 1))
    assert indicators.cached_dashboard(dbsession, SETTINGS, now) is not first
