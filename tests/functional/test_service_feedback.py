"""P4 service feedback: agencies list their services; signed-in citizens rate each one once per Jalali month;
the public sees averages and counts only, the agency's staff and auditors read the comments."""

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from eparticipation.feedback.models import (
    Service,
    ServiceRating,
    next_period_start,
    rating_period,
)

from ..audit import audit_entries, head
from ..conftest import NOW
from ..factories import make_agency, make_user

# NOW is 6 Azar 1405 in Tehran; Dey 1405 starts on 22 December 2026 (00:00 in Tehran is 20:30 UTC the day before).
LAST_MINUTE_OF_AZAR = datetime(2026, 12, 21, 20, 29, tzinfo=timezone.utc)
FIRST_MINUTE_OF_DEY = datetime(2026, 12, 21, 20, 30, tzinfo=timezone.utc)


def make_service(dbsession, agency, name_en="Issuing tax certificates", name_fa="صدور گواهی مالیاتی", **fields):
    service = Service(agency_id=agency.id, name_en=name_en, name_fa=name_fa, created_at=NOW, updated_at=NOW,
                      **fields)
    dbsession.add(service)
    dbsession.flush()
    return service


def rate(dbsession, service, user=None, score=4, comment=None, at=NOW):
    rating = ServiceRating(service_id=service.id, user_id=(user or make_user(dbsession)).id, score=score,
                           comment=comment, period=rating_period(at), rated_at=at)
    dbsession.add(rating)
    dbsession.flush()
    return rating


def service_path(service, *elements):
    return f"/agencies/{service.agency.code}/services/{service.id}/" + "/".join(elements)


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="mefa")


@pytest.fixture
def people(dbsession, agency):
    other = make_agency(dbsession, code="tax")
    return {
        "editor": make_user(dbsession, email="editor@example.org", grants=[("editor", agency)]),
        "coordinator": make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)]),
        "other_editor": make_user(dbsession, email="other.editor@example.org", grants=[("editor", other)]),
        "auditor": make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)]),
        "citizen": make_user(dbsession, email="citizen@example.org", display_name="Citizen Kane", birth_year=1980),
    }


# --- the agency's staff list their services ----------------------------------------------------------------


def test_an_editor_adds_a_service_and_a_coordinator_edits_it(en, dbsession, agency, people):
    start = head(dbsession)
    en.login("editor@example.org")
    page = en.get("/agencies/mefa/services/")
    assert "This agency has not listed its services yet." in page.text
    form = page.click("New service or process").forms["service"]
    form["name_fa"] = "  صدور گواهی مالیاتی "
    form["name_en"] = "Issuing tax certificates"
    form["description_en"] = "A certificate that no tax is owed."
    page = form.submit("add", status=303).follow()
    assert "The service is added." in page.text
    service = dbsession.scalar(sa.select(Service).where(Service.agency_id == agency.id))
    assert (service.name_fa, service.created_by_id, service.created_at) == (
        "صدور گواهی مالیاتی", people["editor"].id, NOW)
    assert page.request.path == f"/agencies/mefa/services/{service.id}/"
    assert "A certificate that no tax is owed." in page.text
    en.logout()

    en.login("coordinator@example.org")
    form = en.get(service_path(service, "edit")).forms["service"]
    assert form["name_en"].value == "Issuing tax certificates"
    form["name_en"] = "Tax clearance certificates"
    page = form.submit("save", status=303).follow()
    assert "The service is saved." in page.text
    assert service.name_en == "Tax clearance certificates"
    assert "Tax clearance certificates" in en.get("/agencies/mefa/services/").text
    added, edited = audit_entries(dbsession, start)
    assert (added.action, added.actor_id, added.agency_id) == ("service.add", people["editor"].id, agency.id)
    assert (edited.action, edited.actor_id) == ("service.edit", people["coordinator"].id)
    assert (edited.before["name_en"], edited.after["name_en"]) == ("Issuing tax certificates",
                                                                  "Tax clearance certificates")


