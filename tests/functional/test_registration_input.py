"""Bad input on the registration and profile forms: a clear message in the user's language, nothing lost."""

import pytest

from ..factories import make_user
from .test_accounts import fill_registration

MESSAGES = {
    "weak": ("Choose a password of at least 8 characters.", "۸"),
    "common": ("This password is one of the most common ones, or a small change of one; choose another, such as "
               "a few unrelated words.", "گذرواژه"),
    "personal": ("This password is too like your name or your e-mail address; choose another.", "گذرواژه"),
    "pattern": ("This password is too easy to guess: it is short, or a pattern (a sequence, a row of the keyboard, "
                "a repetition, a date or a common word). Choose a longer one, such as a few unrelated words.",
                "گذرواژه"),
    "future": ("A year of birth cannot be in the future.", "سال تولد"),
    "too_old": ("A year of birth before 1900 is not plausible.", "سال تولد"),
    "province": ("Choose a province from the list.", "استان"),
    "too_long": ("Enter at most 80 characters.", "۸۰"),
}


@pytest.mark.parametrize(
    "case, fields",
    [
        ("weak", {"password": "short", "password-confirm": "short"}),
        ("common", {"password": "password1234", "password-confirm": "password1234"}),
        ("common", {"password": "qwertyuiop1", "password-confirm": "qwertyuiop1"}),
        ("personal", {"email": "shirin.kamali@example.org", "password": "kamalishirin", "password-confirm": "kamalishirin"}),
        ("pattern", {"password": "aaaaaaaaaaaa", "password-confirm": "aaaaaaaaaaaa"}),
        ("future", {"birth_year": "2031"}),
        ("future", {"birth_year": "۱۴۱۰"}),  # a Jalali year after this one
        ("too_old", {"birth_year": "1850"}),
        ("province", {"residence": "IR-99"}),
        ("too_long", {"display_name": "ن" * 81}),
    ],
)
@pytest.mark.parametrize("language", ["en", "fa"])
def test_bad_registration_is_explained_and_keeps_what_was_typed(testapp, dbsession, case, fields, language):
    make_user(dbsession, email="taken@example.org")
    testapp.get(f"/?_LOCALE_={language}")
    form = fill_registration(testapp.get("/register").forms["register"], email="new@example.org")
    for name, value in fields.items():
        if name == "residence":  # not among the options: what a forged request would send
            form[name].force_value(value)
        else:
            form[name] = value
    page = form.submit("register", status=400)

    english, persian = MESSAGES[case]
    if language == "en":
        assert english in page.text
        assert "There was a problem with your submission" in page.text
    else:
        assert persian in page.text
        assert english not in page.text
        assert "There was a problem with your submission" not in page.text  # Deform's own text, translated

    form = page.forms["register"]
    kept = {"email": "new@example.org", "display_name": "مریم احمدی", "organisation": "انجمن حمایت از مصرف‌کنندگان"}
    kept.update({k: v for k, v in fields.items() if k in ("email", "display_name")})
    for name, value in kept.items():
        assert form[name].value == value
    assert form["gender"].value == "female"
    assert form["password"].value == ""  # passwords are never sent back


def test_mismatched_password_confirmation(en):
    form = fill_registration(en.get("/register").forms["register"], **{"password-confirm": "something else!"})
    page = form.submit("register", status=400)
    assert "Password did not match confirm" in page.text


def test_missing_required_fields_are_named(testapp):
    page = testapp.get("/register").forms["register"].submit("register", status=400)
    assert page.text.count("الزامی است") >= 3  # e-mail, password, display name
    assert "Required" not in page.text


def test_invalid_email_and_mobile(en):
    form = fill_registration(en.get("/register").forms["register"], email="not-an-address", mobile="12ab")
    page = form.submit("register", status=400)
    assert "Enter a valid e-mail address." in page.text
    assert "Enter a mobile number such as 09121234567 or +989121234567." in page.text


def test_profile_edit_rejects_bad_input_and_keeps_it(en, dbsession):
    make_user(dbsession, email="me@example.org")
    en.login("me@example.org")
    form = en.get("/me/edit").forms["profile"]
    form["display_name"] = "x"
    form["birth_year"] = "abc"
    form["organisation"] = "o" * 201
    page = form.submit("save", status=400)
    assert "Enter at least 2 characters." in page.text
    assert "Enter the year as a number, e.g. 1370 or 1991." in page.text
    assert "Enter at most 200 characters." in page.text
    assert page.forms["profile"]["organisation"].value == "o" * 201


@pytest.mark.parametrize("language, before, after", [("fa", "گیلان", "همدان"), ("fa", "بوشهر", "چهارمحال و بختیاری"),
                                                     ("en", "Gilan", "Hamadan"), ("en", "Bushehr", "Chaharmahal")])
def test_provinces_are_listed_in_the_readers_alphabetical_order(testapp, language, before, after):
    """Sorted by code point, «گیلان» came after «همدان» and «چهارمحال» after «یزد»: Persian letters outside
    Arabic's range sort by the Unicode collation, as a Persian reader expects."""
    form = testapp.get(f"/register?_LOCALE_={language}").forms["register"]
    names = [text for value, _, text in form["residence"].options if value.startswith("IR-")]
    assert len(names) == 31
    first = next(i for i, name in enumerate(names) if name.startswith(before))
    second = next(i for i, name in enumerate(names) if name.startswith(after))
    assert first < second
    assert [value for value, _, _ in form["residence"].options][-2:] == ["abroad", "undisclosed"]
