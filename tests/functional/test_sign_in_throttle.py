"""The sign-in throttle as a person meets it: per account and per client address, with Retry-After, and the
account's owner let in from an address that has not been guessing. (Parallel guesses: test_races.py.)"""

import pytest
import sqlalchemy as sa

from eparticipation.accounts.models import LoginAttempt

from ..factories import TEST_PASSWORD, make_user

ATTACKER, OWNER, PROXY = "198.51.100.7", "203.0.113.5", "127.0.0.1"


def sign_in(app, email, password, address, status, **environ):
    form = app.get("/login", extra_environ={"REMOTE_ADDR": address, **environ}).forms["login"]
    form["email"], form["password"] = email, password
    return form.submit("login", status=status, extra_environ={"REMOTE_ADDR": address, **environ})


@pytest.fixture
def admin(dbsession):
    return make_user(dbsession, email="admin@example.org", grants=[("admin", None)])


def test_a_locked_account_lets_its_owner_in_from_an_address_that_has_not_failed(en, dbsession, admin, clock):
    for _ in range(5):
        sign_in(en, "admin@example.org", "guess", ATTACKER, 400)
    page = sign_in(en, "admin@example.org", TEST_PASSWORD, ATTACKER, 429)  # even the right password waits
    assert "Too many failed sign-in attempts for this address. Try again in 15 minutes." in page.text
    assert page.headers["Retry-After"] == str(15 * 60)
    assert page.forms["login"]["email"].value == "admin@example.org"

    en.reset()
    en.get("/?_LOCALE_=en")
    sign_in(en, "admin@example.org", TEST_PASSWORD, OWNER, 303)
    # The owner's success clears the account's failures, but the attacker's address has used up its guesses.
    clock.advance(minutes=1)
    page = sign_in(en, "admin@example.org", "guess", ATTACKER, 429)
    assert page.headers["Retry-After"] == str(14 * 60)
    attempts = dbsession.execute(sa.select(LoginAttempt.client_addr, LoginAttempt.succeeded)
                                 .where(LoginAttempt.email == "admin@example.org")).all()
    assert attempts == [(ATTACKER, False)] * 5 + [(OWNER, True)]


def test_an_address_new_to_a_locked_account_gets_one_try_not_five(en, dbsession, admin, clock):
    for _ in range(5):
        sign_in(en, "admin@example.org", "guess", ATTACKER, 400)
    sign_in(en, "admin@example.org", "another guess", OWNER, 400)
    sign_in(en, "admin@example.org", TEST_PASSWORD, OWNER, 429)
    clock.advance(minutes=15)
    sign_in(en, "admin@example.org", TEST_PASSWORD, OWNER, 303)


def test_an_address_is_throttled_across_accounts(app, en, dbsession, clock, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "eparticipation.login_throttle.max_failures_per_client", 6)
    for email in ("one@example.org", "two@example.org", "three@example.org"):
        make_user(dbsession, email=email)
    for email in ("one@example.org", "two@example.org", "three@example.org"):
        for _ in range(2):
            sign_in(en, email, "guess", ATTACKER, 400)
    page = sign_in(en, "nobody@example.org", "guess", ATTACKER, 429)
    assert "Too many failed sign-in attempts from your network. Try again in 15 minutes." in page.text
    assert page.headers["Retry-After"] == str(15 * 60)
    sign_in(en, "one@example.org", TEST_PASSWORD, OWNER, 303)  # other addresses are not held back


def test_a_forged_forwarded_address_does_not_make_a_new_client(app, en, dbsession, admin, clock, monkeypatch):
    """Only the trusted proxies' X-Forwarded-For counts: anyone can write that header."""
    for n in range(5):
        sign_in(en, "admin@example.org", "guess", ATTACKER, 400, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    sign_in(en, "admin@example.org", TEST_PASSWORD, ATTACKER, 429, HTTP_X_FORWARDED_FOR="192.0.2.99")
    # Through the site's own proxy, the forwarded address is the client's.
    sign_in(en, "admin@example.org", TEST_PASSWORD, PROXY, 303, HTTP_X_FORWARDED_FOR=OWNER)


def test_the_network_refusal_is_persian_in_the_persian_interface(app, testapp, dbsession, monkeypatch, clock):
    monkeypatch.setitem(app.registry.settings, "eparticipation.login_throttle.max_failures_per_client", 1)
    sign_in(testapp, "one@example.org", "guess", ATTACKER, 400)
    page = sign_in(testapp, "two@example.org", "guess", ATTACKER, 429)
    assert "شبکهٔ شما" in page.text and "۱۵" in page.text
    assert "Too many failed" not in page.text
