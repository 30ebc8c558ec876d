"""The report worker: builds the reports of closed consultations (statistics and proposed themes), out of the
web requests.

    eparticipation-reports production.ini            keep building; sleep while nothing is queued
    eparticipation-reports production.ini --once     build what is queued now, then exit (e.g. from cron)

Any number of copies may run: each claims a queued report with FOR UPDATE SKIP LOCKED.
"""

import argparse
import logging
import signal
import threading

from pyramid.paster import bootstrap, setup_logging
from sqlalchemy.exc import OperationalError

from eparticipation.reports.services import ReportBuilder

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
            print(f"Built {builder.drain()} report(s).")
            return
        stop = threading.Event()
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signal_number, lambda *_: stop.set())
        while not stop.is_set():
            try:
                built = builder.drain()
            except OperationalError:
                log.exception("the database is unreachable; trying again")
                built = 0
            if not built:
                stop.wait(args.idle)


if __name__ == "__main__":
    main()
