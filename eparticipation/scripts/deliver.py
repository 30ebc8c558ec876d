"""The delivery worker: sends the outbox's messages (e-mail, messengers), retrying failures with backoff.

    eparticipation-deliver production.ini            keep delivering; sleep while nothing is due
    eparticipation-deliver production.ini --once     deliver what is due now, then exit (e.g. from cron)

Run as many copies as needed, on as many machines: they never claim the same message, and a message whose
worker died while sending it is not sent again but waits, uncertain, for an administrator (delivery.py).

`--once` prints how many messages were sent, failed (to be tried again), went dead and became uncertain, and
exits with status 1 when any message went dead or became uncertain during the run (0 otherwise), so that cron
or a CI stage notices. Before each batch it runs the tasks the domains registered (`config.add_worker_task`,
eparticipation/tasks.py), which may write the messages the batch then sends.
"""

import argparse
import logging
import threading

from pyramid.paster import setup_logging

from eparticipation.messaging.delivery import Deliverer, Outcome
from eparticipation.scripts import bootstrap
from eparticipation.scripts.worker import keep_working, stop_on_signals
from eparticipation.tasks import worker_tasks

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
            while run_tasks(env["registry"]):
                pass
            deliverer.drain(args.batch)
            print(summary(deliverer.outcomes))
            return 1 if deliverer.outcomes[Outcome.dead] or deliverer.outcomes[Outcome.uncertain] else 0
        stop = stop_on_signals()
        log.info("delivering; channels: %s", ", ".join(deliverer.adapters) or "none")
        keep_delivering(deliverer, args.batch, stop)
        log.info("stopped")


def summary(outcomes) -> str:
    line = (f"Sent {outcomes[Outcome.sent]}, failed {outcomes[Outcome.retrying]} (to be tried again), "
            f"dead {outcomes[Outcome.dead]}, uncertain {outcomes[Outcome.uncertain]} (awaiting an administrator).")
    if outcomes[Outcome.superseded]:
        line += f" {outcomes[Outcome.superseded]} decided on by an administrator while being sent."
    return line


def run_tasks(registry) -> int:
    """The registered worker tasks, once each; how much they did together."""
    return sum(task(registry) for _, task in worker_tasks(registry))


def keep_delivering(deliverer, batch: int, stop: threading.Event):
    """Tasks, then a batch, until `stop` is set, waiting `idle_seconds` after a round that found nothing due."""
    keep_working(lambda: run_tasks(deliverer.registry) + deliverer.deliver(batch), deliverer.config.idle_seconds,
                 stop)


if __name__ == "__main__":
    raise SystemExit(main())
