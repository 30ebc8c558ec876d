"""The second factor: staff hold no role before it, the sign-in's second step, enrolment with a QR code, recovery
codes, replay and throttling, re-authentication before a change, and an administrator's reset."""

import re

import pyotp
import pytest
import sqlalchemy as sa

from eparticipation import main
from eparticipation.accounts.events import SecondFactorChanged
from eparticipation.accounts.models import RecoveryCode, SecondFactor
from eparticipation.accounts.second_factor import decrypt_secret

from ..audit import audit_entries, head
from ..conftest import TestApp
from ..factories import TEST_PASSWORD, TEST_TOTP_SECRET, make_agency, make_draft, make_user

WRONG_CODE_EN = "The code is not right. Type the 6 digits your authenticator app shows now, or a recovery code."
WRONG_CODE_FA = "کد درست نیست. شش رقمی را که برنامهٔ احراز هویت شما اکنون نشان می‌دهد، یا یکی از کدهای بازیابی را وارد کنید."
REPLAYED_EN = "This code was used already. Wait for the next code in your authenticator app."


@pytest.fixture
def changes(app):
    """The SecondFactorChanged events sent during the test: the people they were about."""
    seen = []

    def collect(event):
        seen.append(event.user.email)

    app.registry.registerHandler(collect, (SecondFactorChanged,))
    yield seen
    app.registry.unregisterHandler(collect, (SecondFactorChanged,))


def code_at(clock, secret=TEST_TOTP_SECRET):
    return pyotp.TOTP(secret).at(clock.now())


def password_step(app, email, password=TEST_PASSWORD, status=303):
    form = app.get("/login").forms["login"]
    form["email"] = email
    form["password"] = password
    return form.submit("login", status=status)


def code_step(app, code, status=303):
    form = app.get("/login-code").forms["login-code"]
    form["code"] = code
    return form.submit("verify", status=status)


def enrol(app, clock):
    """The enrolment journey from the security page: the QR code, the key written out, a code typed in.
    Returns (the key, the page of recovery codes)."""
    page = app.get("/me/security/").click(href="/me/security/enrol")
    svg = page.html.select_one("figure svg")
    assert svg is not None and svg["role"] == "img" and svg["aria-label"]
    assert svg.title is not None  # the QR code is named for screen readers too
    secret = page.html.select_one("#secret-key").text.replace(" ", "")
    form = page.forms["enrol"]
    form["code"] = code_at(clock, secret)
    page = form.submit("enrol", status=200)
    assert page.headers["Cache-Control"] == "no-store"
    return secret, page


def recovery_codes(page):
    return [code.text for code in page.html.select("#recovery-codes code")]


def test_staff_without_a_second_factor_hold_no_role_until_they_enrol(en, dbsession, clock, changes):
    agency = make_agency(dbsession, code="tax")
    unopened = make_draft(dbsession, agency, title_en="Unopened bylaw of the tax administration")
    make_user(dbsession, email="editor@example.org", grants=[("editor", agency)], second_factor=False)

    page = en.login("editor@example.org").follow()
    # Signed in, as a participant only, and sent to set up an app with a clear message.
    assert page.request.path == "/me/security/enrol"
    assert "Staff sign in with a second factor." in page.text
    page = en.get("/agencies/tax/new-draft", status=403)
    assert "Set up your second factor first" in page.text
    en.get(f"/consultations/{unopened.id}/", status=404)
    assert "Unopened bylaw" not in en.get("/consultations/", {"state": "draft"}).text

    before = head(dbsession)
    secret, page = enrol(en, clock)
    assert "Your authenticator app is set up" in page.text
    assert len(set(recovery_codes(page))) == 10

    en.get("/agencies/tax/new-draft", status=200)
    en.get(f"/consultations/{unopened.id}/", status=200)
    assert "Unopened bylaw" in en.get("/consultations/", {"state": "draft"}).text
    [entry] = audit_entries(dbsession, before)
    assert (entry.action, entry.object_type, entry.after) == ("account.second_factor.enrol", "User", {"second_factor": True})
    assert changes == ["editor@example.org"]
    # At rest the key is encrypted; the recovery codes are only hashes.
    factor = dbsession.scalar(sa.select(SecondFactor))
    assert secret not in factor.secret and decrypt_secret(en.app.registry.settings, factor.secret) == secret
    stored = dbsession.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and all(h.startswith("$argon2id$") for h in stored)
    assert not any(code.replace("-", "") in h for code in recovery_codes(page) for h in stored)


