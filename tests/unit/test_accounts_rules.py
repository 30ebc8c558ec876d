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


NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
WINDOW = timedelta(minutes=15)


def throttle_at(dbsession, address, now=NOW, **limits):
    limits = {"max_failures": 3, "max_failures_per_client": 10} | limits
    return LoginThrottle(dbsession, now, limits["max_failures"], WINDOW, address,
                         limits["max_failures_per_client"])


def fail(throttle, email, times):
    for _ in range(times):
        assert throttle.admit(email) is None
        throttle.record(email, succeeded=False)


def test_throttle_counts_only_failures_since_the_last_success(dbsession):
    make_user(dbsession, email="a@example.org")
    throttle = throttle_at(dbsession, "203.0.113.5", now=NOW - timedelta(minutes=5))
    fail(throttle, "a@example.org", 2)
    assert throttle.admit("a@example.org") is None
    throttle.record("a@example.org", succeeded=True)
    throttle.now = NOW
    fail(throttle, "A@example.org", 3)  # the same account, however it is typed
    wait = throttle.admit("a@example.org")
    assert wait.seconds == 15 * 60
    assert "${minutes}" in wait.message and wait.message.mapping == {"minutes": 15}
    assert throttle_at(dbsession, "203.0.113.5").admit("b@example.org") is None


def test_a_locked_account_still_admits_an_address_that_has_not_tried_it(dbsession):
    make_user(dbsession, email="admin@example.org")
    attacker = throttle_at(dbsession, "198.51.100.7")
    fail(attacker, "admin@example.org", 3)
    assert attacker.admit("admin@example.org") is not None
    owner = throttle_at(dbsession, "203.0.113.5")
    assert owner.admit("admin@example.org") is None  # one try for an address new to the account
    owner.record("admin@example.org", succeeded=False)
    assert owner.admit("admin@example.org") is not None  # …and no more while it is locked
    second_owner_address = throttle_at(dbsession, "203.0.113.6")
    assert second_owner_address.admit("admin@example.org") is None
    second_owner_address.record("admin@example.org", succeeded=True)
    # The owner's success clears the account's failures; the attacker's own address stays counted.
    assert attacker.admit("admin@example.org") is not None
    assert throttle_at(dbsession, "203.0.113.5").admit("admin@example.org") is None


def test_an_address_is_throttled_across_accounts(dbsession):
    attacker = throttle_at(dbsession, "198.51.100.7", max_failures_per_client=4)
    fail(attacker, "one@example.org", 2)
    fail(attacker, "two@example.org", 2)
    wait = attacker.admit("three@example.org")
    assert wait is not None and "network" in wait.message
    assert throttle_at(dbsession, "203.0.113.5").admit("three@example.org") is None


def test_the_throttle_lifts_when_its_window_ends(dbsession):
    fail(throttle_at(dbsession, "198.51.100.7"), "a@example.org", 3)
    assert throttle_at(dbsession, "198.51.100.7", now=NOW + timedelta(minutes=10)).admit("a@example.org").seconds == 300
    assert throttle_at(dbsession, "198.51.100.7", now=NOW + WINDOW).admit("a@example.org") is None
