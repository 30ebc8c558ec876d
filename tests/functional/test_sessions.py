"""Sessions that end (ASVS 7): signing out, closing an account, an administrator or the person ending them, the
idle timeout and the lifetime of production.ini end a session everywhere its cookie was copied; the cookie is
unreadable and never too long to set."""

import base64
import configparser
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eparticipation import main
from eparticipation.accounts.models import AccountSession, Role
from eparticipation.accounts.sessions import (
    EncryptedCookieSerializer,
    SessionRules,
    WeakSessionSecret,
    check_session_secret,
    forget_ended,
)
from eparticipation.participation.models import Vote

from ..conftest import NOW, PROJECT, TestApp
from ..factories import TEST_SESSION_SECRET, make_agency, make_draft, make_user


@pytest.fixture
def people(dbsession):
    return {
        "citizen": make_user(dbsession, email="citizen@example.org", display_name="Maryam"),
        "other": make_user(dbsession, email="other@example.org", display_name="Reza"),
        "admin": make_user(dbsession, email="admin@example.org", grants=[(Role.admin, None)]),
    }


@pytest.fixture
def draft(dbsession):
    return make_draft(dbsession, make_agency(dbsession, code="tax"), state="consultation", articles=1,
                      opens_at=NOW - timedelta(days=2), closes_at=NOW + timedelta(days=28))


