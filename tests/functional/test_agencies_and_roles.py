"""Admins manage agencies, units and role grants; agency roles reach only their own agency."""

import pytest
import sqlalchemy as sa

from eparticipation.accounts.models import Role, RoleGrant
from eparticipation.agencies.models import Agency, UnitKind

from ..audit import audit_entries, head
from ..factories import make_agency, make_user


@pytest.fixture
def admin(dbsession):
    return make_user(dbsession, email="admin@example.org", grants=[("admin", None)])


def test_admin_creates_an_agency_with_a_unit_and_grants_an_editor_role(en, dbsession, admin):
    ministry = make_agency(dbsession, code="mefa")
    citizen = make_user(dbsession, email="new.editor@example.org", display_name="New Editor", second_factor=True)
    en.login("admin@example.org")

    form = en.get("/agencies/add").forms["agency"]
    form["code"] = "Tax-Affairs "  # trimmed and lower-cased
    form["name_fa"] = "سازمان امور مالیاتی"
    form["name_en"] = "Tax Administration"
    form["parent_id"] = str(ministry.id)
    page = form.submit("add", status=303).follow()
    assert page.request.path == "/agencies/tax-affairs/"
    agency = dbsession.scalar(sa.select(Agency).where(Agency.code == "tax-affairs"))
    assert agency.parent is ministry

    form = en.get("/agencies/tax-affairs/add-unit").forms["unit"]
    form["kind"] = "drafting"
    form["name_fa"] = "دفتر تدوین مقررات"
    form["name_en"] = "Regulations Office"
    start = head(dbsession)
    page = form.submit("add", status=303).follow()
    assert "Regulations Office" in page.text
    assert [u.kind for u in agency.units] == [UnitKind.drafting]
    [unit_added] = audit_entries(dbsession, start)
    assert (unit_added.action, unit_added.agency_id, unit_added.after["name_en"]) == (
        "unit.add", agency.id, "Regulations Office")

    form = en.get(f"/admin/users/{citizen.id}").forms["grant"]
    form["role"] = "editor"
    form["agency_id"] = str(agency.id)
    page = form.submit("grant", status=303).follow()
    assert "The role is granted." in page.text
    grant = dbsession.scalar(sa.select(RoleGrant).where(RoleGrant.user_id == citizen.id))
    assert (grant.role, grant.agency_id, grant.granted_by_id) == (Role.editor, agency.id, admin.id)
    en.logout()

    # The new editor reaches their agency's staff page, and not another agency's.
    en.login("new.editor@example.org")
    page = en.get("/agencies/tax-affairs/staff")
    assert "New Editor" in page.text
    assert "Staff page" in en.get("/agencies/tax-affairs/").text
    page = en.get("/agencies/mefa/staff", status=403)
    assert "Your account does not have permission to see this page." in page.text
    assert "Staff page" not in en.get("/agencies/mefa/").text
    en.get("/agencies/tax-affairs/edit", status=403)


def revoke_form(page):
    return next(form for form in page.forms.values() if form.action.endswith("/revoke"))


def access_form(page):
    return next(form for form in page.forms.values() if form.action.endswith("/access"))


def test_an_admin_closes_an_account_and_opens_it_again(en, dbsession, admin):
    citizen = make_user(dbsession, email="citizen@example.org", display_name="Maryam")
    start = head(dbsession)
    en.login("citizen@example.org")
    assert "Sign out" in en.get("/me/").text
    citizen_session = en.cookies["session"]
    en.logout()

    en.login("admin@example.org")
    page = access_form(en.get(f"/admin/users/{citizen.id}")).submit("access", value="close", status=303).follow()
    assert "The account is closed." in page.text and "its owner cannot sign in" in page.text
    assert citizen.is_active is False
    row = next(tr for tr in en.get("/admin/users/").html.select("tbody tr") if "Maryam" in tr.text)
    assert "Closed" in row.text
    en.logout()

    en.set_cookie("session", citizen_session)  # a session opened before the closing ends at its next request
    assert "Sign out" not in en.get("/").text
    en.get("/me/", status=403)
    page = en.login("citizen@example.org", status=400)  # refused, as a wrong password is
    assert "Sign out" not in page.text

    en.login("admin@example.org")
    page = access_form(en.get(f"/admin/users/{citizen.id}")).submit("access", value="open", status=303).follow()
    assert "The account is open again." in page.text and citizen.is_active is True
    en.logout()
    en.login("citizen@example.org")
    assert "Sign out" in en.get("/me/").text
    entries = audit_entries(dbsession, start)
    assert [(e.action, e.object_id, e.actor_id) for e in entries] == [
        ("account.close", str(citizen.id), admin.id), ("account.open", str(citizen.id), admin.id)]


def test_an_admin_cannot_close_their_own_account_and_others_cannot_close_any(en, dbsession, admin):
    citizen = make_user(dbsession, email="citizen@example.org")
    en.login("admin@example.org")
    page = access_form(en.get(f"/admin/users/{admin.id}")).submit("access", value="close", status=303).follow()
    assert "You cannot close your own account." in page.text and admin.is_active
    en.post(f"/admin/users/{citizen.id}/access", {"csrf_token": en.get_csrf_token("/me/edit"), "access": "x"},
            status=400)
    en.logout()
    for who in ("citizen@example.org", None):
        if who:
            en.login(who)
        token = en.get_csrf_token("/me/edit" if who else "/register")
        en.post(f"/admin/users/{citizen.id}/access", {"csrf_token": token, "access": "close"}, status=403)
        if who:
            en.logout()
    assert citizen.is_active


