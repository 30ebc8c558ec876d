"""The delivery worker's work, in two phases, so that no message reaches its channel twice unless an
administrator decides it should:

1. Claim: in one short transaction, take the oldest due pending message (`SELECT ... FOR UPDATE SKIP LOCKED`
   on PostgreSQL, so two workers never claim the same one), mark it `sending` with this worker's name and a
   lease (`eparticipation.messaging.lease_seconds`), count the attempt, and commit. Only then is the channel
   called, outside any transaction.
2. Settle: in a second transaction, record what happened: `sent`; `pending` again after a growing delay when
   the channel refused it; `dead` (a dead letter) after the last allowed attempt; `uncertain` when the failure
   came after the message had gone out (a timeout while the server was taking it: it may have arrived).

A worker that dies between the two (killed, machine lost, database gone for longer than it retries) leaves its
message `sending`: whether it reached the person is unknown. Once the lease has run out, the next worker marks
it `uncertain` instead of sending it again, and an administrator decides on /admin/outbox: send it again (with
the same Message-ID, OutboxMessage.reference) or drop it. A worker that outlived its lease and then learns the
outcome still records it, unless an administrator has already decided.

On SQLite each transaction takes the database's write lock when it begins (db.py), which serialises the claims;
the lock is no longer held while a message is being sent.
"""

import enum
import logging
import os
import socket
import time
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from eparticipation.clock import get_clock
from eparticipation.messaging.channels import ChannelError
from eparticipation.messaging.events import MessageDeadLettered, MessageDelivered, MessageUncertain
from eparticipation.messaging.models import Channel, OutboxMessage, OutboxStatus
from eparticipation.messaging.settings import messaging_config

log = logging.getLogger(__name__)

# Waits between tries to record an outcome while the database is away: a few seconds, far inside the lease.
SETTLE_RETRY_SECONDS = (0.5, 1, 2, 4)


class Outcome(enum.StrEnum):
    """What became of a message this worker dealt with."""

    sent = "sent"
    retrying = "retrying"  # the channel refused it; it is due again after a delay
    dead = "dead"
    uncertain = "uncertain"  # a lease ran out before its worker said whether it was sent
    superseded = "superseded"  # an administrator decided on it while this worker was still sending it


