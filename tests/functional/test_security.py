"""Security by default: CSRF on unsafe requests, a default permission, security headers, cookie flags."""

import pytest
from pyramid.authorization import ALL_PERMISSIONS
from pyramid.interfaces import IDefaultPermission

from eparticipation.permissions import Permissions
from eparticipation.resources import Root

from ..factories import make_user


def test_a_post_without_a_valid_csrf_token_is_refused_with_a_translated_message(en, dbsession):
    make_user(dbsession, email="me@example.org")
    page = en.post("/login", {"email": "me@example.org", "password": "x", "login": "login"}, status=400)
    assert "The form has expired" in page.text
    en.login("me@example.org")
    page = en.post("/logout", {"csrf_token": "forged"}, status=400)
    assert "The form has expired" in page.text
    en.get("/me/")  # still signed in


def test_csrf_refusal_in_persian(testapp):
    page = testapp.post("/register", {"email": "a@example.org"}, status=400)
    assert "The form has expired" not in page.text
    assert page.html.html["lang"] == "fa"


@pytest.mark.parametrize("language, message", [("en", "The form was not sent from this site"),
                                               ("fa", "فرم از صفحه‌های همین سامانه فرستاده نشده است")])
def test_over_https_a_form_from_another_site_is_refused_in_the_reader_s_language(testapp, language, message):
    """Behind the TLS proxy Pyramid also checks the form's origin; a browser sends it, a forger's page cannot."""
    https = {"wsgi.url_scheme": "https"}
    testapp.get(f"/?_LOCALE_={language}", extra_environ=https)
    token = testapp.get("/register", extra_environ=https).forms["register"]["csrf_token"].value
    data = {"csrf_token": token, "email": "a@example.org"}
    page = testapp.post("/register", data, extra_environ=https, headers={"Origin": "https://evil.example"},
                        status=400)
    assert message in page.text and "Origin" not in page.html.main.get_text()
    page = testapp.post("/register", data, extra_environ=https, status=400)  # neither Origin nor Referer
    assert message in page.text
    # From the site's own page it gets past the check (and on to the form's own messages).
    assert message not in testapp.post("/register", data, extra_environ=https,
                                       headers={"Origin": "https://example.com"}, status=400).text


def test_logout_is_post_only(testapp, dbsession):
    make_user(dbsession, email="me@example.org")
    testapp.login("me@example.org")
    testapp.get("/logout", status=404)
    testapp.get("/me/")


def test_views_without_a_permission_of_their_own_are_not_public(app):
    assert app.registry.getUtility(IDefaultPermission) == Permissions.Unassigned
    granted = [ace[2] for ace in Root(None).__acl__() if ace[2] is not ALL_PERMISSIONS]
    assert Permissions.Unassigned not in granted


def test_every_view_names_its_permission(app):
    """Every view we register names a permission (or is an error or static view)."""
    introspector = app.registry.introspector
    for view in introspector.get_category("views"):
        intr = view["introspectable"]
        if not intr["callable"].__module__.startswith("eparticipation") or intr["exception_only"]:
            continue
        permissions = [related["value"] for related in view["related"] if related.category_name == "permissions"]
        assert permissions, f"{intr['callable']} has no permission"


@pytest.mark.parametrize("path", ["/", "/login", "/does-not-exist"])
def test_security_headers_on_every_response(testapp, path):
    response = testapp.get(path, status="*")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_is_httponly_and_samesite(testapp, dbsession):
    make_user(dbsession, email="me@example.org")
    response = testapp.login("me@example.org")
    cookie = next(v for k, v in response.headerlist if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure(app_settings):
    from webtest import TestApp

    from eparticipation import main

    production = TestApp(main({}, **{**app_settings, "eparticipation.secure_cookies": "true"}))
    response = production.get("/login", extra_environ={"wsgi.url_scheme": "https"})
    cookie = next(v for k, v in response.headerlist if k == "Set-Cookie" and v.startswith("__Host-session="))
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    # The __Host- prefix's conditions, which browsers check: Secure, the whole site, no Domain.
    assert "secure" in attributes and "path=/" in attributes and not any(a.startswith("domain") for a in attributes)
    assert "httponly" in attributes and "samesite=lax" in attributes
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_admin_pages_never_show_demographics(en, dbsession):
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    citizen = make_user(dbsession, email="c@example.org", birth_year=1977, organisation="Secret Org", residence="IR-07")
    en.login("admin@example.org")
    for path in ("/admin/users/", f"/admin/users/{citizen.id}"):
        text = en.get(path).text
        assert "1977" not in text and "Secret Org" not in text and "IR-07" not in text
