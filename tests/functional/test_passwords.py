"""Passwords and addresses (issue 12): the password rules, changing one's password, setting a new one through a link
sent by e-mail, confirming one's address before taking part, and answers that say nothing of which addresses have
accounts."""

import hashlib
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eparticipation.accounts import password_views, services, tokens
from eparticipation.accounts.events import PasswordChanged, PasswordReset
from eparticipation.accounts.models import AccountToken, TokenPurpose, User
from eparticipation.accounts.services import check_password
from eparticipation.messaging.models import Channel, MessengerLink, OutboxMessage

from ..conftest import NOW
from ..factories import TEST_PASSWORD, make_agency, make_comment, make_draft, make_user
from ..mailbox import confirm_address, inbox_keys, last_link, mails_to, path_of
from .test_accounts import fill_registration

NEW_PASSWORD = "correct horse battery staple"
COMMON_EN = ("This password is one of the most common ones, or a small change of one; choose another, such as a few "
             "unrelated words.")


@pytest.fixture
def events(app):
    """The PasswordChanged and PasswordReset events sent during the test: (event class name, the person's e-mail)."""
    seen = []

    def collect(event):
        seen.append((type(event).__name__, event.user.email))

    for kind in (PasswordChanged, PasswordReset):
        app.registry.registerHandler(collect, (kind,))
    yield seen
    for kind in (PasswordChanged, PasswordReset):
        app.registry.unregisterHandler(collect, (kind,))


def change_form(app, current=TEST_PASSWORD, new=NEW_PASSWORD, confirm=None):
    form = app.get("/me/password").forms["password"]
    form["current_password"] = current
    form["password"] = new
    form["password-confirm"] = new if confirm is None else confirm
    return form


def ask_for_link(app, email):
    form = app.get("/password-reset").forms["password-reset"]
    form["email"] = email
    return form.submit("send", status=200)


def set_password(app, link, password=NEW_PASSWORD, status=303):
    form = app.get(path_of(link)).forms["new-password"]
    form["password"] = password
    form["password-confirm"] = password
    return form.submit("set", status=status)


# --- the rules ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["password1234", "qwertyuiop1"])
def test_common_passwords_are_refused_and_a_passphrase_is_accepted_when_changing(en, dbsession, password):
    user = make_user(dbsession, email="me@example.org")
    en.login("me@example.org")
    page = change_form(en, new=password).submit("change", status=400)
    assert COMMON_EN in page.text
    assert check_password(user, TEST_PASSWORD)
    change_form(en).submit("change", status=303)
    assert check_password(user, NEW_PASSWORD)


def test_a_password_like_the_person_s_name_or_address_is_refused_in_persian(testapp, dbsession):
    make_user(dbsession, email="shirin.kamali@example.org", display_name="Shirin Kamali")
    testapp.login("shirin.kamali@example.org")
    for password in ("kamalishirin", "Shirin Kamali!"):
        page = change_form(testapp, new=password).submit("change", status=400)
        assert "too like your name" not in page.text
        assert "نام یا نشانی رایانامهٔ شما" in page.text


def test_short_and_overlong_passwords_are_refused(en, dbsession):
    make_user(dbsession, email="me@example.org")
    en.login("me@example.org")
    assert "Choose a password of at least 8 characters." in change_form(en, new="Xk#9q").submit(
        "change", status=400).text
    assert "A password can have at most 128 characters." in change_form(en, new="a" * 129).submit(
        "change", status=400).text
    # 64 characters and more are allowed (ASVS 6.2.9).
    change_form(en, new="the long way home across seven rivers and three very old bridges!").submit(
        "change", status=303)


# --- changing one's password ---------------------------------------------------------------------------------


def test_changing_the_password_needs_the_current_one_and_tells_the_sessions(en, dbsession, events):
    user = make_user(dbsession, email="me@example.org")
    en.login("me@example.org")
    page = en.get("/me/")
    page = page.click(href="/me/password")
    assert page.forms["password"]["password"].attrs["type"] == "password"

    page = change_form(en, current="not my password").submit("change", status=400)
    assert "Your current password is not right." in page.text
    page = change_form(en, confirm="something else entirely").submit("change", status=400)
    assert "Password did not match confirm" in page.text
    page = change_form(en, new=TEST_PASSWORD).submit("change", status=400)
    assert "The new password is the one you have now; choose another." in page.text
    assert events == []

    page = change_form(en).submit("change", status=303).follow()
    assert page.request.path == "/me"
    assert "Your password is changed." in page.text
    assert events == [("PasswordChanged", "me@example.org")]
    en.get("/me/")  # this session goes on (the other engineer's subscriber ends the others)
    en.logout()
    en.login("me@example.org", TEST_PASSWORD, status=400)
    en.login("me@example.org", NEW_PASSWORD)
    assert user.password_hash.startswith("$argon2id$")


