"""Registration, sign-in, profile, data export and sign-out, in both languages."""

import json

import pytest
import sqlalchemy as sa

from eparticipation.accounts.models import (
    Gender,
    LoginAttempt,
    StakeholderCategory,
    User,
)

from ..factories import TEST_PASSWORD, make_user
from ..mailbox import confirm_address


def fill_registration(form, **values):
    fields = {
        "email": "maryam@example.org",
        "password": "a long enough secret",
        "password-confirm": "a long enough secret",
        "display_name": "مریم احمدی",
        "mobile": "۰۹۱۲۱۲۳۴۵۶۷",
        "birth_year": "۱۳۷۰",
        "gender": "female",
        "residence": "IR-23",
        "stakeholder_category": "ngo",
        "organisation": "انجمن حمایت از مصرف‌کنندگان",
    }
    fields.update(values)
    for name, value in fields.items():
        form[name] = value
    return form


def test_register_login_edit_profile_logout_in_persian(testapp, dbsession):
    page = testapp.get("/register")
    assert "فقط به صورت" in page.text or "Only" not in page.text  # the privacy notice is on the page
    page = fill_registration(page.forms["register"]).submit("register", status=303).follow()
    assert page.request.path == "/registered"  # not signed in until the address is confirmed
    testapp.get("/me/", status=403)
    page = confirm_address(testapp, dbsession, "maryam@example.org").follow()
    assert page.request.path == "/me"
    assert "مریم احمدی" in page.text

    user = dbsession.scalar(sa.select(User).where(User.email == "maryam@example.org"))
    assert user.birth_year == 1991  # the Jalali year 1370, stored in the Gregorian calendar
    assert user.gender == Gender.female
    assert user.residence == "IR-23"
    assert user.stakeholder_category == StakeholderCategory.ngo
    assert user.mobile == "+989121234567"
    assert user.password_hash.startswith("$argon2id$")

    testapp.logout()
    testapp.get("/me/", status=403)

    testapp.login("maryam@example.org", "a long enough secret")
    page = testapp.get("/me/edit")
    form = page.forms["profile"]
    assert form["birth_year"].value == "۱۳۷۰"  # shown back in the Jalali calendar, in Persian digits
    assert "۱۳۷۰" in testapp.get("/me/").text
    form["display_name"] = "مریم"
    form["residence"] = "abroad"
    form.submit("save", status=303)
    dbsession.flush()
    assert (user.display_name, user.residence) == ("مریم", "abroad")
    testapp.logout()
    testapp.get("/me/", status=403)


def test_register_login_edit_profile_logout_in_english(en, dbsession):
    page = en.get("/register")
    assert page.html.html["lang"] == "en" and page.html.html["dir"] == "ltr"
    form = fill_registration(page.forms["register"], email="john@example.org", display_name="John", birth_year="1980")
    page = form.submit("register", status=303).follow()
    assert "We sent you a link: open it to confirm your address and sign in." in page.text
    page = confirm_address(en, dbsession, "john@example.org").follow()
    assert "My account" in page.text
    assert "Your e-mail address is confirmed and you are signed in. Welcome!" in page.text
    assert dbsession.scalar(sa.select(User.birth_year).where(User.email == "john@example.org")) == 1980
    en.logout()
    en.login("John@Example.org ", "a long enough secret")  # e-mail addresses are not case-sensitive
    page = en.get("/me/edit")
    assert page.forms["profile"]["birth_year"].value == "1980"
    en.logout()


def test_sign_in_starts_a_new_session(testapp, dbsession):
    make_user(dbsession, email="someone@example.org")
    testapp.get("/login")
    before = testapp.cookies.get("session")
    testapp.login("someone@example.org")
    assert testapp.cookies.get("session") not in (None, before)


def test_wrong_password_is_refused_and_keeps_the_address(en, dbsession):
    make_user(dbsession, email="someone@example.org")
    page = en.login("someone@example.org", "not the password", status=400)
    assert "The e-mail address or the password is not right." in page.text
    assert page.forms["login"]["email"].value == "someone@example.org"
    assert page.forms["login"]["password"].value == ""


