"""The delivery worker's work: take one due pending message, send it, record the outcome, commit; repeat.

Each message is claimed in its own transaction with `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL), so any
number of workers share the queue and no two ever hold the same message; the row stays locked while it is
sent and its new status is committed with the lock's release, so a message is sent once, and a worker that
dies mid-send leaves it pending for the next. SQLite has no row locks: there each transaction takes the
database's write lock when it begins (db.py), which serialises the workers just as well, but also holds back
the site's writes while a message is sent; SQLite is for development, where the folder adapter answers at once.

A failure is retried after an exponentially growing delay; after the last allowed attempt the message is
dead (a dead letter), for an administrator to look at and put back.
"""

import logging

import sqlalchemy as sa

from eparticipation.clock import get_clock
from eparticipation.messaging.channels import ChannelError
from eparticipation.messaging.events import MessageDeadLettered, MessageDelivered
from eparticipation.messaging.models import OutboxMessage, OutboxStatus
from eparticipation.messaging.settings import messaging_config

log = logging.getLogger(__name__)


class Deliverer:
    """Sends the outbox. `session_factory` makes a plain Session (the registry's by default); `adapters`
    replaces the configured channels (tests point them at fake servers)."""

    def __init__(self, registry, session_factory=None, adapters=None):
        self.registry = registry
        self.config = messaging_config(registry)
        self.session_factory = session_factory or registry["dbsession_factory"]
        self.adapters = self.config.adapters if adapters is None else adapters

    def now(self):
        return get_clock(self.registry).now()

    def deliver_one(self) -> bool:
        """Try the oldest due message; False when none is due (or all due ones are being sent by others)."""
        with self.session_factory() as session:
            now = self.now()
            message = session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if message is None:
                session.rollback()
                return False
            self.attempt(session, message)
            session.commit()
            return True

    def attempt(self, session, message: OutboxMessage):
        message.attempts += 1
        adapter = self.adapters.get(message.channel)
        try:
            if adapter is None:
                raise ChannelError(f"the {message.channel} channel is not enabled")
            adapter.send(message.address, message.subject, message.body, message.link)
        except ChannelError as error:
            event = self.failed(message, error.reason)
        except Exception as error:  # noqa: BLE001 - a bug in one adapter must not stop the whole queue
            log.exception("outbox message %s: unexpected failure", message.id)
            event = self.failed(message, f"unexpected {type(error).__name__}: {error}")
        else:
            message.status = OutboxStatus.sent
            message.sent_at = self.now()
            message.last_error = None
            log.info("outbox message %s sent by %s (attempt %s)", message.id, message.channel, message.attempts)
            event = MessageDelivered
        session.flush()
        if event is not None:
            self.registry.notify(event(message, self.registry))

    def failed(self, message: OutboxMessage, reason: str):
        """Record the failure; the event class to send when the message is now dead."""
        message.last_error = reason[:2000]
        if message.attempts >= self.config.max_attempts:
            message.status = OutboxStatus.dead
            log.warning("outbox message %s is dead after %s attempts: %s", message.id, message.attempts, reason)
            return MessageDeadLettered
        message.next_attempt_at = self.now() + self.config.retry_delay(message.attempts)
        log.info("outbox message %s failed (attempt %s), retried later: %s", message.id, message.attempts, reason)
        return None

    def deliver(self, limit: int) -> int:
        """Up to `limit` messages, one transaction each; how many were tried."""
        tried = 0
        while tried < limit and self.deliver_one():
            tried += 1
        return tried

    def drain(self, batch: int) -> int:
        """Everything due now, batch after batch; a failed message is due again only after its delay."""
        total = 0
        while tried := self.deliver(batch):
            total += tried
        return total