def test_revoking_a_role_takes_the_access_away(en, dbsession, admin):
    agency = make_agency(dbsession, code="customs")
    editor = make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    en.login("admin@example.org")
    page = en.get(f"/admin/users/{editor.id}")
    revoke_form(page).submit(status=303)  # the revoke button of the only grant
    assert dbsession.scalar(sa.select(sa.func.count(RoleGrant.id)).where(RoleGrant.user_id == editor.id)) == 0
    en.logout()
    en.login("editor@example.org")
    en.get("/agencies/customs/staff", status=403)


def test_an_admin_cannot_revoke_their_own_admin_role(en, dbsession, admin):
    en.login("admin@example.org")
    page = en.get(f"/admin/users/{admin.id}")
    page = revoke_form(page).submit(status=303).follow()
    assert "You cannot take your own administrator role away." in page.text
    assert admin.has_role(Role.admin)


def test_auditors_read_every_agencys_staff_page_but_manage_nothing(en, dbsession):
    make_agency(dbsession, code="mefa")
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    en.login("auditor@example.org")
    en.get("/agencies/mefa/staff")
    en.get("/agencies/mefa/edit", status=403)
    en.get("/agencies/add", status=403)
    en.get("/admin/users/", status=403)


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/users/", "/agencies/add", "/agencies/mefa/edit", "/agencies/mefa/add-unit"]
)
def test_citizens_are_refused_the_admin_pages(en, dbsession, path):
    make_agency(dbsession, code="mefa")
    make_user(dbsession, email="citizen@example.org")
    en.login("citizen@example.org")
    page = en.get(path, status=403)
    assert "Your account does not have permission to see this page." in page.text


@pytest.mark.parametrize("path", ["/admin/", "/admin/users/", "/agencies/add", "/agencies/mefa/staff"])
def test_anonymous_visitors_are_refused_the_staff_and_admin_pages(en, dbsession, path):
    make_agency(dbsession, code="mefa")
    page = en.get(path, status=403)
    assert "You need to sign in to see this page." in page.text


def test_an_editor_cannot_post_to_admin_forms(en, dbsession):
    agency = make_agency(dbsession, code="mefa")
    editor = make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    en.login("editor@example.org")
    token = en.get_csrf_token("/me/edit")
    en.post(f"/admin/users/{editor.id}", {"csrf_token": token, "role": "admin", "grant": "grant"}, status=403)
    en.post("/agencies/add", {"csrf_token": token, "code": "x", "add": "add"}, status=403)
    assert not editor.has_role(Role.admin)


def test_grant_rules_are_explained(en, dbsession, admin):
    agency = make_agency(dbsession)
    user = make_user(dbsession, email="user@example.org", grants=[("coordinator", agency)])
    en.login("admin@example.org")

    form = en.get(f"/admin/users/{user.id}").forms["grant"]
    form["role"] = "editor"
    page = form.submit("grant", status=400)
    assert "Choose the agency this role is for." in page.text

    form = page.forms["grant"]
    form["role"] = "auditor"
    form["agency_id"] = str(agency.id)
    page = form.submit("grant", status=400)
    assert "This role covers every agency; leave the agency empty." in page.text

    form = page.forms["grant"]
    form["role"] = "coordinator"
    page = form.submit("grant", status=400)
    assert "This user already has this role." in page.text


def test_agency_form_rejects_bad_codes_duplicates_and_cycles(en, dbsession, admin):
    ministry = make_agency(dbsession, code="mefa")
    child = make_agency(dbsession, code="tax", parent=ministry)
    en.login("admin@example.org")

    form = en.get("/agencies/add").forms["agency"]
    form["code"] = "mefa"
    form["name_fa"] = ministry.name_fa
    form["name_en"] = "x" * 201
    page = form.submit("add", status=400)
    assert "Another agency already has this code." in page.text
    assert "Another agency already has this name." in page.text
    assert "Enter at most 200 characters." in page.text
    assert page.forms["agency"]["name_en"].value == "x" * 201  # nothing typed is lost

    form = page.forms["agency"]
    form["code"] = "9 bad code"
    page = form.submit("add", status=400)
    assert "Use 2 to 32 lower-case Latin letters" in page.text

    # The ministry cannot be placed under its own agency, even by a forged option.
    form = en.get("/agencies/mefa/edit").forms["agency"]
    assert str(child.id) not in [value for value, *_ in form["parent_id"].options]
    page = en.post(
        "/agencies/mefa/edit",
        {"csrf_token": form["csrf_token"].value, "name_fa": ministry.name_fa, "name_en": ministry.name_en,
         "parent_id": str(child.id), "save": "save"},
        status=400,
    )
    assert "An agency cannot be placed under itself or one of its own agencies." in page.text
    assert ministry.parent_id is None


def test_unit_names_are_unique_within_an_agency(en, dbsession, admin):
    agency = make_agency(dbsession, code="mefa")
    en.login("admin@example.org")
    form = en.get("/agencies/mefa/add-unit").forms["unit"]
    form["kind"] = "drafting"
    form["name_fa"] = agency.units[0].name_fa
    form["name_en"] = "Another name"
    page = form.submit("add", status=400)
    assert "This agency already has a unit with this name." in page.text


def test_agencies_are_listed_publicly_as_a_tree(testapp, dbsession):
    ministry = make_agency(dbsession, code="mefa")
    make_agency(dbsession, code="tax", parent=ministry)
    page = testapp.get("/agencies/")
    nested = page.html.select("ul ul a")
    assert [a["href"] for a in nested] == ["http://example.com/agencies/tax/"]
    page = testapp.get("/agencies/tax/")
    assert ministry.name_fa in page.text
    testapp.get("/agencies/unknown/", status=404)