def test_changing_the_password_asks_to_confirm_it_is_you_after_a_while(en, dbsession, clock):
    make_user(dbsession, email="citizen@example.org", second_factor=True)
    en.login("citizen@example.org")
    clock.advance(minutes=11)
    page = en.get("/me/password", status=303)
    assert page.location == "http://example.com/me/confirm?next=%2Fme%2Fpassword"
    form = page.follow().forms["confirm"]
    assert "code" in form.fields  # with a second factor, its code too
    en.get("/me/password", status=303)


def test_wrong_current_passwords_are_throttled_as_sign_in_is(en, dbsession):
    make_user(dbsession, email="me@example.org")
    en.login("me@example.org")
    for _ in range(5):
        change_form(en, current="guess").submit("change", status=400)
    page = change_form(en).submit("change", status=429)  # even the right one waits
    assert "Too many failed sign-in attempts for this address." in page.text
    assert int(page.headers["Retry-After"]) > 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_cannot_change_a_password(en, method):
    if method == "get":
        assert "You need to sign in" in en.get("/me/password", status=403).text
    else:
        en.post("/me/password", {"csrf_token": en.get_csrf_token("/login"), "current_password": TEST_PASSWORD,
                                 "password": NEW_PASSWORD, "password-confirm": NEW_PASSWORD}, status=403)


def test_changing_a_password_needs_the_form_s_csrf_token(en, dbsession):
    user = make_user(dbsession, email="me@example.org")
    en.login("me@example.org")
    fields = {"current_password": TEST_PASSWORD, "__start__": "password:mapping", "password": NEW_PASSWORD,
              "password-confirm": NEW_PASSWORD, "__end__": "password:mapping", "change": "change"}
    en.post("/me/password", fields, status=400)
    en.post("/me/password", {**fields, "csrf_token": "forged"}, status=400)
    assert check_password(user, TEST_PASSWORD)


@pytest.mark.parametrize("language, message", [
    ("en", "The address or the form contained a null character"),
    ("fa", "نویسه تهی"),
])
def test_bad_input_on_the_password_forms_is_a_translated_400(testapp, dbsession, language, message):
    make_user(dbsession, email="me@example.org")
    testapp.get(f"/?_LOCALE_={language}")
    testapp.login("me@example.org")
    form = change_form(testapp, current="with\x00nul")
    page = form.submit("change", status=400)
    assert message in page.text
    form = testapp.get("/password-reset").forms["password-reset"]
    form["email"] = "me\x00@example.org"
    assert message in form.submit("send", status=400).text


def test_empty_and_overlong_fields_of_the_reset_forms_are_explained(en, dbsession):
    form = en.get("/password-reset").forms["password-reset"]
    assert "Required" in form.submit("send", status=400).text
    form = en.get("/password-reset").forms["password-reset"]
    form["email"] = "a" * 250 + "@example.org"
    assert "Enter at most 254 characters." in form.submit("send", status=400).text
    make_user(dbsession, email="me@example.org")
    ask_for_link(en, "me@example.org")
    form = en.get(path_of(last_link(dbsession, "me@example.org", "password-reset"))).forms["new-password"]
    assert "Required" in form.submit("set", status=400).text


# --- setting a new password through a link --------------------------------------------------------------------


