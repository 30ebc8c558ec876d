"""Continuous service feedback that is answered: the agency's editors answer a rating's comment publicly (a
decision of the responses' vocabulary and its reason), audited, and the rater is told on their channels; the
public trend page gives the ratings by month, the share answered and who rated, suppressed below k."""

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from eparticipation.feedback.models import ServiceAnswer
from eparticipation.messaging.models import InboxMessage, MessengerLink, OutboxMessage

from ..audit import audit_entries
from ..conftest import NOW
from ..factories import make_user
from .test_service_feedback import agency, make_service, people, rate, service_path  # noqa: F401 (fixtures)

EARLIER = datetime(2026, 10, 10, 8, 0, tzinfo=timezone.utc)  # 18 Mehr 1405
ABAN = datetime(2026, 11, 10, 8, 0, tzinfo=timezone.utc)  # 19 Aban 1405


def answer(testapp, service, rating, decision="accepted", reason="We have added a second counter.", status=303):
    page = testapp.get(service_path(service, "answer") + f"?rating={rating.id}")
    form = page.forms["answer"]
    form["decision"] = decision
    form["reason"] = reason
    return form.submit("answer", status=status)


def test_an_editor_answers_a_comment_and_the_rater_is_told(en, dbsession, agency, people):  # noqa: F811
    service = make_service(dbsession, agency)
    citizen = people["citizen"]
    citizen.locale = "en"
    dbsession.add(MessengerLink(user_id=citizen.id, messenger="bale", chat_id="123456789", linked_at=NOW))
    rating = rate(dbsession, service, citizen, score=2, comment="The queue took three hours.")
    en.login("editor@example.org")
    page = en.get(service_path(service, "ratings")).click("Answer publicly")
    assert "The queue took three hours." in page.text
    answer(en, service, rating).follow()

    stored = dbsession.scalar(sa.select(ServiceAnswer).where(ServiceAnswer.rating_id == rating.id))
    assert (stored.decision, stored.reason, stored.revision) == ("accepted", "We have added a second counter.", 1)
    inbox = dbsession.scalars(sa.select(InboxMessage).where(InboxMessage.user_id == citizen.id)).all()
    assert [m.subject for m in inbox] == [f"{agency.name('en')} has answered your comment on “Issuing tax certificates”"]
    assert inbox[0].body.startswith("Accepted: We have added a second counter.")
    assert inbox[0].link.endswith(service_path(service))
    outbox = dbsession.scalars(sa.select(OutboxMessage).where(OutboxMessage.user_id == citizen.id)
                               .order_by(OutboxMessage.channel)).all()
    assert [(m.channel, m.address) for m in outbox] == [("bale", "123456789"), ("email", "citizen@example.org")]
    [entry] = [e for e in audit_entries(dbsession) if e.action == "service.answer"]
    assert entry.after["decision"] == "accepted" and entry.after["rating"] == rating.id

    # The public sees the comment with its answer, never who wrote it.
    en.logout()
    public = en.get(service_path(service))
    assert "The queue took three hours." in public.text and "We have added a second counter." in public.text
    assert "Citizen Kane" not in public.text and "citizen@example.org" not in public.text


def test_a_new_wording_is_audited_and_told_once_more(en, dbsession, agency, people):  # noqa: F811
    service = make_service(dbsession, agency)
    rating = rate(dbsession, service, people["citizen"], comment="Slow.")
    en.login("editor@example.org")
    answer(en, service, rating, "noted", "Thank you.")
    answer(en, service, rating, "noted", "Thank you.")  # unchanged: no new message
    answer(en, service, rating, "rejected", "The hours are set by law.")
    stored = dbsession.scalar(sa.select(ServiceAnswer).where(ServiceAnswer.rating_id == rating.id))
    assert (stored.decision, stored.revision) == ("rejected", 2)
    revised = [e for e in audit_entries(dbsession) if e.action == "service.answer.revise"]
    assert [(e.before["decision"], e.after["decision"]) for e in revised] == [("noted", "rejected")]
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(InboxMessage)
                            .where(InboxMessage.user_id == people["citizen"].id)) == 2


def test_the_answer_form_keeps_bad_input_and_explains(en, dbsession, agency, people):  # noqa: F811
    service = make_service(dbsession, agency)
    rating = rate(dbsession, service, people["citizen"], comment="Slow.")
    en.login("editor@example.org")
    page = answer(en, service, rating, "noted", "   ", status=400)
    assert "Give the reason for the decision." in page.text
    page = en.get(service_path(service, "answer") + f"?rating={rating.id}")
    form = page.forms["answer"]
    form["reason"] = "kept text"
    page = form.submit("answer", status=400)
    assert "Choose a decision." in page.text and "kept text" in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ServiceAnswer)) == 0


@pytest.mark.parametrize("who", ["coordinator", "auditor", "other_editor", "citizen", None])
def test_only_the_agencys_editors_answer(en, dbsession, agency, people, who):  # noqa: F811
    service = make_service(dbsession, agency)
    rating = rate(dbsession, service, people["citizen"], comment="Slow.")
    if who:
        en.login(people[who].email)
    en.get(service_path(service, "answer") + f"?rating={rating.id}", status=403)
    en.post(service_path(service, "answer") + f"?rating={rating.id}",
            {"decision": "accepted", "reason": "x"}, status=403)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ServiceAnswer)) == 0


