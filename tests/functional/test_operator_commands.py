"""What the operator does from the command line: the first administrator of a new site."""

import pytest
from pyramid import testing

from eparticipation.accounts.models import Role
from eparticipation.scripts.grant import grant_system_role, main

from ..audit import audit_entries, head
from ..factories import make_user


def operator_request(dbsession, clock):
    """The request a script gets from pyramid.paster.bootstrap: nobody signed in."""
    return testing.DummyRequest(dbsession=dbsession, now=clock.now(), identity=None)


def test_the_first_administrator_is_granted_from_the_command_line(testapp, dbsession, clock):
    # They registered and set up an authenticator app (staff hold no role without one).
    user = make_user(dbsession, email="first.admin@example.org", second_factor=True)
    testapp.login("first.admin@example.org")
    testapp.get("/admin/", status=403)
    before = head(dbsession)

    granted_to, granted = grant_system_role(operator_request(dbsession, clock), " First.Admin@Example.org ", Role.admin)

    assert (granted_to, granted) == (user, True)
    testapp.get("/admin/", status=200)
    [entry] = audit_entries(dbsession, after=before)
    assert (entry.action, entry.actor_id, entry.after) == (
        "role.grant", None, {"user_id": user.id, "role": "admin", "agency_id": None})
    # Granting it again changes nothing and writes nothing.
    assert grant_system_role(operator_request(dbsession, clock), "first.admin@example.org", Role.admin)[1] is False
    assert len(audit_entries(dbsession, after=before)) == 1


def test_an_unknown_account_is_refused(dbsession, clock):
    with pytest.raises(LookupError):
        grant_system_role(operator_request(dbsession, clock), "nobody@example.org", Role.auditor)


def test_only_system_roles_are_granted_from_the_command_line(capsys):
    """An agency's roles need the agency: the admin grants them on /admin/users."""
    with pytest.raises(SystemExit) as exit_:
        main(["production.ini", "editor@example.org", "editor"])
    assert exit_.value.code == 2
    assert "invalid choice: 'editor'" in capsys.readouterr().err
