"""List pages send a bounded number of SQL statements, however many rows they show (no N+1)."""

import pytest

from ..factories import make_agency, make_user


def statements_for(testapp, query_counter, path):
    testapp.app_dbsession.expire_all()  # as a new request would find it: nothing loaded yet
    with query_counter() as counted:
        testapp.get(path)
    return counted.count


@pytest.mark.parametrize("path", ["/", "/agencies/"])
def test_agency_lists(testapp, dbsession, query_counter, path):
    ministry = make_agency(dbsession, code="mefa")
    make_agency(dbsession, parent=ministry)
    few = statements_for(testapp, query_counter, path)
    for _ in range(15):
        child = make_agency(dbsession, parent=ministry)
        make_agency(dbsession, parent=child)
    assert statements_for(testapp, query_counter, path) <= few


def test_user_list(en, dbsession, query_counter):
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    agency = make_agency(dbsession)
    en.login("admin@example.org")
    few = statements_for(en, query_counter, "/admin/users/")
    for number in range(30):
        make_user(dbsession, grants=[("editor", agency), ("coordinator", make_agency(dbsession))])
    assert statements_for(en, query_counter, "/admin/users/") <= few


def test_staff_page(en, dbsession, query_counter):
    agency = make_agency(dbsession, code="mefa")
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    en.login("auditor@example.org")
    make_user(dbsession, grants=[("editor", agency)])
    few = statements_for(en, query_counter, "/agencies/mefa/staff")
    for _ in range(20):
        make_user(dbsession, grants=[("editor", agency)])
        make_user(dbsession, grants=[("coordinator", agency)])
    assert statements_for(en, query_counter, "/agencies/mefa/staff") <= few