def test_a_reset_link_goes_to_the_mailbox_only_and_sets_a_new_password_once(en, dbsession, clock, events):
    user = make_user(dbsession, email="me@example.org", locale="en")
    dbsession.add(MessengerLink(user_id=user.id, messenger=Channel.bale, chat_id="12345", linked_at=NOW))
    page = en.get("/login").click(href="/password-reset")
    page = ask_for_link(en, "Me@Example.org ")
    assert "If an account has this address, we have sent a link to it." in page.text

    mails = mails_to(dbsession, "me@example.org", "password-reset")
    assert len(mails) == 1
    link = mails[0].link
    assert link.startswith("http://example.com/password-reset/")
    assert "within 60 minutes" in mails[0].body
    # Only the mailbox: no inbox message, no messenger.
    assert dbsession.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.user_id == user.id)) == 1
    assert not [key for key in inbox_keys(dbsession, user.id) if "password" in key]
    # Only the secret's SHA-256 is stored.
    secret = link.rsplit("/", 1)[1]
    token = dbsession.scalars(sa.select(AccountToken)).one()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in token.token_hash
    assert token.expires_at == NOW + timedelta(hours=1)

    page = en.get(path_of(link))
    assert page.headers["Cache-Control"] == "no-store"
    page = set_password(en, link, "password1234", status=400)
    assert COMMON_EN in page.text
    page = set_password(en, link).follow()
    assert page.request.path == "/login"  # not signed in
    assert "Your new password is set. Sign in with it." in page.text
    en.get("/me/", status=403)
    assert events == [("PasswordReset", "me@example.org")]
    dbsession.refresh(token)
    assert token.used_at == NOW

    page = en.get(path_of(link), status=410)
    assert "This link was used already" in page.text
    assert page.html.find("a", href="http://example.com/password-reset")
    en.post(path_of(link), {"csrf_token": en.get_csrf_token("/login"), "password": "x"}, status=410)
    en.login("me@example.org", TEST_PASSWORD, status=400)
    en.login("me@example.org", NEW_PASSWORD)


def test_a_reset_link_expires(en, dbsession, clock):
    make_user(dbsession, email="me@example.org")
    ask_for_link(en, "me@example.org")
    link = last_link(dbsession, "me@example.org", "password-reset")
    clock.advance(minutes=59)
    en.get(path_of(link), status=200)
    clock.advance(minutes=1)
    page = en.get(path_of(link), status=410)
    assert "This link has expired" in page.text


def test_using_a_link_ends_the_others(en, dbsession, clock):
    make_user(dbsession, email="me@example.org")
    ask_for_link(en, "me@example.org")
    first = last_link(dbsession, "me@example.org", "password-reset")
    ask_for_link(en, "me@example.org")
    second = last_link(dbsession, "me@example.org", "password-reset")
    assert first != second
    set_password(en, second)
    assert "This link was used already" in en.get(path_of(first), status=410).text


@pytest.mark.parametrize("language, message", [
    ("en", "This link is not one the site sent, or it was not copied whole."),
    ("fa", "این پیوند"),
])
@pytest.mark.parametrize("token", ["not-a-token", "x" * 500, "%00", "a/b", "%D8%A7"])
def test_an_unknown_link_is_a_translated_400(testapp, language, message, token):
    testapp.get(f"/?_LOCALE_={language}")
    page = testapp.get(f"/password-reset/{token}", status=400)
    assert message in page.text or "null character" in page.text or "نویسه تهی" in page.text
    testapp.get(f"/verify-email/{token}", status=400)


def test_a_reset_does_not_remove_the_second_factor(en, dbsession, clock):
    make_user(dbsession, email="me@example.org", second_factor=True)
    ask_for_link(en, "me@example.org")
    set_password(en, last_link(dbsession, "me@example.org", "password-reset"))
    form = en.get("/login").forms["login"]
    form["email"], form["password"] = "me@example.org", NEW_PASSWORD
    assert form.submit("login", status=303).location.endswith("/login-code")  # the code is still asked
    en.get("/me/", status=403)


def test_a_closed_account_gets_no_link(en, dbsession):
    user = make_user(dbsession, email="closed@example.org")
    user.is_active = False
    ask_for_link(en, "closed@example.org")
    assert mails_to(dbsession, "closed@example.org") == []


def test_asking_for_links_is_limited_per_address_and_per_client(en, dbsession, clock):
    make_user(dbsession, email="me@example.org")
    for _ in range(3):
        ask_for_link(en, "me@example.org")
    form = en.get("/password-reset").forms["password-reset"]
    form["email"] = "me@example.org"
    page = form.submit("send", status=429)
    assert "Many links were asked for this address in a short time; please try again in 60 minutes." in page.text
    assert page.headers["Retry-After"] == "3600"
    assert len(mails_to(dbsession, "me@example.org", "password-reset")) == 3
    # The same for an address that has no account: the limit says nothing of it either.
    for _ in range(3):
        ask_for_link(en, "nobody@example.org")
    form = en.get("/password-reset").forms["password-reset"]
    form["email"] = "nobody@example.org"
    assert form.submit("send", status=429).headers["Retry-After"] == "3600"
    # Per client, whatever the addresses.
    for number in range(2):
        ask_for_link(en, f"someone{number}@example.org")
    form = en.get("/password-reset").forms["password-reset"]
    form["email"] = "someone-else@example.org"
    page = form.submit("send", status=429)
    assert "Many links were asked from your network" in page.text
    clock.advance(minutes=61)
    ask_for_link(en, "me@example.org")


