"""Registering, in a real browser, in Persian and in English, and what a mistake looks like.

The Persian journeys find elements by name, id, href and role only, never by Persian wording (the
translations change); the English journey may use the English labels, which also proves that every
field is reachable by its label.
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from eparticipation.accounts.models import User
from eparticipation.geography import provinces

from .accessibility import audit
from .pages import assert_fits_the_screen, error_of, sign_out

pytestmark = pytest.mark.browser

PASSWORD = "a-long-enough-passphrase"
TEHRAN = next(p for p in provinces() if p.code == "IR-23")
ISFAHAN = next(p for p in provinces() if p.code == "IR-10")


def expect_persian(page):
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def expect_english(page):
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")


def nav_link(page, path):
    """A link of the header's main navigation, found by where it goes, whatever its wording."""
    return page.locator(f'header nav a[href$="{path}"]')


def registration_form(page):
    return page.locator("form#register")


def stored_user(live_server, email) -> User:
    with Session(live_server.engine) as session:
        return session.scalars(sa.select(User).where(User.email == email)).one()


def confirmation_link(live_server, email) -> str:
    """The path of the link the site e-mailed to confirm `email` (registration signs nobody in before it)."""
    from eparticipation.messaging.models import OutboxMessage

    with Session(live_server.engine) as session:
        link = session.scalars(
            sa.select(OutboxMessage.link)
            .where(OutboxMessage.address == email, OutboxMessage.key.startswith("account:verify-email:"))
            .order_by(OutboxMessage.id.desc())
        ).first()
    assert link, f"no confirmation link was sent to {email}"
    return "/" + link.split("/", 3)[3]


def confirm_address(page, live_server, email):
    """The registration's answer ("check your mailbox"), then the e-mailed link and its button."""
    expect(page).to_have_url(live_server("/registered"))
    expect(page.locator("#registered")).to_be_visible()
    page.goto(confirmation_link(live_server, email))
    page.locator('form#verify-email button[name="confirm"]').click()


def test_registration_in_persian(page, live_server, unique_email):
    email = unique_email("fa")
    display_name = "مریم رضایی"

    page.goto("/")
    expect_persian(page)
    audit(page)

    nav_link(page, "/register").click()
    expect(page).to_have_url(live_server("/register"))
    expect_persian(page)
    audit(page)

    form = registration_form(page)
    form.locator('input[name="email"]').fill(email)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.locator('input[name="password-confirm"]').fill(PASSWORD)
    form.locator('input[name="display_name"]').fill(display_name)
    form.locator('input[name="birth_year"]').fill("۱۳۷۰")  # Jalali, in Persian digits
    form.locator('input[type="radio"][value="female"]').check()
    form.locator('select[name="residence"]').select_option(TEHRAN.code)
    form.locator('input[type="radio"][value="academic"]').check()
    form.locator('button[name="register"]').click()
    confirm_address(page, live_server, email)

    expect(page).to_have_url(live_server("/me"))
    expect_persian(page)
    expect(page.locator(".alert-success[role=status]")).to_be_visible()
    expect(page.locator("#account-title")).to_have_text(display_name)
    expect(page.locator("main")).to_contain_text(email)
    expect(page.locator("main")).to_contain_text(TEHRAN.name_fa)  # from the provinces file, not a catalogue
    audit(page)
    user = stored_user(live_server, email)
    assert (user.birth_year, user.gender, user.residence, user.stakeholder_category, user.locale) == (
        1991, "female", TEHRAN.code, "academic", "fa"
    )

    sign_out(page, live_server)
    expect_persian(page)
    expect(nav_link(page, "/register")).to_be_visible()