def test_a_rating_without_comment_or_of_another_service_is_not_found(en, dbsession, agency, people):  # noqa: F811
    service, other = make_service(dbsession, agency), make_service(dbsession, agency, name_en="B", name_fa="ب")
    silent = rate(dbsession, service, score=3)
    elsewhere = rate(dbsession, other, comment="Elsewhere.")
    en.login("editor@example.org")
    en.get(service_path(service, "answer") + f"?rating={silent.id}", status=404)
    en.get(service_path(service, "answer") + f"?rating={elsewhere.id}", status=404)
    en.get(service_path(service, "answer"), status=404)
    en.get(service_path(service, "answer") + "?rating=abc", status=400)


# --- the public trend page ----------------------------------------------------------------------------------


@pytest.fixture
def rated(dbsession, agency):  # noqa: F811
    """Six women and one man rated in Azar 1405 (scores 4 and 2), two people in Mehr and three in Aban who gave
    no profile; three comments, one answered."""
    service = make_service(dbsession, agency)
    for n in range(6):
        rate(dbsession, service, make_user(dbsession, gender="female", birth_year=1990, stakeholder_category="ngo",
                                           residence="IR-07"), score=4, comment="Good." if n < 2 else None)
    man = rate(dbsession, service, make_user(dbsession, gender="male", birth_year=1960), score=2, comment="Bad.")
    for _ in range(2):
        rate(dbsession, service, make_user(dbsession), score=5, at=EARLIER)
    for _ in range(3):
        rate(dbsession, service, make_user(dbsession), score=5, at=ABAN)
    dbsession.add(ServiceAnswer(rating_id=man.id, decision="noted", reason="Noted.", revision=1, answered_at=NOW))
    dbsession.flush()
    return service


def table_rows(page, table_id):
    table = page.html.select_one(f"#{table_id} table")
    return {row.th.get_text(strip=True): [td.get_text(strip=True) for td in row.select("td")]
            for row in table.select("tbody tr")}


def test_the_trend_page_shows_months_answers_and_who_rated(en, dbsession, rated):
    page = en.get(service_path(rated, "trend"))
    assert page.html.select_one(".trend-count").get_text(strip=True) == "12"
    by_month = table_rows(page, "ratings_by_month")
    assert list(by_month) == ["Mehr 1405", "Aban 1405", "Azar 1405"]
    assert by_month["Azar 1405"] == ["7", "3.7"]
    assert by_month["Mehr 1405"] == by_month["Aban 1405"] == ["< 5", "< 5"]  # neither the count nor the average
    # Three comments, one answered: too few to give the share.
    assert page.html.select_one(".trend-share-answered").get_text(strip=True) == "Not shown, to protect privacy"
    by_gender = table_rows(page, "ratings_by_gender")
    assert by_gender["Female"] == ["6", "4.0"]
    assert by_gender["Male"] == ["< 5", "< 5"]
    # The total (12) is public: with the man's one alone hidden it would be 12 − 6 − 5, so a second row goes.
    assert by_gender["Not given"] == ["< 5", "< 5"]
    # The chart's labels are HTML text, the bars SVG without text.
    chart = page.html.select_one("#ratings_by_gender .report-chart")
    assert chart.select_one(".chart-label").get_text(strip=True) and not chart.select("svg text")
    by_age = table_rows(page, "ratings_by_age_band")
    assert by_age["35 to 44"] == ["6", "4.0"] and by_age["65 and over"] == ["< 5", "< 5"]


def test_the_trend_page_in_persian(testapp, dbsession, rated):
    page = testapp.get(service_path(rated, "trend"))
    assert page.html.select_one(".trend-count").get_text(strip=True) == "۱۲"
    assert "آذر ۱۴۰۵" in table_rows(page, "ratings_by_month")


def test_the_share_answered_when_enough_comments(en, dbsession, agency):  # noqa: F811
    service = make_service(dbsession, agency)
    ratings = [rate(dbsession, service, comment=f"c{n}") for n in range(10)]
    for rating in ratings[:5]:
        dbsession.add(ServiceAnswer(rating_id=rating.id, decision="noted", reason="r", revision=1, answered_at=NOW))
    dbsession.flush()
    page = en.get(service_path(service, "trend"))
    assert page.html.select_one(".trend-share-answered").get_text(strip=True) == "50 % (5 of 10)"


def test_the_trend_page_of_an_unrated_service(en, dbsession, agency):  # noqa: F811
    service = make_service(dbsession, agency)
    assert "Nobody has rated this service yet." in en.get(service_path(service, "trend")).text


def test_the_trend_page_sends_a_bounded_number_of_statements(en, dbsession, query_counter, agency):  # noqa: F811
    service = make_service(dbsession, agency)

    def statements():
        en.app_dbsession.expire_all()
        with query_counter() as counted:
            en.get(service_path(service, "trend"))
        return counted.count

    for _ in range(3):
        rate(dbsession, service, comment="c")
    few = statements()
    for month in range(1, 10):
        for n in range(4):
            rate(dbsession, service, make_user(dbsession, gender="female" if n % 2 else "male", residence=f"IR-0{n}"),
                 comment="c", at=datetime(2026, month, 10, tzinfo=timezone.utc))
    assert statements() <= few
