"""Grant a system role (administrator or auditor) to an account from the command line: how a new site gets
its first administrator, who then grants every other role on /admin/users.

    eparticipation-grant production.ini admin@ministry.example admin
    eparticipation-grant production.ini inspector@ministry.example auditor

The person registers on the site first (/register), and sets up an authenticator app on "Sign-in security"
(/me/security/): like every staff role, this one counts only in a session that passed the second factor. The grant is recorded in the audit log like one made on
the site, with no acting user (it came from whoever runs the server). Granting a role the account already
holds changes nothing and says so.
"""

import argparse
import sys

from pyramid.paster import setup_logging

from eparticipation.accounts.models import Role, RoleGrant, User
from eparticipation.accounts.services import find_user_by_email
from eparticipation.audit import record
from eparticipation.scripts import bootstrap

SYSTEM_ROLES = (Role.admin, Role.auditor)


def grant_system_role(request, email: str, role: Role) -> tuple[User, bool]:
    """The account and whether the role was new to it; LookupError when no account has that e-mail."""
    user = find_user_by_email(request.dbsession, email)
    if user is None:
        raise LookupError(email)
    if user.has_role(role, None):
        return user, False
    grant = RoleGrant(role=role, agency_id=None, granted_by_id=None, granted_at=request.now)
    user.grants.append(grant)
    request.dbsession.flush()
    record(request, "role.grant", grant, actor_id=None, after={"user_id": user.id, "role": role, "agency_id": None})
    return user, True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    parser.add_argument("email", help="the e-mail address of a registered account")
    parser.add_argument("role", choices=[role.value for role in SYSTEM_ROLES])
    args = parser.parse_args(argv)
    setup_logging(args.config_uri)
    with bootstrap(args.config_uri) as env:
        request = env["request"]
        with request.tm:
            try:
                user, granted = grant_system_role(request, args.email, Role(args.role))
                email = user.email
            except LookupError:
                print(f"No account has the e-mail address {args.email}: register it on the site first.",
                      file=sys.stderr)
                return 1
    print(f"{email} is {args.role}" + ("" if granted else " already; nothing changed") + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main())