def test_the_limit_is_translated(testapp, dbsession):
    for _ in range(4):
        form = testapp.get("/password-reset").forms["password-reset"]
        form["email"] = "me@example.org"
        page = form.submit("send", status="*")
    assert page.status_int == 429
    assert "۶۰" in page.text and "Many links" not in page.text


# --- no account enumeration ------------------------------------------------------------------------------------


def answer(response):
    """What a visitor can tell of an answer: its status, where it sends them, the cookies it sets, its page."""
    cookies = sorted(h.split("=", 1)[0] for k, h in response.headerlist if k.lower() == "set-cookie")
    page = response.follow() if response.status_int == 303 else response
    return response.status_int, response.location, cookies, page.status_int, page.html.main.get_text()


def test_asking_for_a_link_answers_the_same_whether_the_address_has_an_account_or_not(en, dbsession, monkeypatch):
    make_user(dbsession, email="me@example.org")
    hashed = []
    monkeypatch.setattr(tokens, "token_hash", lambda secret, original=tokens.token_hash: hashed.append(1) or
                        original(secret))
    answers, took = [], []
    for email in ("me@example.org", "nobody@example.org"):
        form = en.get("/password-reset").forms["password-reset"]
        form["email"] = email
        started = time.monotonic()
        answers.append(answer(form.submit("send")))
        took.append(time.monotonic() - started)
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    # Neither answers before the same moment: writing the link (a few milliseconds) does not show in the timing.
    assert min(took) >= password_views.RESET_ANSWER_SECONDS
    assert len(hashed) == 2  # a token is hashed either way
    assert len(mails_to(dbsession, "me@example.org", "password-reset")) == 1
    assert mails_to(dbsession, "nobody@example.org") == []


def test_registering_a_taken_address_answers_as_a_new_registration_and_tells_its_owner(en, dbsession, monkeypatch):
    owner = make_user(dbsession, email="taken@example.org", locale="en")
    hashes = []
    monkeypatch.setattr("eparticipation.accounts.views.hash_password",
                        lambda password: hashes.append(1) or services.hash_password(password))
    answers = []
    for email in ("new@example.org", "taken@example.org"):
        en.reset()
        en.get("/?_LOCALE_=en")
        form = fill_registration(en.get("/register").forms["register"], email=email)
        answers.append(answer(form.submit("register")))
        en.get("/me/", status=403)  # nobody is signed in
    assert answers[0] == answers[1]
    status, location, cookies, _, text = answers[0]
    assert (status, location, cookies) == (303, "http://example.com/registered", [])
    assert "We sent you a link: open it to confirm your address and sign in." in text
    assert hashes == [1, 1]  # the password is hashed either way

    assert dbsession.scalar(sa.select(sa.func.count(User.id)).where(User.email == "taken@example.org")) == 1
    assert check_password(owner, TEST_PASSWORD)  # the owner's account is unchanged
    [notice] = mails_to(dbsession, "taken@example.org", "registration-attempt")
    assert notice.subject == "Someone tried to register with your address"
    assert "http://example.com/password-reset" in notice.body and notice.link == "http://example.com/login"
    assert mails_to(dbsession, "taken@example.org", "verify-email") == []
    assert len(mails_to(dbsession, "new@example.org", "verify-email")) == 1


def test_the_owner_of_a_taken_address_is_told_a_few_times_an_hour_at_most(en, dbsession):
    make_user(dbsession, email="taken@example.org")
    for _ in range(5):
        form = fill_registration(en.get("/register").forms["register"], email="taken@example.org")
        form.submit("register", status=303)
    assert len(mails_to(dbsession, "taken@example.org", "registration-attempt")) == 3


