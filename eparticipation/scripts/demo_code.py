"""Print the current sign-in code of a demo account's authenticator app, to try the demo without a phone.

    eparticipation-demo-code development.ini editor.tax@example.org

Only with an ini that sets `eparticipation.mfa.demo_codes = true` (development.ini does, production.ini never):
anywhere else it refuses before it reads anything, since printing a person's code makes their second factor
worthless.
"""

import argparse
import sys

from pyramid.paster import get_appsettings
from pyramid.settings import asbool

from eparticipation.accounts.second_factor import current_code, decrypt_secret
from eparticipation.accounts.services import find_user_by_email
from eparticipation.scripts import bootstrap

STEP_SECONDS = 30


def demo_code(dbsession, settings, email: str, now) -> str:
    """The account's current code; LookupError when it has no second factor (or no such account)."""
    user = find_user_by_email(dbsession, email)
    if user is None or user.second_factor is None:
        raise LookupError(email)
    secret = decrypt_secret(settings, user.second_factor.secret)
    if secret is None:
        raise LookupError(email)
    return current_code(secret, now)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="a development ini file, e.g. development.ini")
    parser.add_argument("email", help="the e-mail address of a demo account, e.g. editor.tax@example.org")
    args = parser.parse_args(argv)
    if not asbool(get_appsettings(args.config_uri).get("eparticipation.mfa.demo_codes", False)):
        print(f"{args.config_uri} is not a development ini (it does not set eparticipation.mfa.demo_codes = true): "
              "no code is printed.", file=sys.stderr)
        return 2
    with bootstrap(args.config_uri) as env:
        request = env["request"]
        with request.tm:
            try:
                code = demo_code(request.dbsession, env["registry"].settings, args.email, request.now)
            except LookupError:
                print(f"{args.email} has no authenticator app set up (is it a demo staff account? run `make demo`).",
                      file=sys.stderr)
                return 1
            seconds_left = STEP_SECONDS - int(request.now.timestamp()) % STEP_SECONDS
    print(f"{code}  (for another {seconds_left} seconds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
