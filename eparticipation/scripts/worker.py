"""What the workers (delivery, reports) share: stopping cleanly on a signal, and working batch after batch,
waiting while there is nothing to do or the database is away."""

import logging
import signal
import threading
from typing import Callable

from sqlalchemy.exc import OperationalError

log = logging.getLogger("eparticipation.worker")


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: the worker finishes what it holds, then stops."""
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    return stop


def keep_working(work: Callable[[], int], idle_seconds: float, stop: threading.Event):
    """Call `work` (which returns how much it did) until `stop` is set; after a call that found nothing to do,
    or while the database is away, wait `idle_seconds` (a stop signal ends the wait at once)."""
    while not stop.is_set():
        try:
            done = work()
        except OperationalError:  # the work waits in the database, and so does the worker
            log.exception("cannot reach the database; trying again in %s s", idle_seconds)
            done = 0
        if done == 0:
            stop.wait(idle_seconds)