def test_the_password_alone_signs_nobody_in_and_a_wrong_code_is_refused(en, dbsession, clock):
    make_user(dbsession, email="editor@example.org", grants=[("editor", make_agency(dbsession))])
    page = password_step(en, "editor@example.org")
    assert page.location.endswith("/login-code")
    en.get("/me/", status=403)  # not signed in yet

    page = code_step(en, "000000" if code_at(clock) != "000000" else "111111", status=400)
    assert WRONG_CODE_EN in page.text
    assert page.forms["login-code"]["code"].value == ""
    en.get("/me/", status=403)

    page = code_step(en, code_at(clock))
    assert page.location == "http://example.com/me"
    en.get("/me/", status=200)


def test_a_wrong_code_is_refused_in_persian(testapp, dbsession, clock):
    make_user(dbsession, email="citizen@example.org", second_factor=True)
    password_step(testapp, "citizen@example.org")
    page = code_step(testapp, "12345", status=400)
    assert WRONG_CODE_FA in page.text


def test_a_code_is_accepted_once(en, dbsession, clock):
    make_user(dbsession, email="citizen@example.org", second_factor=True)
    password_step(en, "citizen@example.org")
    code_step(en, code_at(clock))
    en.logout()

    password_step(en, "citizen@example.org")
    page = code_step(en, code_at(clock), status=400)  # the same 30 seconds: someone who saw it cannot use it
    assert REPLAYED_EN in page.text
    clock.advance(seconds=30)
    code_step(en, code_at(clock))


def test_wrong_codes_are_throttled_and_a_right_password_does_not_reset_the_count(en, dbsession, clock):
    make_user(dbsession, email="citizen@example.org", second_factor=True)
    password_step(en, "citizen@example.org")
    for _ in range(5):
        code_step(en, "999999" if code_at(clock) != "999999" else "888888", status=400)
    page = code_step(en, code_at(clock), status=429)
    assert "Too many failed sign-in attempts for this address. Try again in 15 minutes." in page.text
    password_step(en, "citizen@example.org")
    code_step(en, code_at(clock), status=429)
    clock.advance(minutes=15, seconds=1)
    password_step(en, "citizen@example.org")
    code_step(en, code_at(clock))


def test_a_recovery_code_signs_in_once(en, dbsession, clock, changes):
    make_user(dbsession, email="citizen@example.org")
    en.login("citizen@example.org")
    _secret, page = enrol(en, clock)
    first, second = recovery_codes(page)[:2]
    en.logout()
    changes.clear()

    password_step(en, "citizen@example.org")
    page = code_step(en, first.upper()).follow()
    assert "You used a recovery code; 9 are left." in page.text
    assert changes == ["citizen@example.org"]
    en.logout()

    password_step(en, "citizen@example.org")
    page = code_step(en, first, status=400)
    assert WRONG_CODE_EN in page.text
    code_step(en, second.replace("-", ""))


def test_new_recovery_codes_replace_the_old_ones(en, dbsession, clock):
    make_user(dbsession, email="citizen@example.org")
    en.login("citizen@example.org")
    _secret, page = enrol(en, clock)
    old = recovery_codes(page)
    before = head(dbsession)
    page = en.get("/me/security/").forms["recovery-codes-form"].submit(status=200)
    new = recovery_codes(page)
    assert len(new) == 10 and not set(new) & set(old)
    assert [e.action for e in audit_entries(dbsession, before)] == ["account.recovery_codes.renew"]
    en.logout()
    password_step(en, "citizen@example.org")
    code_step(en, old[0], status=400)
    code_step(en, new[0])


