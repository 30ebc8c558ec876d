"""Compare the compliance dashboard's kept counts with the comments, and rebuild them (DESIGN E1).

    eparticipation-tallies production.ini            reports the differences; exit 1 when there are any
    eparticipation-tallies production.ini --repair   also computes every count afresh from the comments

The counts (per consultation its visible, answered and accepted comments; per agency, Jalali period and person
their presence; the headcounts) are moved in each write's transaction. A difference means rows were written
around the application (a bulk load, a hand-made fix); --repair replaces the counts with the comments' own.
"""

import argparse
import sys

from pyramid.paster import setup_logging

from eparticipation.oversight.tallies import differences, rebuild
from eparticipation.scripts import bootstrap


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    parser.add_argument("--repair", action="store_true", help="compute every count afresh from the comments")
    args = parser.parse_args(argv)
    setup_logging(args.config_uri)
    with bootstrap(args.config_uri) as env:
        request = env["request"]
        with request.tm:
            found = differences(request.dbsession)
            for line in found:
                print(line)
            if args.repair:
                rebuild(request.dbsession)
    print(f"{len(found)} count(s) differ from the comments" + (", rebuilt" if args.repair else "") + ".")
    return 1 if found and not args.repair else 0


if __name__ == "__main__":
    sys.exit(main())