def test_sign_in_says_the_same_for_an_unknown_address_and_a_wrong_password(en, dbsession, monkeypatch):
    make_user(dbsession, email="me@example.org")
    verified = []

    class Counting:
        def __init__(self, hasher):
            self.hasher = hasher

        def verify(self, *args):
            verified.append(1)
            return self.hasher.verify(*args)

        def __getattr__(self, name):
            return getattr(self.hasher, name)

    monkeypatch.setattr(services, "password_hasher", Counting(services.password_hasher))
    wrong = en.login("me@example.org", "not the password", status=400)
    unknown = en.login("nobody@example.org", "not the password", status=400)
    assert wrong.html.find(role="alert").text == unknown.html.find(role="alert").text
    assert "The e-mail address or the password is not right." in unknown.text
    assert verified == [1, 1]  # one argon2 verification either way: the same order of time


# --- confirming one's address ----------------------------------------------------------------------------------


@pytest.fixture
def consultation(dbsession):
    agency = make_agency(dbsession, code="tax")
    return make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=1),
                      closes_at=NOW + timedelta(days=29))


def test_a_person_whose_address_is_not_confirmed_signs_in_but_does_not_take_part(en, dbsession, consultation):
    from eparticipation.feedback.models import Service

    author = make_user(dbsession, email="author@example.org")
    comment = make_comment(dbsession, consultation, author)
    service = Service(agency_id=consultation.agency_id, name_fa="خدمت", name_en="A service")
    dbsession.add(service)
    dbsession.flush()
    make_user(dbsession, email="new@example.org", verified=False)
    en.login("new@example.org")
    page = en.get("/me/")
    assert "Confirm your e-mail address: open the link we sent to new@example.org." in page.text
    page = en.get(f"/consultations/{consultation.id}/")
    assert "Confirm your e-mail address to vote and comment" in page.text
    assert not any(f.action.endswith(("/comments/add", "/votes/", "/support")) for f in page.forms.values())
    token = en.get_csrf_token("/me/edit")
    base = f"/consultations/{consultation.id}/"
    en.post(base + "votes/", {"csrf_token": token, "choice": "support"}, status=403)
    en.post(base + "comments/add", {"csrf_token": token, "body": "نظر من درباره این پیش‌نویس"}, status=403)
    en.post(base + f"comments/{comment.id}/support", {"csrf_token": token}, status=403)
    en.get(base + f"comments/{comment.id}/report", status=403)
    en.post(base + "survey/", {"csrf_token": token, "send": "send"}, status=403)
    page = en.get(f"/agencies/tax/services/{service.id}/")
    assert "Confirm your e-mail address to rate this service" in page.text
    en.post(f"/agencies/tax/services/{service.id}/", {"csrf_token": token, "score": "5", "rate": "rate"}, status=403)

    # The notice's button sends the link again; the link confirms the address, and taking part is open.
    en.post("/me/verify-email", {"csrf_token": token}, status=303)
    assert len(mails_to(dbsession, "new@example.org", "verify-email")) == 1
    page = confirm_address(en, dbsession, "new@example.org").follow()
    assert "Your e-mail address is confirmed: you can take part now." in page.text
    assert "Confirm your e-mail address:" not in page.text
    page = en.get(f"/consultations/{consultation.id}/")
    assert any(f.action.endswith("/votes/") for f in page.forms.values())
    en.post(base + "votes/", {"csrf_token": token, "choice": "support"}, status=303)


def test_sending_the_link_again_is_limited(en, dbsession):
    make_user(dbsession, email="new@example.org", verified=False)
    en.login("new@example.org")
    for _ in range(3):
        en.get("/me/").forms["verify-notice-form"].submit(status=303)
    page = en.get("/me/").forms["verify-notice-form"].submit(status=429)
    assert "The link was sent again a few times already" in page.text
    assert int(page.headers["Retry-After"]) > 0
    assert len(mails_to(dbsession, "new@example.org", "verify-email")) == 3


def test_sending_the_link_again_needs_a_signed_in_person_and_a_csrf_token(en, dbsession):
    en.post("/me/verify-email", {"csrf_token": en.get_csrf_token("/login")}, status=403)
    make_user(dbsession, email="new@example.org", verified=False)
    en.login("new@example.org")
    en.post("/me/verify-email", {}, status=400)
    assert mails_to(dbsession, "new@example.org") == []


