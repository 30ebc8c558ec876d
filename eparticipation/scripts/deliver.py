"""The delivery worker: sends the outbox's messages (e-mail, messengers), retrying failures with backoff.

    eparticipation-deliver production.ini            keep delivering; sleep while nothing is due
    eparticipation-deliver production.ini --once     deliver what is due now, then exit (e.g. from cron)

Run as many copies as needed, on as many machines: they never send the same message twice (delivery.py).
"""

import argparse
import logging
import signal
import threading

from pyramid.paster import bootstrap, setup_logging
from sqlalchemy.exc import OperationalError

from eparticipation.messaging.delivery import Deliverer

log = logging.getLogger("eparticipation.messaging.worker")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    parser.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    parser.add_argument("--batch", type=int, default=50, metavar="N",
                        help="messages per batch, between looks at the clock and at a stop signal (default 50)")
    args = parser.parse_args(argv)
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    setup_logging(args.config_uri)
    with bootstrap(args.config_uri) as env:
        deliverer = Deliverer(env["registry"])
        if args.once:
            print(f"Tried {deliverer.drain(args.batch)} message(s).")
            return
        stop = threading.Event()
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signal_number, lambda *_: stop.set())
        log.info("delivering; channels: %s", ", ".join(deliverer.adapters) or "none")
        keep_delivering(deliverer, args.batch, stop)
        log.info("stopped")


def keep_delivering(deliverer, batch: int, stop: threading.Event):
    """Batch after batch until `stop` is set; after a batch that found nothing due, or while the database is
    away, wait `idle_seconds` (a stop signal ends the wait at once)."""
    while not stop.is_set():
        try:
            tried = deliverer.deliver(batch)
        except OperationalError:  # the messages wait in the database, and so does the worker
            log.exception("cannot reach the database; trying again in %s s", deliverer.config.idle_seconds)
            tried = 0
        if tried == 0:
            stop.wait(deliverer.config.idle_seconds)


if __name__ == "__main__":
    main()