def test_the_service_form_explains_bad_input_and_keeps_it(en, dbsession, agency, people):
    existing = make_service(dbsession, agency)
    en.login("editor@example.org")
    form = en.get("/agencies/mefa/services/add").forms["service"]
    form["name_fa"] = "خدمت " + "ب" * 200
    form["name_en"] = ""
    form["description_fa"] = "شرح خدمت"
    page = form.submit("add", status=400)
    assert "Enter the service's name in English." in page.html.get_text()
    assert "Enter at most 200 characters." in page.text
    assert page.forms["service"]["name_fa"].value == "خدمت " + "ب" * 200  # nothing typed is lost
    assert page.forms["service"]["description_fa"].value == "شرح خدمت"

    form = page.forms["service"]
    form["name_fa"] = existing.name_fa
    form["name_en"] = "Something new"
    page = form.submit("add", status=400)
    assert "This agency already has a service with this name." in page.text
    assert dbsession.scalar(sa.select(sa.func.count(Service.id))) == 1

    # The same name in another agency is fine; editing a service keeps its own name.
    form = en.get(service_path(existing, "edit")).forms["service"]
    form.submit("save", status=303)


@pytest.mark.parametrize("who", ["other_editor", "citizen", "auditor"])
def test_only_the_agencys_staff_add_and_edit_services(en, dbsession, agency, people, who):
    service = make_service(dbsession, agency)
    en.login(people[who].email)
    assert "New service or process" not in en.get("/agencies/mefa/services/").text
    assert "Edit the service" not in en.get(service_path(service)).text
    page = en.get("/agencies/mefa/services/add", status=403)
    assert "Your account does not have permission to see this page." in page.text
    en.get(service_path(service, "edit"), status=403)
    token = en.get_csrf_token("/me/edit")
    en.post("/agencies/mefa/services/add",
            {"csrf_token": token, "name_fa": "خدمت تازه", "name_en": "New one", "add": "add"}, status=403)
    en.post(service_path(service, "edit"),
            {"csrf_token": token, "name_fa": "x" * 5, "name_en": "Hijacked", "save": "save"}, status=403)
    assert service.name_en == "Issuing tax certificates"
    assert dbsession.scalar(sa.select(sa.func.count(Service.id))) == 1


def test_admins_manage_every_agencys_services(en, dbsession, agency):
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    form = en.get("/agencies/mefa/services/add").forms["service"]
    form["name_fa"] = "ثبت شکایت"
    form["name_en"] = "Filing a complaint"
    form.submit("add", status=303)


def test_unknown_services_are_not_found(testapp, dbsession, agency):
    other_agencys = make_service(dbsession, make_agency(dbsession, code="customs"))
    testapp.get("/agencies/mefa/services/999999/", status=404)
    testapp.get("/agencies/mefa/services/abc/", status=404)
    testapp.get(f"/agencies/mefa/services/{other_agencys.id}/", status=404)  # only under its own agency


# --- citizens rate them, once per Jalali month ---------------------------------------------------------------


def test_a_citizen_rates_a_service_once_a_month(en, dbsession, clock, agency, people):
    service = make_service(dbsession, agency)
    en.login("citizen@example.org")
    page = en.get(service_path(service))
    assert "Nobody has rated this service yet." in page.text
    form = page.forms["rating"]
    form["score"] = "4"
    form["comment"] = "  Quick, but the queue was long.  "
    page = form.submit("rate", status=303).follow()
    assert "Thank you: your rating is recorded. You can rate this service again from 22 December 2026." in page.text
    rating = dbsession.scalar(sa.select(ServiceRating))
    assert (rating.user_id, rating.score, rating.comment, rating.period, rating.rated_at) == (
        people["citizen"].id, 4, "Quick, but the queue was long.", "1405-09", NOW)
    assert "Number of ratings: 1" in page.text
    assert "You have already rated this service this month. You can rate it again from 22 December 2026." in page.text

    # A second rating in the same Jalali month is refused, up to its last minute in Tehran; the comment stays.
    clock.at = LAST_MINUTE_OF_AZAR
    form = page.forms["rating"]
    form["score"] = "2"
    form["comment"] = "Worse this time."
    page = form.submit("rate", status=400)
    assert "You have already rated this service this month. You can rate it again from 22 December 2026." in page.text
    assert page.forms["rating"]["comment"].value == "Worse this time."
    assert page.forms["rating"]["score"].value == "2"
    assert dbsession.scalar(sa.select(sa.func.count(ServiceRating.id))) == 1

    # From the first minute of Dey (in Tehran; still 21 December in UTC) the citizen may rate again.
    clock.at = FIRST_MINUTE_OF_DEY
    page = page.forms["rating"].submit("rate", status=303).follow()
    assert "You can rate this service again from 21 January 2027." in page.text
    ratings = dbsession.scalars(sa.select(ServiceRating).order_by(ServiceRating.id)).all()
    assert [(r.period, r.score, r.comment) for r in ratings] == [
        ("1405-09", 4, "Quick, but the queue was long."), ("1405-10", 2, "Worse this time.")]


