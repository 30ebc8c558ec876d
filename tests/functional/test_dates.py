"""Dates typed in a form are read in the calendar their year shows, and a date no consultation can have is
refused with a message: a Gregorian date typed in the Persian form once opened a consultation in the year 2648."""

from datetime import date, timedelta
from urllib.parse import quote

import pytest

from eparticipation.consultations.models import State
from eparticipation.consultations.workflow import local_date
from eparticipation.i18n import parse_typed_date

from ..conftest import NOW
from ..factories import make_agency, make_draft, make_user


@pytest.mark.parametrize("typed, day", [
    ("۱۴۰۵/۰۹/۲۹", date(2026, 12, 20)),  # Jalali, Persian digits
    ("1405-09-29", date(2026, 12, 20)),  # Jalali, ASCII digits
    ("2026-12-20", date(2026, 12, 20)),  # Gregorian, whichever the form's language
    ("۲۰۲۶/۱۲/۲۰", date(2026, 12, 20)),  # Gregorian, Persian digits
    ("٢٠٢٦-١٢-٢٠", date(2026, 12, 20)),  # Gregorian, Arabic-Indic digits
])
def test_the_year_tells_the_calendar(typed, day):
    assert parse_typed_date(typed) == day


@pytest.mark.parametrize("typed", ["1800-01-01", "2648-09-29", "9999-12-31", "0000-01-01", "1405/13/01",
                                   "2026-02-30", "20261220", "۱۴۰۵/۰۹", "²⁰²⁶-12-20", "1278/01/01"])
def test_days_no_calendar_gives_the_site_are_refused(typed):
    with pytest.raises(ValueError):
        parse_typed_date(typed)


@pytest.fixture
def agency(dbsession):
    agency = make_agency(dbsession, code="tax")
    make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])
    return agency


def open_with(testapp, draft, start, end, status):
    testapp.login("coordinator@example.org")
    form = testapp.get(f"/consultations/{draft.id}/open").forms["transition"]
    form["start"], form["end"] = start, end
    return form.submit("confirm", status=status)


def test_a_gregorian_date_typed_in_the_persian_form_is_read_as_gregorian(testapp, dbsession, agency, clock):
    draft = make_draft(dbsession, agency)
    open_with(testapp, draft, "2026-12-20", "۱۴۰۶/۱۱/۰۱", 303)
    assert draft.state == State.consultation
    assert local_date(draft.opens_at) == date(2026, 12, 20)
    assert local_date(draft.closes_at) == date(2028, 1, 22)  # the day after the last day, 1 Bahman 1406


@pytest.mark.parametrize("start, end, message", [
    ("۱۴۰۷/۰۹/۱۵", "۱۴۰۷/۱۰/۳۰", "نظرخواهی نمی‌تواند دیرتر از"),  # December 2028: past the two years ahead
    ("1405/09/10", "2030-01-01", "نظرخواهی نمی‌تواند دیرتر از"),
    ("1405/09/10", "2648-09-29", "تاریخ را به‌صورت"),  # the year read as Jalali once: no calendar of the site's
])
def test_opening_refuses_dates_out_of_reach_with_a_message(testapp, dbsession, agency, clock, start, end, message):
    draft = make_draft(dbsession, agency)
    page = open_with(testapp, draft, start, end, 400)
    assert message in page.text
    assert draft.state == State.draft
    assert page.forms["transition"]["end"].value  # the form is shown again, filled


def test_opening_out_of_reach_in_english(en, dbsession, agency, clock):
    draft = make_draft(dbsession, agency)
    page = open_with(en, draft, "2026-12-01", "2029-06-01", 400)
    assert "The consultation cannot end later than 27 November 2028, 2 years from today." in page.text


def test_an_extension_years_ahead_is_refused(en, dbsession, agency, clock):
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2),
                       closes_at=NOW + timedelta(days=28))
    en.login("coordinator@example.org")
    form = en.get(f"/consultations/{draft.id}/extend").forms["transition"]
    form["end"], form["reason"] = "2031-01-01", "More time for the provinces"
    page = form.submit("confirm", status=400)
    assert "cannot end later than 27 November 2028" in page.text
    assert draft.closes_at == NOW + timedelta(days=28)


@pytest.mark.parametrize("query", ["end=9999-12-31", "start=0001-01-01", "end=" + quote("۹۹۹۹/۱۲/۲۹")])
def test_the_audit_log_s_period_refuses_days_out_of_range(en, dbsession, query):
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    en.login("auditor@example.org")
    assert "Enter a date such as" in en.get(f"/audit/?{query}", status=400).text
