"""The demo's staff sign in with a second factor too: a fixed secret (in the README) and a console script that
prints an account's current code, from a development ini only."""

import pyotp

from eparticipation.scripts.demo import DEMO_TOTP_SECRET, enrol_demo_staff
from eparticipation.scripts.demo_code import demo_code, main

from ..conftest import PROJECT
from ..factories import TEST_PASSWORD, make_agency, make_user


def test_the_printed_code_and_the_readme_s_secret_sign_a_demo_editor_in(en, dbsession, clock, app_settings):
    editor = make_user(dbsession, email="editor.tax@example.org", grants=[("editor", make_agency(dbsession))],
                       second_factor=False)
    enrol_demo_staff(editor, app_settings)
    dbsession.flush()
    code = demo_code(dbsession, app_settings, "editor.tax@example.org", clock.now())
    assert code == pyotp.TOTP(DEMO_TOTP_SECRET).at(clock.now())
    assert f"**`{DEMO_TOTP_SECRET}`**" in (PROJECT / "README.md").read_text(encoding="utf-8")

    form = en.get("/login").forms["login"]
    form["email"], form["password"] = "editor.tax@example.org", TEST_PASSWORD
    assert form.submit("login", status=303).location.endswith("/login-code")
    form = en.get("/login-code").forms["login-code"]
    form["code"] = code
    assert form.submit("verify", status=303).location == "http://example.com/me"


def test_the_script_refuses_a_production_ini(capsys):
    assert main([str(PROJECT / "production.ini"), "admin@example.org"]) == 2
    assert "is not a development ini" in capsys.readouterr().err


def test_only_the_development_ini_allows_printing_codes():
    from pyramid.paster import get_appsettings

    assert get_appsettings(str(PROJECT / "development.ini"))["eparticipation.mfa.demo_codes"] == "true"
    assert "eparticipation.mfa.demo_codes" not in get_appsettings(str(PROJECT / "production.ini"))