def test_the_refusal_in_persian_names_the_jalali_date(testapp, dbsession, clock, agency, people):
    service = make_service(dbsession, agency)
    rate(dbsession, service, people["citizen"], score=5)
    testapp.login("citizen@example.org")
    form = testapp.get(service_path(service)).forms["rating"]
    form["score"] = "3"
    form["comment"] = "دوباره نظر می‌دهم"
    page = form.submit("rate", status=400)
    assert "۱ دی ۱۴۰۵" in page.text  # 22 December 2026, in the Jalali calendar with Persian digits
    assert "1405" not in page.text
    assert page.forms["rating"]["comment"].value == "دوباره نظر می‌دهم"


@pytest.mark.parametrize("score", ["0", "6", "-1", "abc", "4.5", ""])
def test_scores_outside_one_to_five_are_refused(en, dbsession, agency, people, score):
    service = make_service(dbsession, agency)
    en.login("citizen@example.org")
    token = en.get(service_path(service)).forms["rating"]["csrf_token"].value
    params = {"csrf_token": token, "comment": "forged", "rate": "rate"}
    if score:
        params["score"] = score
    page = en.post(service_path(service), params, status=400)
    if score in ("0", "6", "-1", ""):
        assert "Choose a rating from 1 to 5." in page.text
    assert page.forms["rating"]["comment"].value == "forged"
    assert dbsession.scalar(sa.select(sa.func.count(ServiceRating.id))) == 0


def test_a_forged_form_and_an_over_long_comment_are_refused(en, dbsession, agency, people):
    service = make_service(dbsession, agency)
    en.login("citizen@example.org")
    token = en.get(service_path(service)).forms["rating"]["csrf_token"].value
    page = en.post(service_path(service), {"csrf_token": "forged", "score": "5", "rate": "rate"}, status=400)
    assert "The form has expired" in page.text
    page = en.post(service_path(service), {"csrf_token": token, "score": "5", "comment": "x" * 2001, "rate": "rate"},
                   status=400)
    assert "Enter at most 2000 characters." in page.text
    assert page.forms["rating"]["comment"].value == "x" * 2001
    en.post(service_path(service), {"csrf_token": token, "score": "5", "comment": "x" * 2000, "rate": "rate"},
            status=303)


def test_anonymous_visitors_see_a_sign_in_link_and_cannot_rate(en, dbsession, agency):
    service = make_service(dbsession, agency)
    page = en.get(service_path(service))
    assert "rating" not in page.forms
    assert "Sign in to rate this service." in page.text
    link = page.html.select_one(f'a[href$="login?next=%2Fagencies%2Fmefa%2Fservices%2F{service.id}%2F"]')
    assert link is not None
    token = en.get_csrf_token()
    page = en.post(service_path(service), {"csrf_token": token, "score": "5", "rate": "rate"}, status=403)
    assert "You need to sign in to see this page." in page.text
    assert dbsession.scalar(sa.select(sa.func.count(ServiceRating.id))) == 0