def test_removing_the_second_factor_asks_for_the_password_and_a_code_again(en, dbsession, clock, changes):
    user = make_user(dbsession, email="citizen@example.org", second_factor=True)
    en.login("citizen@example.org")
    clock.advance(minutes=11)
    remove = en.get("/me/security/").forms["remove-form"]
    page = remove.submit(status=303)
    assert page.location.startswith("http://example.com/me/confirm?next=")
    assert user.second_factor is not None

    form = page.follow().forms["confirm"]
    form["password"] = "not my password"
    form["code"] = code_at(clock)
    page = form.submit("confirm", status=400)
    assert "The password is not right." in page.text
    form = page.forms["confirm"]
    form["password"] = TEST_PASSWORD
    form["code"] = "000000" if code_at(clock) != "000000" else "111111"
    assert WRONG_CODE_EN in form.submit("confirm", status=400).text
    form = en.get("/me/confirm", {"next": "/me/security/"}).forms["confirm"]
    form["password"] = TEST_PASSWORD
    form["code"] = code_at(clock)
    assert form.submit("confirm", status=303).location == "http://example.com/me/security/"

    before = head(dbsession)
    page = en.get("/me/security/").forms["remove-form"].submit(status=303).follow()
    assert "Your second factor is removed" in page.text
    dbsession.expire_all()
    assert dbsession.scalar(sa.select(sa.func.count(SecondFactor.id))) == 0
    assert [e.action for e in audit_entries(dbsession, before)] == ["account.second_factor.remove"]
    assert changes == ["citizen@example.org"]
    en.logout()
    en.login("citizen@example.org").follow(status=200)  # the password alone again


def test_enrolling_asks_for_the_password_again_after_a_while(en, dbsession, clock):
    make_user(dbsession, email="citizen@example.org")
    en.login("citizen@example.org")
    clock.advance(minutes=11)
    page = en.get("/me/security/enrol", status=303)
    page = page.follow()
    assert "For your security, confirm it is you" in page.text
    assert "code" not in page.forms["confirm"].fields  # no second factor yet: the password is all
    page.forms["confirm"]["password"] = TEST_PASSWORD
    page = page.forms["confirm"].submit("confirm", status=303)
    assert page.location == "http://example.com/me/security/enrol"
    page.follow(status=200)


def test_a_citizen_opts_in_and_then_signs_in_with_a_code(en, dbsession, clock):
    make_user(dbsession, email="citizen@example.org")
    en.login("citizen@example.org")
    assert "You sign in with your password only." in en.get("/me/").text
    secret, _page = enrol(en, clock)
    assert "You sign in with your password and an authenticator app." in en.get("/me/").text
    en.logout()
    assert password_step(en, "citizen@example.org").location.endswith("/login-code")
    clock.advance(seconds=30)
    code_step(en, code_at(clock, secret))
    en.get("/me/", status=200)


def test_replacing_the_app_keeps_the_old_one_until_the_new_one_is_confirmed(en, dbsession, clock):
    make_user(dbsession, email="editor@example.org", grants=[("editor", make_agency(dbsession))])
    en.login("editor@example.org")
    page = en.get("/me/security/enrol")
    assert "Your present app keeps working until you confirm the new one here." in page.text
    en.logout()
    clock.advance(seconds=30)
    en.login("editor@example.org")  # still with the old app
    new_secret, _page = enrol(en, clock)
    en.logout()
    clock.advance(seconds=30)
    password_step(en, "editor@example.org")
    code_step(en, code_at(clock), status=400)
    code_step(en, code_at(clock, new_secret))


