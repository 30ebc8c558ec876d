"""The report worker: builds the reports of closed consultations (statistics and proposed themes), out of the
web requests.

    eparticipation-reports production.ini            keep building; sleep while nothing is queued
    eparticipation-reports production.ini --once     build what is queued now, then exit (e.g. from cron)

Any number of copies may run: each claims a queued report with FOR UPDATE SKIP LOCKED. A report whose build
fails is marked failed with its error (shown at /admin/reports and on the report's page, where it can be built
again); the worker logs it with the report's and the draft's ids, and `--once` counts it and exits with 1.
"""

import argparse
import logging
import sys

from pyramid.paster import setup_logging

from eparticipation.reports.services import ReportBuilder
from eparticipation.scripts import bootstrap
from eparticipation.scripts.worker import keep_working, stop_on_signals

log = logging.getLogger("eparticipation.reports.worker")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    parser.add_argument("--once", action="store_true", help="build what is queued now, then exit")
    parser.add_argument("--idle", type=float, default=10.0, metavar="SECONDS",
                        help="how long to wait when nothing is queued (default 10)")
    args = parser.parse_args(argv)
    setup_logging(args.config_uri)
    with bootstrap(args.config_uri) as env:
        builder = ReportBuilder(env["registry"])
        if args.once:
            return build_queued(builder)
        log.info("building reports")
        keep_working(lambda: keep_building(builder), args.idle, stop_on_signals())
        log.info("stopped")
    return 0


def build_queued(builder: ReportBuilder, out=None) -> int:
    """--once: build what is queued, say how many were built and how many failed; 1 when any failed."""
    outcomes = builder.drain()
    failed = [outcome for outcome in outcomes if outcome.failed]
    print(f"Built {len(outcomes) - len(failed)} report(s), {len(failed)} failed.", file=out or sys.stdout)
    for outcome in failed:
        print(f"  report {outcome.report_id} (draft {outcome.draft_id}): {outcome.error}", file=out or sys.stdout)
    return 1 if failed else 0


def keep_building(builder: ReportBuilder) -> int:
    """One pass of the long-running worker: each failure is logged by the builder, with its ids; a pass that
    built anything is summed up."""
    outcomes = builder.drain()
    failed = sum(outcome.failed for outcome in outcomes)
    if outcomes:
        (log.warning if failed else log.info)("built %s report(s), %s failed", len(outcomes) - failed, failed)
    return len(outcomes)


if __name__ == "__main__":
    sys.exit(main())