def test_anonymous_refusal_is_translated(testapp, dbsession, agency):
    service = make_service(dbsession, agency)
    token = testapp.get_csrf_token()
    page = testapp.post(service_path(service), {"csrf_token": token, "score": "5", "rate": "rate"}, status=403)
    assert "برای دیدن این صفحه باید وارد شوید." in page.text  # Persian, the default language


def test_the_database_keeps_one_rating_per_month_and_scores_in_range(dbsession, agency):
    service = make_service(dbsession, agency)
    citizen = make_user(dbsession)
    rate(dbsession, service, citizen)
    for row in (
        ServiceRating(service_id=service.id, user_id=citizen.id, score=3, period="1405-09", rated_at=NOW),
        ServiceRating(service_id=service.id, user_id=citizen.id, score=6, period="1405-10", rated_at=NOW),
        ServiceRating(service_id=service.id, user_id=citizen.id, score=0, period="1405-11", rated_at=NOW),
        ServiceRating(service_id=service.id, user_id=citizen.id, score=3, comment="x" * 2001, period="1405-12",
                      rated_at=NOW),
    ):
        savepoint = dbsession.begin_nested()
        dbsession.add(row)
        with pytest.raises(IntegrityError):
            dbsession.flush()
        savepoint.rollback()


@pytest.mark.parametrize("moment, period, next_start", [
    (NOW, "1405-09", date(2026, 12, 22)),
    (LAST_MINUTE_OF_AZAR, "1405-09", date(2026, 12, 22)),
    (FIRST_MINUTE_OF_DEY, "1405-10", date(2027, 1, 21)),
    (datetime(2027, 3, 20, 12, 0, tzinfo=timezone.utc), "1405-12", date(2027, 3, 21)),  # Esfand → Farvardin 1406
    (datetime(2027, 3, 20, 20, 30, tzinfo=timezone.utc), "1406-01", date(2027, 4, 21)),  # Nowruz in Tehran
])
def test_rating_periods_are_jalali_months_in_tehran(moment, period, next_start):
    assert rating_period(moment) == period
    assert next_period_start(moment) == next_start


# --- the public sees aggregates; staff and auditors read the comments --------------------------------------------


# The agency page shows the fragment: feedback registers it as an agency page section (feedback/__init__.py).
AGGREGATE_PAGES = ["/agencies/mefa/services/", "/agencies/mefa/"]


@pytest.mark.parametrize("path", AGGREGATE_PAGES)
def test_pages_show_each_services_average_and_count(en, dbsession, agency, path):
    rated = make_service(dbsession, agency)
    unrated = make_service(dbsession, agency, name_en="Filing a complaint", name_fa="ثبت شکایت")
    for score in (5, 4, 4):
        rate(dbsession, rated, score=score, comment=f"secret comment {score}")
    page = en.get(path)
    row = page.html.select_one(f"#service-{rated.id}")
    assert row.select_one(".service-average").get_text(strip=True) == "4.3"
    assert row.select_one(".service-count").get_text(strip=True) == "3"
    row = page.html.select_one(f"#service-{unrated.id}")
    assert row.select_one(".service-average").get_text(strip=True) == "Not rated yet"
    assert row.select_one(".service-count").get_text(strip=True) == "0"
    assert "secret comment" not in page.text


def test_averages_in_persian_digits(testapp, dbsession, agency):
    service = make_service(dbsession, agency)
    for score in (5, 4, 4):
        rate(dbsession, service, score=score)
    page = testapp.get("/agencies/mefa/services/")
    assert page.html.select_one(f"#service-{service.id} .service-average").get_text(strip=True) == "۴٫۳"
    assert page.html.select_one(f"#service-{service.id} .service-count").get_text(strip=True) == "۳"
    page = testapp.get(service_path(service))
    assert page.html.select_one(".service-average").get_text(strip=True) == "۴٫۳"


def test_the_service_page_shows_aggregates_not_comments(en, dbsession, agency, people):
    service = make_service(dbsession, agency)
    rate(dbsession, service, people["citizen"], score=5, comment="The clerk was rude to me.")
    rate(dbsession, service, score=2)
    page = en.get(service_path(service))
    assert page.html.select_one(".service-average").get_text(strip=True) == "3.5"
    assert "Number of ratings: 2" in page.text
    assert "The clerk was rude to me." not in page.text
    assert "Read the comments" not in page.text