def test_a_confirmation_link_signs_a_new_person_in_once(testapp, dbsession, clock):
    form = fill_registration(testapp.get("/register").forms["register"], email="new@example.org")
    form.submit("register", status=303)
    user = dbsession.scalar(sa.select(User).where(User.email == "new@example.org"))
    assert user.email_verified_at is None
    [mail] = mails_to(dbsession, "new@example.org", "verify-email")
    assert mail.subject == "نشانی رایانامهٔ خود را تأیید کنید"  # in the language they registered in
    assert not inbox_keys(dbsession, user.id)
    page = testapp.get(path_of(mail.link))  # opening the link changes nothing: mail scanners open links
    assert user.email_verified_at is None
    assert "verify-email" in page.forms
    testapp.get("/me/", status=403)
    response = confirm_address(testapp, dbsession, "new@example.org")
    assert response.location == "http://example.com/me"
    testapp.get("/me/")
    assert user.email_verified_at == NOW
    testapp.logout()
    assert testapp.get(path_of(mail.link), status=410).status_int == 410


def test_a_confirmation_link_expires_after_the_setting_s_hours(en, dbsession, clock):
    user = make_user(dbsession, email="new@example.org", verified=False)
    en.login("new@example.org")
    en.post("/me/verify-email", {"csrf_token": en.get_csrf_token("/me/edit")}, status=303)
    link = last_link(dbsession, "new@example.org", "verify-email")
    clock.advance(hours=48)
    assert "This link has expired" in en.get(path_of(link), status=410).text
    assert user.email_verified_at is None


def test_a_confirmation_link_does_not_sign_in_whoever_has_a_second_factor(en, dbsession):
    user = make_user(dbsession, email="new@example.org", verified=False, second_factor=True)
    en.login("new@example.org")
    en.post("/me/verify-email", {"csrf_token": en.get_csrf_token("/me/edit")}, status=303)
    en.logout()
    response = confirm_address(en, dbsession, "new@example.org")
    assert response.location == "http://example.com/login"
    assert user.email_verified_at == NOW
    en.get("/me/", status=403)


def test_a_reset_link_confirms_the_address_too(en, dbsession):
    user = make_user(dbsession, email="new@example.org", verified=False)
    ask_for_link(en, "new@example.org")
    set_password(en, last_link(dbsession, "new@example.org", "password-reset"))
    assert user.email_verified_at == NOW


def test_the_migration_counts_every_existing_account_as_confirmed(tmp_path):
    from alembic import command

    from eparticipation.db import get_engine

    from ..conftest import alembic_config

    engine = get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'm.sqlite'}"})
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "mfa01")
        connection.execute(sa.text(
            "INSERT INTO users (email, password_hash, display_name, locale, is_active, created_at) "
            "VALUES ('old@example.org', 'x', 'Old', 'fa', 1, '2026-11-01 10:00:00.000000')"
        ))
        command.upgrade(alembic_config(connection), "passwords01")
        created, verified = connection.execute(sa.text("SELECT created_at, email_verified_at FROM users")).one()
        assert verified == created
        command.downgrade(alembic_config(connection), "mfa01")
        assert "email_verified_at" not in [c["name"] for c in sa.inspect(connection).get_columns("users")]
        command.upgrade(alembic_config(connection), "passwords01")
    engine.dispose()


def test_the_token_purpose_is_part_of_the_token(en, dbsession):
    """A confirmation link is no reset link."""
    make_user(dbsession, email="new@example.org", verified=False)
    en.login("new@example.org")
    en.post("/me/verify-email", {"csrf_token": en.get_csrf_token("/me/edit")}, status=303)
    secret = last_link(dbsession, "new@example.org", "verify-email").rsplit("/", 1)[1]
    en.get(f"/password-reset/{secret}", status=400)
    assert dbsession.scalars(sa.select(AccountToken.purpose)).all() == [TokenPurpose.email_verification]


def test_links_that_ended_a_month_ago_are_forgotten(app, dbsession):
    from types import SimpleNamespace

    user = make_user(dbsession)
    request = SimpleNamespace(dbsession=dbsession, now=NOW - timedelta(days=31), registry=app.registry)
    tokens.issue(request, user, TokenPurpose.password_reset)
    request.now = NOW
    tokens.issue(request, user, TokenPurpose.password_reset)
    assert tokens.forget_ended(dbsession, NOW) == 1
    assert len(dbsession.scalars(sa.select(AccountToken)).all()) == 1