def test_registration_in_english_on_a_phone(phone_page, live_server, unique_email):
    page = phone_page
    email = unique_email("en")

    page.goto("/")
    expect_persian(page)
    page.locator('header a[hreflang="en"]').click()
    expect(page).to_have_url(re.compile(r"\?_LOCALE_=en$"))
    expect_english(page)
    assert_fits_the_screen(page)
    audit(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register", exact=True).click()
    expect(page).to_have_url(live_server("/register"))
    expect_english(page)  # the choice is kept in a cookie
    expect(page.get_by_role("heading", level=1)).to_have_text("Register")
    assert_fits_the_screen(page)
    audit(page)

    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm Password").fill(PASSWORD)
    page.get_by_label("Display name").fill("Sam Example")
    page.get_by_label("Year of birth").fill("1991")
    page.get_by_role("radio", name="Male", exact=True).check()
    page.get_by_label("Province of residence").select_option(label=ISFAHAN.name_en)
    page.get_by_role("radio", name="Private sector").check()
    page.get_by_role("button", name="Create my account").tap()
    expect(page.get_by_role("status")).to_have_text(
        "We sent you a link: open it to confirm your address and sign in. If no message arrives in a few minutes, "
        "check the spam folder."
    )
    confirm_address(page, live_server, email)

    expect(page).to_have_url(live_server("/me"))
    expect_english(page)
    expect(page.get_by_role("status")).to_have_text("Your e-mail address is confirmed and you are signed in. Welcome!")
    expect(page.get_by_role("heading", level=2, name="Sam Example")).to_be_visible()
    main = page.locator("main")
    for shown in (email, "1991", "Male", ISFAHAN.name_en, "Private sector"):
        expect(main).to_contain_text(shown)
    assert_fits_the_screen(page)
    audit(page)

    sign_out(page, live_server)
    expect_english(page)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Register", exact=True)).to_be_visible()


@pytest.mark.parametrize("language", ["fa", "en"])
def test_registration_mistakes_are_shown_and_the_answers_kept(page, live_server, unique_email, language):
    email = unique_email(f"mistake-{language}")
    display_name = "نام نمایشی" if language == "fa" else "Kept Name"

    page.goto(f"/register?_LOCALE_={language}")
    form = registration_form(page)
    form.locator('input[name="email"]').fill(email)
    form.locator('input[name="password"]').fill("short")
    form.locator('input[name="password-confirm"]').fill("short")
    form.locator('input[name="display_name"]').fill(display_name)
    form.locator('input[name="birth_year"]').fill("۲۰۹۹" if language == "fa" else "2099")  # Gregorian, future
    form.locator('input[type="radio"][value="undisclosed"]').check()
    form.locator('select[name="residence"]').select_option(TEHRAN.code)
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        form.locator('button[name="register"]').click()
    assert answer.value.status == 400

    # The same page again, with the form and its messages.
    expect(page).to_have_url(live_server(f"/register?_LOCALE_={language}"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    form = registration_form(page)
    password_error = error_of(form, "password")
    year_error = error_of(form, "birth_year")
    expect(password_error).to_be_visible()
    expect(year_error).to_be_visible()
    expect(form.locator(".invalid-feedback")).to_have_count(2)
    if language == "en":
        expect(password_error).to_have_text("Choose a password of at least 8 characters.")
        expect(year_error).to_have_text("A year of birth cannot be in the future.")
    # Each message is tied to its field, so a screen reader announces it there.
    for name, error in (("password", password_error), ("password-confirm", password_error), ("birth_year", year_error)):
        field = form.locator(f'input[name="{name}"]')
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile(re.escape(error.inner_text().strip())))
    expect(form.locator('input[name="display_name"]')).not_to_have_attribute("aria-invalid", "true")

    # What was typed is still there, except the password, which is never sent back.
    expect(form.locator('input[name="email"]')).to_have_value(email)
    expect(form.locator('input[name="display_name"]')).to_have_value(display_name)
    expect(form.locator('input[name="birth_year"]')).to_have_value("۲۰۹۹" if language == "fa" else "2099")
    expect(form.locator('input[type="radio"][value="undisclosed"]')).to_be_checked()
    expect(form.locator('select[name="residence"]')).to_have_value(TEHRAN.code)
    expect(form.locator('input[name="password"]')).to_have_value("")
    expect(form.locator('input[name="password-confirm"]')).to_have_value("")
    audit(page)