@pytest.mark.parametrize("who", ["editor", "coordinator", "auditor"])
def test_staff_and_auditors_read_the_comments_without_the_raters_identity(en, dbsession, agency, people, who):
    service = make_service(dbsession, agency)
    rate(dbsession, service, people["citizen"], score=5, comment="The clerk was rude to me.")
    rate(dbsession, service, score=2)
    en.login(people[who].email)
    page = en.get(service_path(service)).click("Read the comments")
    assert "The clerk was rude to me." in page.text
    assert "Average: 3.5 out of 5. Number of ratings: 2." in page.text
    for private in ("Citizen Kane", "citizen@example.org", "1980"):
        assert private not in page.text


@pytest.mark.parametrize("who", ["other_editor", "citizen", None])
def test_others_cannot_read_the_comments(en, dbsession, agency, people, who):
    service = make_service(dbsession, agency)
    rate(dbsession, service, people["citizen"], score=5, comment="The clerk was rude to me.")
    if who:
        en.login(people[who].email)
    page = en.get(service_path(service, "ratings"), status=403)
    assert "The clerk was rude to me." not in page.text


def test_comments_are_paged(en, dbsession, agency, people):
    service = make_service(dbsession, agency)
    for number in range(55):
        rate(dbsession, service, comment=f"comment number {number:02d}")
    en.login("auditor@example.org")
    page = en.get(service_path(service, "ratings"))
    assert "comment number 54" in page.text and "comment number 05" in page.text
    assert "comment number 04" not in page.text
    page = page.click("Older comments")
    assert "comment number 04" in page.text and "comment number 00" in page.text
    assert "comment number 05" not in page.text


# --- bounded queries --------------------------------------------------------------------------------------------


def statements_for(testapp, query_counter, path):
    testapp.app_dbsession.expire_all()  # as a new request would find it: nothing loaded yet
    with query_counter() as counted:
        testapp.get(path)
    return counted.count


def add_rated_services(dbsession, agency, count, raters):
    for _ in range(count):
        number = dbsession.scalar(sa.select(sa.func.count(Service.id))) + 1
        service = make_service(dbsession, agency, name_en=f"Service {number}", name_fa=f"خدمت {number}")
        for rater in raters:
            rate(dbsession, service, rater, score=1 + number % 5, comment="c")


@pytest.mark.parametrize("path", AGGREGATE_PAGES)
def test_the_services_list_sends_a_bounded_number_of_statements(en, dbsession, query_counter, agency, people, path):
    raters = [make_user(dbsession) for _ in range(3)]
    en.login("editor@example.org")
    add_rated_services(dbsession, agency, 2, raters)
    few = statements_for(en, query_counter, path)
    add_rated_services(dbsession, agency, 18, raters)
    assert statements_for(en, query_counter, path) <= few
    assert "Service 20" in en.get(path).text


def test_the_fragment_loads_nothing(en, dbsession, query_counter, agency):
    """feedback/agency_section.jinja2 sends no statement itself: services_summary's one query is all it needs."""
    from pyramid.renderers import render
    from pyramid.scripting import prepare

    from eparticipation.feedback.services import services_summary
    from eparticipation.resources import root_factory

    add_rated_services(dbsession, agency, 3, [make_user(dbsession) for _ in range(2)])
    env = prepare(registry=en.app.registry)
    try:
        request = env["request"]
        request.environ["app.dbsession"] = dbsession
        request.root = root_factory(request)
        request.context = agency
        with query_counter() as counted:
            summary = services_summary(request, agency)
        assert counted.count == 1
        with query_counter() as counted:
            html = render("feedback/agency_section.jinja2", {"agency": agency, "services_summary": summary},
                          request=request)
        assert counted.count == 0
        assert "خدمت 3" in html
    finally:
        env["closer"]()
