"""Verify the audit log's hash chain from its first entry to its head.

    eparticipation-audit-verify production.ini

Exits 0 and prints the number of entries and the head's hash when every entry verifies; exits 1 and names
the first entry that does not (changed, removed, replaced or reordered) otherwise. Keep the printed head
hash somewhere else (a ticket, a signed mail): a later run that shows a shorter chain or another hash at
that entry shows that the end of the log was cut off.
"""

import argparse
import sys

from pyramid.paster import bootstrap, setup_logging

from eparticipation.audit.chain import verify


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    args = parser.parse_args(argv)
    setup_logging(args.config_uri)
    with bootstrap(args.config_uri) as env:
        request = env["request"]
        with request.tm:
            result = verify(request.dbsession)
    if result.ok:
        print(f"The audit log verifies: {result.checked} entries, head {result.head_hash}")
        return 0
    print(f"The audit log is broken at entry {result.broken_at}: {result.problem} "
          f"({result.checked} entries before it verify)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