def test_sign_in_is_throttled_after_repeated_failures(en, dbsession, clock):
    make_user(dbsession, email="target@example.org")
    for _ in range(5):
        en.login("target@example.org", "guess", status=400)
    page = en.login("target@example.org", TEST_PASSWORD, status=429)  # even the right password waits
    assert "Too many failed sign-in attempts for this address. Try again in 15 minutes." in page.text
    clock.advance(minutes=10)
    page = en.login("target@example.org", TEST_PASSWORD, status=429)
    assert "Try again in 5 minutes." in page.text
    clock.advance(minutes=5, seconds=1)
    en.login("target@example.org", TEST_PASSWORD)
    attempts = dbsession.scalars(sa.select(LoginAttempt.succeeded).where(LoginAttempt.email == "target@example.org"))
    assert list(attempts).count(False) == 5


def test_throttle_message_is_persian_in_the_persian_interface(testapp, dbsession):
    make_user(dbsession, email="target@example.org")
    for _ in range(5):
        testapp.login("target@example.org", "guess", status=400)
    page = testapp.login("target@example.org", "guess", status=429)
    assert "۱۵" in page.text  # Persian digits
    assert "Too many failed" not in page.text


def test_next_parameter_only_leads_to_this_site(testapp, dbsession):
    make_user(dbsession, email="someone@example.org")
    form = testapp.get("/login", {"next": "https://evil.example/"}).forms["login"]
    form["email"], form["password"] = "someone@example.org", TEST_PASSWORD
    response = form.submit("login", status=303)
    assert response.location == "http://example.com/me"


def test_next_parameter_returns_to_the_page_asked_for(testapp, dbsession):
    make_user(dbsession, email="someone@example.org")
    page = testapp.get("/me/edit", status=403)
    login_url = page.html.find("a", href=lambda href: href and "login?next=" in href)["href"]
    form = testapp.get(login_url).forms["login"]
    form["email"], form["password"] = "someone@example.org", TEST_PASSWORD
    assert form.submit("login", status=303).location.endswith("/me/edit")


def test_data_export_is_a_json_download_of_the_users_own_data(testapp, dbsession):
    make_user(dbsession, email="me@example.org", birth_year=1985, gender=Gender.male, residence="IR-07")
    make_user(dbsession, email="other@example.org")
    testapp.login("me@example.org")
    response = testapp.get("/me/export")
    assert response.content_type == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.text)
    assert data["account"]["email"] == "me@example.org"
    assert data["account"]["email_verified_at"]  # make_user's people have confirmed their address
    assert data["profile"] == {
        "birth_year": 1985,
        "gender": "male",
        "residence": "IR-07",
        "stakeholder_category": None,
        "organisation": None,
    }
    assert "other@example.org" not in response.text
    assert "password" not in response.text
    assert {"comments", "votes", "survey_answers", "service_ratings"} <= set(data)


def test_signed_in_user_visiting_register_goes_to_their_account(testapp, dbsession):
    make_user(dbsession, email="me@example.org")
    testapp.login("me@example.org")
    assert testapp.get("/register", status=303).location.endswith("/me")


@pytest.mark.parametrize("path", ["/me/", "/me/edit", "/me/export"])
def test_anonymous_visitors_are_asked_to_sign_in(en, path):
    page = en.get(path, status=403)
    assert "You need to sign in to see this page." in page.text


def test_anonymous_visitors_are_asked_to_sign_in_in_persian(testapp):
    page = testapp.get("/me/", status=403)
    assert "You need to sign in" not in page.text
    assert page.html.find("a", href=lambda href: href and "login?next=" in href)


def test_data_export_holds_the_users_participation(testapp, dbsession, clock):
    from datetime import timedelta

    from eparticipation.participation.models import Vote, VoteChoice

    from ..factories import make_agency, make_comment, make_draft

    me = make_user(dbsession, email="me@example.org")
    other = make_user(dbsession, email="other@example.org")
    draft = make_draft(dbsession, make_agency(dbsession), state="consultation", opens_at=clock.now() - timedelta(days=1))
    make_comment(dbsession, draft, me, body="نظر من درباره این پیش‌نویس")
    make_comment(dbsession, draft, other, body="نظر دیگری که از من نیست")
    dbsession.add(Vote(draft_id=draft.id, user_id=me.id, choice=VoteChoice.oppose, cast_at=clock.now(),
                       updated_at=clock.now()))
    dbsession.flush()
    testapp.login("me@example.org")
    data = json.loads(testapp.get("/me/export").text)
    assert [c["body"] for c in data["comments"]] == ["نظر من درباره این پیش‌نویس"]
    assert data["votes"] == [{"draft": draft.id, "choice": "oppose", "cast_at": clock.now().isoformat()}]
