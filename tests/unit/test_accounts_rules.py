from datetime import date, datetime, timedelta, timezone

import colander
import pytest

from eparticipation.accounts.schemas import BirthYear, normalise_mobile
from eparticipation.accounts.services import LoginThrottle

from ..factories import make_user

TODAY = date(2026, 11, 27)  # 6 Azar 1405


@pytest.mark.parametrize(
    "typed, year",
    [("1991", 1991), ("1370", 1991), ("۱۳۷۰", 1991), ("١٣٧٠", 1991), (" 1402 ", 2023), ("1900", 1900), ("2026", 2026)],
)
def test_birth_year_accepts_both_calendars_and_scripts(typed, year):
    assert BirthYear("fa", TODAY).deserialize(colander.SchemaNode(colander.Int()), typed) == year


@pytest.mark.parametrize("typed", ["2027", "1410", "1899", "1850", "12", "abc", "19 91"])
def test_birth_year_refuses_the_implausible(typed):
    with pytest.raises(colander.Invalid):
        BirthYear("fa", TODAY).deserialize(colander.SchemaNode(colander.Int()), typed)


def test_birth_year_is_shown_in_the_interfaces_calendar():
    node = colander.SchemaNode(colander.Int())
    assert BirthYear("fa", TODAY).serialize(node, 1991) == "۱۳۷۰"
    assert BirthYear("en", TODAY).serialize(node, 1991) == "1991"


@pytest.mark.parametrize(
    "typed, stored",
    [("09121234567", "+989121234567"), ("۰۹۱۲ ۱۲۳ ۴۵۶۷", "+989121234567"), ("00447700900123", "+447700900123"),
     ("+98 912-123-4567", "+989121234567")],
)
def test_mobile_numbers_are_normalised(typed, stored):
    assert normalise_mobile(typed) == stored


def test_throttle_counts_only_failures_since_the_last_success(dbsession):
    now = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
    make_user(dbsession, email="a@example.org")
    throttle = LoginThrottle(dbsession, now - timedelta(minutes=5), max_failures=3, window=timedelta(minutes=15))
    for _ in range(2):
        throttle.record("a@example.org", succeeded=False, client_addr=None)
    throttle.record("a@example.org", succeeded=True, client_addr=None)
    throttle.now = now
    throttle.record("A@example.org", succeeded=False, client_addr=None)
    dbsession.flush()
    assert throttle.minutes_to_wait("a@example.org") == 0
    throttle.record("a@example.org", succeeded=False, client_addr=None)
    throttle.record("a@example.org", succeeded=False, client_addr=None)
    dbsession.flush()
    assert throttle.minutes_to_wait("a@example.org") == 15
    assert throttle.minutes_to_wait("b@example.org") == 0