def test_an_administrator_resets_a_staff_member_s_second_factor(en, dbsession, clock, changes):
    agency = make_agency(dbsession, code="tax")
    admin = make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    editor = make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    editor_app = TestApp(en.app, extra_environ=en.extra_environ)
    editor_app.login("editor@example.org")
    editor_app.get("/agencies/tax/new-draft", status=200)
    en.login("admin@example.org")
    page = en.get(f"/admin/users/{editor.id}")
    before = head(dbsession)
    page = page.forms["second-factor-reset"].submit(status=303).follow()
    assert "The second factor is reset" in page.text
    assert "None: the account signs in with its password only." in page.text
    [entry] = audit_entries(dbsession, before)
    assert (entry.action, entry.actor_id, entry.object_id) == ("account.second_factor.reset", admin.id, str(editor.id))
    assert changes == ["editor@example.org"]
    editor_app.get("/agencies/tax/new-draft", status=403)  # the session signed in with the old factor, too
    en.logout()

    page = en.login("editor@example.org")
    assert page.location.endswith("/me/security/enrol")
    en.get("/agencies/tax/new-draft", status=403)


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/me/security/"), ("get", "/me/security/enrol"), ("post", "/me/security/enrol"),
    ("post", "/me/security/recovery-codes"), ("post", "/me/security/remove"), ("get", "/me/confirm"),
    ("post", "/me/confirm"),
])
def test_the_security_pages_refuse_anonymous_visitors(en, method, path):
    token = en.get_csrf_token("/login")
    if method == "get":
        en.get(path, status=403)
    else:
        en.post(path, {"csrf_token": token}, status=403)


def test_only_administrators_reset_a_second_factor(en, dbsession):
    agency = make_agency(dbsession)
    editor = make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    for who in ("editor", "coordinator", "auditor"):
        en.reset()
        en.login(f"{who}@example.org")
        token = en.get_csrf_token("/me/edit")
        en.post(f"/admin/users/{editor.id}/second-factor-reset", {"csrf_token": token}, status=403)
    dbsession.expire_all()
    assert editor.second_factor is not None


def test_the_second_step_without_a_right_password_goes_back_to_the_password(en):
    page = en.get("/login-code", status=303)
    assert page.location == "http://example.com/login"
    token = en.get_csrf_token("/login")
    assert en.post("/login-code", {"csrf_token": token, "code": "123456"}, status=303).location.endswith("/login")


def test_the_second_step_expires(en, dbsession, clock):
    make_user(dbsession, email="citizen@example.org", second_factor=True)
    password_step(en, "citizen@example.org")
    clock.advance(minutes=6)
    en.get("/login-code", status=303)


def test_the_codes_of_a_site_with_another_session_secret_are_worthless(dbsession, app_settings, clock):
    """The key is derived from the session secret: the database alone does not reveal anyone's codes."""
    make_user(dbsession, email="citizen@example.org", second_factor=True)
    factor = dbsession.scalar(sa.select(SecondFactor))
    assert decrypt_secret({"eparticipation.session_secret": "another secret of another site"}, factor.secret) is None
    assert decrypt_secret(app_settings, factor.secret) == TEST_TOTP_SECRET


def test_a_site_that_does_not_require_it_lets_staff_work_without_a_second_factor(app, app_settings, tm, dbsession, clock):
    relaxed = main({}, **{**app_settings, "eparticipation.mfa.required_for_staff": "false"})
    relaxed.registry["clock"] = clock
    agency = make_agency(dbsession, code="tax")
    make_user(dbsession, email="editor@example.org", grants=[("editor", agency)], second_factor=False)
    client = TestApp(relaxed, extra_environ={"HTTP_HOST": "example.com", "tm.active": True, "tm.manager": tm,
                                             "app.dbsession": dbsession})
    assert client.login("editor@example.org").location == "http://example.com/me"
    client.get("/agencies/tax/new-draft", status=200)


def test_a_pending_sign_in_cannot_be_completed_with_another_account_s_code(en, dbsession, clock):
    make_user(dbsession, email="citizen@example.org", second_factor=True)
    other_secret = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
    password_step(en, "citizen@example.org")
    code_step(en, code_at(clock, other_secret), status=400)
    assert re.search(r"/login-code$", en.get("/login-code").request.url)