@pytest.fixture
def production_rules(app):
    """The idle timeout and lifetime that production.ini sets, for the length of a test."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(PROJECT / "production.ini")
    rules = SessionRules.from_settings(dict(ini["app:main"]))
    assert (rules.idle, rules.lifetime) == (timedelta(hours=8), timedelta(days=7))
    original = app.registry["session_rules"]
    app.registry["session_rules"] = rules
    yield rules
    app.registry["session_rules"] = original


def browser(testapp, email=None, user_agent=None):
    """Another browser on the same site (its own cookies), in English, signed in as `email`."""
    environ = dict(testapp.extra_environ)
    if user_agent:
        environ["HTTP_USER_AGENT"] = user_agent
    other = TestApp(testapp.app, extra_environ=environ)
    other.get("/?_LOCALE_=en")
    if email:
        other.login(email)
    return other


def signed_in(app) -> bool:
    return "Sign out" in app.get("/").text


def copied(app, cookie):
    app.set_cookie("session", cookie)
    return app


def test_a_cookie_copied_before_sign_out_opens_nothing_after(testapp, dbsession, people, draft):
    app = browser(testapp, "citizen@example.org")
    stolen = app.cookies["session"]
    app.get("/me/export", status=200)
    token = app.get_csrf_token("/me/edit")
    app.logout()

    thief = copied(browser(testapp), stolen)
    assert not signed_in(thief)
    thief.get("/me/export", status=403)
    thief.post(f"/consultations/{draft.id}/votes/", {"csrf_token": token, "choice": "support"}, status=403)
    assert dbsession.scalar(sa.select(sa.func.count(Vote.id))) == 0
    assert dbsession.scalar(sa.select(sa.func.count(AccountSession.id))) == 0


def test_signing_out_ends_only_that_browsers_session(testapp, people):
    phone = browser(testapp, "citizen@example.org")
    laptop = browser(testapp, "citizen@example.org")
    phone.logout()
    assert not signed_in(phone) and signed_in(laptop)


def test_closing_an_account_ends_its_sessions_and_opening_it_again_revives_none(testapp, dbsession, people):
    citizen = browser(testapp, "citizen@example.org")
    kept = citizen.cookies["session"]
    admin = browser(testapp, "admin@example.org")
    form = next(f for f in admin.get(f"/admin/users/{people['citizen'].id}").forms.values()
                if f.action.endswith("/access"))
    form.submit("access", value="close", status=303)
    assert not signed_in(citizen)
    form = next(f for f in admin.get(f"/admin/users/{people['citizen'].id}").forms.values()
                if f.action.endswith("/access"))
    form.submit("access", value="open", status=303)
    assert not signed_in(copied(browser(testapp), kept))
    assert signed_in(browser(testapp, "citizen@example.org"))  # the owner signs in again


def test_a_session_ends_after_the_idle_timeout(testapp, people, production_rules, clock):
    app = browser(testapp, "citizen@example.org")
    clock.advance(hours=7, minutes=59)
    assert signed_in(app)  # a request within the timeout keeps the session going...
    clock.advance(hours=7, minutes=59)
    assert signed_in(app)  # ...from that request on
    clock.advance(hours=8, minutes=1)
    assert not signed_in(app)
    app.get("/me/", status=403)


def test_a_session_ends_at_its_lifetime_however_busy(testapp, people, production_rules, clock):
    app = browser(testapp, "citizen@example.org")
    for _ in range(7 * 24 // 6):  # a request every six hours, for seven days
        clock.advance(hours=6)
        assert signed_in(app)
    clock.advance(minutes=1)
    assert not signed_in(app)


def test_the_tick_deletes_the_sessions_that_are_over(testapp, dbsession, people, production_rules, clock, app):
    browser(testapp, "citizen@example.org")
    browser(testapp, "other@example.org")
    clock.advance(hours=4)
    browser(testapp, "other@example.org")
    settings = {"eparticipation.sessions.idle_minutes": "480", "eparticipation.sessions.lifetime_hours": "168"}
    assert forget_ended(dbsession, settings, NOW + timedelta(hours=8, minutes=30)) == 2
    assert dbsession.scalars(sa.select(AccountSession.user_id)).all() == [people["other"].id]


def test_a_person_sees_their_sessions_and_ends_one_or_all_the_others(testapp, dbsession, people):
    phone = browser(testapp, "citizen@example.org",
                    user_agent="Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) "
                               "Chrome/120.0.0.0 Mobile Safari/537.36")
    laptop = browser(testapp, "citizen@example.org",
                     user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
    office = browser(testapp, "citizen@example.org")
    someone_else = browser(testapp, "other@example.org")

    page = laptop.get("/me/sessions")
    items = page.html.select(".session-list li")
    assert len(items) == 3
    assert "Firefox · Linux" in next(item for item in items if "This browser" in item.text).text
    assert any("Chrome Mobile · Android" in item.text for item in items)
    assert any("An unknown browser" in item.text for item in items)
    # an end button for each other browser, and "everywhere else"
    assert len([f for f in page.forms.values() if f.action.endswith("/me/sessions")]) == 3

    phone_form = next(f for f in page.forms.values() if "session_id" in f.fields
                      and "Android" in page.html.find("input", value=f["session_id"].value).find_parent("li").text)
    page = phone_form.submit(status=303).follow()
    assert "That session has ended." in page.text
    assert not signed_in(phone) and signed_in(office)

    # Another person's session cannot be ended from here, nor this one (that is signing out).
    other_id = dbsession.scalar(sa.select(AccountSession.id).where(AccountSession.user_id == people["other"].id))
    token = laptop.get_csrf_token("/me/edit")
    page = laptop.post("/me/sessions", {"csrf_token": token, "session_id": str(other_id)}, status=303).follow()
    assert "That session had ended already." in page.text and signed_in(someone_else)
    this_id = next(item for item in page.html.select(".session-list li") if "This browser" in item.text)
    assert this_id.find("form") is None
    this_one = dbsession.scalar(sa.select(AccountSession.id).where(AccountSession.device.startswith("Firefox")))
    for session_id in [this_one, "", "x", "1\x00", "99999999999999"]:
        response = laptop.post("/me/sessions", {"csrf_token": token, "session_id": str(session_id)}, status="*")
        assert response.status_int in (303, 400)
    assert signed_in(laptop)

    page = laptop.get("/me/sessions")
    everywhere_else = next(f for f in page.forms.values() if "others" in f.fields)
    page = everywhere_else.submit("others", status=303).follow()
    assert "You are signed out everywhere else." in page.text
    assert len(page.html.select(".session-list li")) == 1
    assert signed_in(laptop) and not signed_in(office) and signed_in(someone_else)


def test_ending_a_session_needs_the_csrf_token_and_a_signed_in_person(testapp, people):
    app = browser(testapp, "citizen@example.org")
    app.post("/me/sessions", {"others": "1"}, status=400)
    anonymous = browser(testapp)
    anonymous.get("/me/sessions", status=403)
    anonymous.post("/me/sessions", {"csrf_token": anonymous.get_csrf_token("/login"), "others": "1"}, status=403)


def test_an_admin_ends_every_session_of_an_account(testapp, dbsession, people):
    citizen_phone = browser(testapp, "citizen@example.org")
    citizen_laptop = browser(testapp, "citizen@example.org")
    admin = browser(testapp, "admin@example.org")
    page = admin.get(f"/admin/users/{people['citizen'].id}")
    assert "Open sessions: 2" in page.text
    page = page.forms["end-sessions"].submit(status=303).follow()
    assert "Every session of the account has ended" in page.text and "Signed in nowhere now." in page.text
    assert not signed_in(citizen_phone) and not signed_in(citizen_laptop) and signed_in(admin)
    assert people["citizen"].is_active  # the account stays open
    assert signed_in(browser(testapp, "citizen@example.org"))


def test_only_an_admin_ends_someone_elses_sessions(testapp, people):
    target = f"/admin/users/{people['other'].id}/end-sessions"
    other = browser(testapp, "other@example.org")
    citizen = browser(testapp, "citizen@example.org")
    citizen.post(target, {"csrf_token": citizen.get_csrf_token("/me/edit")}, status=403)
    anonymous = browser(testapp)
    anonymous.post(target, {"csrf_token": anonymous.get_csrf_token("/login")}, status=403)
    assert signed_in(other)


def test_changing_the_second_factor_ends_the_other_sessions(testapp, dbsession, people):
    """An admin's reset of a lost authenticator signs the person out everywhere."""
    staff = make_user(dbsession, email="auditor@example.org", grants=[(Role.auditor, None)])
    phone = browser(testapp, "auditor@example.org")
    admin = browser(testapp, "admin@example.org")
    page = admin.get(f"/admin/users/{staff.id}")
    page.forms["second-factor-reset"].submit(status=303)
    assert not signed_in(phone) and signed_in(admin)