def test_the_public_forms_need_their_csrf_token(en, dbsession):
    user = make_user(dbsession, email="me@example.org", verified=False)
    en.post("/password-reset", {"email": "me@example.org", "send": "send"}, status=400)
    assert mails_to(dbsession, "me@example.org") == []
    ask_for_link(en, "me@example.org")
    reset = path_of(last_link(dbsession, "me@example.org", "password-reset"))
    fields = {"__start__": "password:mapping", "password": NEW_PASSWORD, "password-confirm": NEW_PASSWORD,
              "__end__": "password:mapping", "set": "set"}
    en.post(reset, fields, status=400)
    en.post(reset, {**fields, "csrf_token": "forged"}, status=400)
    assert check_password(user, TEST_PASSWORD)
    en.login("me@example.org")
    en.post("/me/verify-email", {"csrf_token": en.get_csrf_token("/me/edit")}, status=303)
    en.logout()
    verify = path_of(last_link(dbsession, "me@example.org", "verify-email"))
    en.post(verify, {"confirm": "confirm"}, status=400)
    assert user.email_verified_at is None


def test_auditors_change_nothing_through_the_public_forms_either(en, dbsession):
    """Read-only accounts are refused every unsafe request but their own account's (security.py)."""
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    en.login("auditor@example.org")
    token = en.get_csrf_token("/me/edit")
    en.post("/password-reset", {"csrf_token": token, "email": "auditor@example.org"}, status=403)
    change_form(en).submit("change", status=303)  # their own password is their own account's



def test_administrators_see_whether_an_address_is_confirmed(en, dbsession):
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    confirmed = make_user(dbsession, email="confirmed@example.org")
    waiting = make_user(dbsession, email="waiting@example.org", verified=False)
    en.login("admin@example.org")
    assert "The e-mail address was confirmed on" in en.get(f"/admin/users/{confirmed.id}").text
    page = en.get(f"/admin/users/{waiting.id}")
    assert "The e-mail address is not confirmed yet: the account cannot take part." in page.text


def test_the_request_log_never_holds_a_link_s_secret(en, dbsession, caplog):
    import json
    import logging

    from eparticipation.observability.logs import JSONFormatter

    make_user(dbsession, email="me@example.org")
    ask_for_link(en, "me@example.org")
    link = last_link(dbsession, "me@example.org", "password-reset")
    secret = link.rsplit("/", 1)[1]
    caplog.set_level(logging.INFO, logger="eparticipation.requests")
    en.get(path_of(link))
    en.get("/verify-email/" + secret, status=400)
    lines = [json.loads(JSONFormatter().format(r)) for r in caplog.records if r.name == "eparticipation.requests"]
    assert [line["path"] for line in lines] == ["/password-reset/…", "/verify-email/…"]
    assert not any(secret in JSONFormatter().format(r) for r in caplog.records)


def test_a_delivered_link_is_kept_only_in_the_mailbox(app, en, dbsession, clock):
    """Once the e-mail with a reset link is handed to the mail server, the outbox row keeps no working copy: a
    backup or a leaked dump of the database opens nothing. The notice to a taken address keeps its links."""
    import email
    from email import policy

    from sqlalchemy.orm import Session

    from eparticipation.messaging.channels import SMTPAdapter
    from eparticipation.messaging.delivery import Deliverer

    from ..fakes import FakeSMTP

    make_user(dbsession, email="me@example.org", locale="en")
    ask_for_link(en, "me@example.org")
    link = last_link(dbsession, "me@example.org", "password-reset")
    with FakeSMTP() as smtp:
        adapter = SMTPAdapter(Channel.email, {"host": "127.0.0.1", "port": smtp.port,
                                              "sender": "Consultation <no-reply@example.com>", "timeout": 5})
        connection = dbsession.connection()
        deliverer = Deliverer(app.registry, lambda: Session(bind=connection, join_transaction_mode="create_savepoint"),
                              {Channel.email: adapter})
        assert deliverer.drain(batch=10) == 1
    received = email.message_from_bytes(smtp.messages[0].content, policy=policy.default)
    assert link in received.get_content()
    message = mails_to(dbsession, "me@example.org", "password-reset")[0]
    dbsession.refresh(message)
    assert message.status == "sent" and message.link == ""
    set_password(en, link).follow()  # the link in the mailbox still works
