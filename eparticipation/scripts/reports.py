"""The report worker: builds the reports of closed consultations (statistics and proposed themes), out of the
web requests.

    eparticipation-reports production.ini            keep building; sleep while nothing is queued
    eparticipation-reports production.ini --once     build what is queued now, then exit (e.g. from cron)

Any number of copies may run: each claims a queued report with FOR UPDATE SKIP LOCKED.
"""

import argparse

from pyramid.paster import bootstrap, setup_logging

from eparticipation.reports.services import ReportBuilder
from eparticipation.scripts.worker import keep_working, stop_on_signals


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
            print(f"Built {builder.drain()} report(s).")
            return
        keep_working(builder.drain, args.idle, stop_on_signals())


if __name__ == "__main__":
    main()