@dataclass(frozen=True)
class Claim:
    """A message this worker holds (status `sending`), with all it needs to send it outside a transaction."""

    message_id: int
    attempt: int
    channel: Channel
    address: str
    subject: str
    body: str
    link: str
    reference: str
    unsubscribe: str | None = None  # an e-mail's List-Unsubscribe address (OutboxMessage.unsubscribe)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Deliverer:
    """Sends the outbox. `session_factory` makes a plain Session (the registry's by default); `adapters`
    replaces the configured channels (tests point them at fake servers). `outcomes` counts what became of the
    messages this worker dealt with."""

    def __init__(self, registry, session_factory=None, adapters=None, name=None):
        self.registry = registry
        self.config = messaging_config(registry)
        self.session_factory = session_factory or registry["dbsession_factory"]
        self.adapters = self.config.adapters if adapters is None else adapters
        self.name = name or worker_name()
        self.outcomes: Counter[Outcome] = Counter()

    def now(self):
        return get_clock(self.registry).now()

    def expire_leases(self) -> int:
        """Mark `uncertain` the messages whose worker's lease ran out before it said how sending went; how many.
        A row another worker holds locked (its late worker is recording the outcome) is left to it."""
        with self.session_factory() as session:
            now = self.now()
            expired = session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.sending, OutboxMessage.lease_until < now)
                .order_by(OutboxMessage.id)
                .with_for_update(skip_locked=True)
            ).all()
            for message in expired:
                message.status = OutboxStatus.uncertain
                message.last_error = (f"{message.claimed_by} did not record whether it was sent before its lease "
                                      f"ran out at {message.lease_until:%Y-%m-%d %H:%M:%S} UTC")
                log.warning("outbox message %s is uncertain: %s", message.id, message.last_error)
            session.flush()
            for message in expired:
                self.registry.notify(MessageUncertain(message, self.registry))
            session.commit()
        if expired:
            self.outcomes[Outcome.uncertain] += len(expired)
        return len(expired)

    def claim(self) -> Claim | None:
        """Phase 1: the oldest due message, committed as `sending` by this worker; None when none is due (or
        every due one is being claimed by another worker)."""
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
                return None
            message.status = OutboxStatus.sending
            message.attempts += 1
            message.claimed_by = self.name
            message.lease_until = now + self.config.lease
            claim = Claim(message.id, message.attempts, message.channel, message.address, message.subject,
                          message.body, message.link, message.reference, message.unsubscribe)
            session.commit()
            return claim

    def send(self, claim: Claim) -> ChannelError | None:
        """Hand the message to its channel; None when it took it, otherwise what went wrong."""
        adapter = self.adapters.get(claim.channel)
        try:
            if adapter is None:
                raise ChannelError(f"the {claim.channel} channel is not enabled")
            # Only a message someone subscribed to has an unsubscribe address, and only e-mail adapters take it.
            extra = {"unsubscribe": claim.unsubscribe} if claim.unsubscribe and claim.channel is Channel.email else {}
            adapter.send(claim.address, claim.subject, claim.body, claim.link, claim.reference, **extra)
        except ChannelError as error:
            return error
        except Exception as error:  # noqa: BLE001 - a bug in one adapter must not stop the whole queue
            log.exception("outbox message %s: unexpected failure", claim.message_id)
            return ChannelError(f"unexpected {type(error).__name__}: {error}")
        return None

    def settle(self, claim: Claim, failure: ChannelError | None) -> Outcome:
        """Phase 2: record the outcome, retrying for a few seconds while the database is away."""
        for wait in (*SETTLE_RETRY_SECONDS, None):
            try:
                return self.record_outcome(claim, failure)
            except OperationalError:
                if wait is None:
                    raise  # the message stays `sending`, and becomes uncertain when its lease runs out
                log.warning("outbox message %s: cannot record its outcome yet; trying again in %s s",
                            claim.message_id, wait, exc_info=True)
                time.sleep(wait)

    def record_outcome(self, claim: Claim, failure: ChannelError | None) -> Outcome:
        with self.session_factory() as session:
            message = session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.id == claim.message_id).with_for_update()
            ).first()
            if message is None or not self.holds(message, claim):
                session.rollback()
                log.warning("outbox message %s was decided on while %s sent it (%s); its outcome is not recorded",
                            claim.message_id, self.name, "sent" if failure is None else failure.reason)
                self.outcomes[Outcome.superseded] += 1
                return Outcome.superseded
            if failure is not None and failure.maybe_delivered:
                # Keeps the claim (who, until when) for the administrator, like a lease that ran out (and if it
                # did run out meanwhile, the message was told uncertain then).
                event = None if message.status == OutboxStatus.uncertain else MessageUncertain
                message.status = OutboxStatus.uncertain
                message.last_error = f"{failure.reason} (it may have arrived)"[:2000]
                log.warning("outbox message %s is uncertain: %s", message.id, message.last_error)
                outcome = Outcome.uncertain
            elif failure is None:
                message.claimed_by = message.lease_until = None
                message.status = OutboxStatus.sent
                message.sent_at = self.now()
                message.last_error = None
                log.info("outbox message %s sent by %s (attempt %s)", message.id, message.channel, message.attempts)
                outcome, event = Outcome.sent, MessageDelivered
            else:
                message.claimed_by = message.lease_until = None
                outcome, event = self.failed(message, failure.reason)
            session.flush()
            if event is not None:
                self.registry.notify(event(message, self.registry))
            session.commit()
        self.outcomes[outcome] += 1
        return outcome

    def holds(self, message: OutboxMessage, claim: Claim) -> bool:
        """Whether the message is still this claim's: sending, or uncertain only because the lease ran out
        before this worker could say (no administrator has resent or dropped it since)."""
        return (message.status.leased and message.claimed_by == self.name
                and message.attempts == claim.attempt)

    def failed(self, message: OutboxMessage, reason: str):
        """Record the failure; the outcome, and the event class to send when the message is now dead."""
        message.last_error = reason[:2000]
        if message.attempts >= self.config.max_attempts:
            message.status = OutboxStatus.dead
            log.warning("outbox message %s is dead after %s attempts: %s", message.id, message.attempts, reason)
            return Outcome.dead, MessageDeadLettered
        message.status = OutboxStatus.pending
        message.next_attempt_at = self.now() + self.config.retry_delay(message.attempts)
        log.info("outbox message %s failed (attempt %s), retried later: %s", message.id, message.attempts, reason)
        return Outcome.retrying, None

    def deliver_one(self) -> bool:
        """Claim, send and settle the oldest due message; False when none is due."""
        claim = self.claim()
        if claim is None:
            return False
        self.settle(claim, self.send(claim))
        return True

    def deliver(self, limit: int) -> int:
        """Mark the messages of expired leases uncertain, then send up to `limit` messages, each claimed and
        settled in transactions of its own; how many were tried."""
        self.expire_leases()
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
