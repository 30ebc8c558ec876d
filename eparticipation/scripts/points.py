"""Compute every act's points again from the acts and compare them with the ledger (DESIGN I1, anti-gaming).

    eparticipation-points production.ini            reports the differences; exit 1 when there are any
    eparticipation-points production.ini --repair   also appends the entries that make the ledger right

The ledger is append-only: a difference is never edited away but corrected by an entry of its own (reason
"corrected"). The totals per person and period are derived from the ledger; they are rebuilt from it when they
differ (or with --repair).
"""

import argparse
import sys

from pyramid.paster import setup_logging

from eparticipation.incentives.services import differences, rebuild_totals, repair, rules_of, totals_differences
from eparticipation.scripts import bootstrap


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    parser.add_argument("--repair", action="store_true", help="append the entries that correct the differences")
    args = parser.parse_args(argv)
    setup_logging(args.config_uri)
    with bootstrap(args.config_uri) as env:
        request = env["request"]
        with request.tm:
            dbsession = request.dbsession
            found = differences(dbsession, rules_of(request.registry))
            for d in found:
                where = f"consultation {d.draft_id}" if d.draft_id is not None else "a service"
                print(f"user {d.user_id}, {where}: {d.act} {d.object_id} has {d.booked} points in the ledger, "
                      f"its acts say {d.due}")
            if args.repair and found:
                repair(request, found)
            stale = totals_differences(dbsession)
            if stale or args.repair:
                rebuild_totals(dbsession)
    print(f"{len(found)} difference(s) between the ledger and the acts"
          + (", corrected" if args.repair and found else "")
          + f"; {stale} total(s) differed from the ledger" + (", rebuilt" if stale or args.repair else "") + ".")
    return 1 if found and not args.repair else 0


if __name__ == "__main__":
    sys.exit(main())