def test_the_cookie_cannot_be_read_or_changed(testapp, people):
    app = browser(testapp, "citizen@example.org")
    token = app.get_csrf_token("/me/edit")
    cookie = app.cookies["session"].strip('"')
    padded = cookie + "=" * (-len(cookie) % 4)
    raw = base64.urlsafe_b64decode(padded)
    assert token.encode() not in raw and b"account_session" not in raw and token not in cookie
    for position in (20, len(cookie) // 2, len(cookie) - 3):  # a changed byte anywhere: no session at all
        changed = cookie[:position] + ("A" if cookie[position] != "A" else "B") + cookie[position + 1:]
        assert not signed_in(copied(browser(testapp), changed))


def test_many_messages_flashed_never_make_the_cookie_fail_after_the_vote_is_stored(testapp, dbsession, people,
                                                                                     draft, clock):
    """A person who votes and changes their vote without reading the pages between: each answer flashes a
    message into the cookie, and the oldest give way before the cookie grows past what a browser keeps."""
    app = browser(testapp, "citizen@example.org")
    token = app.get_csrf_token("/me/edit")
    for round in range(100):
        choice = ("support", "oppose", "abstain")[round % 3]
        clock.advance(minutes=2)  # within the limit on votes
        response = app.post(f"/consultations/{draft.id}/votes/", {"csrf_token": token, "choice": choice},
                            status=303)
        assert len(response.headers.get("Set-Cookie", "")) < 4096
    assert dbsession.scalar(sa.select(Vote.choice)).value == ("support", "oppose", "abstain")[99 % 3]
    assert "Your vote is counted" in app.get("/").text  # the newest messages are kept


def test_the_serializer_drops_the_oldest_flashes_first():
    serializer = EncryptedCookieSerializer(TEST_SESSION_SECRET)
    data = {"_f_success": [f"message {n} " + "x" * 100 for n in range(60)], "_csrft_": "token", "keep": 1}
    cookie = serializer.dumps((1.0, 1.0, data))
    assert len(cookie) <= 4000
    accessed, created, loaded = serializer.loads(cookie)
    assert loaded["_csrft_"] == "token" and loaded["keep"] == 1
    assert loaded["_f_success"][-1] == data["_f_success"][-1] and len(loaded["_f_success"]) < 60
    with pytest.raises(ValueError):
        EncryptedCookieSerializer("another-secret-" + TEST_SESSION_SECRET).loads(cookie)


@pytest.mark.parametrize("secret", [None, "", "development-only-not-a-secret", "a" * 64, "0123456789" * 4])
def test_a_weak_session_secret_stops_the_site_from_starting(app_settings, secret):
    with pytest.raises(WeakSessionSecret):
        check_session_secret(secret)
    with pytest.raises(WeakSessionSecret):
        main({}, **{**app_settings, "eparticipation.session_secret": secret or ""})


def test_a_random_secret_of_32_bytes_is_accepted():
    import secrets

    secret = secrets.token_urlsafe(32)
    assert check_session_secret(secret) == secret


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(testapp, people):
    from .test_passwords import change_form

    phone = browser(testapp, "citizen@example.org")
    laptop = browser(testapp, "citizen@example.org")
    someone_else = browser(testapp, "other@example.org")
    change_form(laptop).submit("change", status=303)
    assert signed_in(laptop) and not signed_in(phone) and signed_in(someone_else)


def test_a_password_reset_ends_every_session_of_the_account(testapp, dbsession, people):
    from ..mailbox import last_link
    from .test_passwords import ask_for_link, set_password

    phone = browser(testapp, "citizen@example.org")
    someone_else = browser(testapp, "other@example.org")
    helper = browser(testapp)
    ask_for_link(helper, "citizen@example.org")
    set_password(helper, last_link(dbsession, "citizen@example.org", "password-reset"))
    assert not signed_in(phone) and signed_in(someone_else)
