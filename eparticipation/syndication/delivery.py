"""Sending the pushes: a task of the delivery worker (`eparticipation-deliver`, config.add_worker_task), in the
two phases of messaging's outbox (eparticipation/messaging/delivery.py):

1. Claim, in a short transaction: the oldest due pending push **whose consultation has no earlier push that is
   not yet sent** (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers never claim the same one), marked
   `sending` with this worker's name and a lease, its attempt counted; committed.
2. Send it outside any transaction: one POST with the bearer token, the idempotency key and the signature.
3. Settle, in a second transaction: `sent` on a 2xx answer; otherwise `pending` again after a growing delay,
   or `dead` after the last allowed attempt, until an administrator puts it back (/admin/syndication).

So the pushes of one consultation reach the receiver in the order of its transitions: a later one waits while
an earlier one is being retried or is dead. A push whose worker died while sending it (its lease ran out) is
pending again: unlike a message to a person, it can safely be sent twice, because the receiver recognises the
second copy by its idempotency key.
"""

import http.client
import logging
import time
from collections import Counter
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased

from eparticipation.clock import get_clock
from eparticipation.messaging.delivery import worker_name
from eparticipation.syndication.models import ERROR_MAX, PushStatus, SyndicationPush
from eparticipation.syndication.payload import SIGNATURE_HEADER, signature
from eparticipation.syndication.settings import SyndicationConfig, syndication_config

log = logging.getLogger(__name__)

BATCH = 50
SETTLE_RETRY_SECONDS = (0.5, 1, 2, 4)
USER_AGENT = "eparticipation-syndication/1"


class PushError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Claim:
    push_id: int
    attempt: int
    event: str
    key: str
    body: bytes


def post(config: SyndicationConfig, claim: Claim) -> None:
    """One attempt; raises PushError with a reason for the administrators (never the token or the secret)."""
    request = Request(config.url, data=claim.body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "Authorization": f"Bearer {config.token}",
        "Idempotency-Key": claim.key,
        SIGNATURE_HEADER: signature(config.secret, claim.body),
        "X-EParticipation-Event": claim.event,
        "User-Agent": USER_AGENT,
    })
    try:
        with urlopen(request, timeout=config.timeout) as response:
            response.read(1024)
    except HTTPError as error:
        detail = error.read(200).decode("utf-8", errors="replace").strip()
        raise PushError(f"HTTP {error.code}{': ' + detail if detail else ''}") from error
    except URLError as error:
        raise PushError(f"cannot reach the receiver: {error.reason}") from error
    except (OSError, http.client.HTTPException) as error:
        raise PushError(f"no answer from the receiver: {type(error).__name__}: {error}") from error


class Syndicator:
    """Sends the pushes. `session_factory` makes a plain Session (the registry's by default); `config`
    replaces the configured one (tests point it at a fake receiver). `outcomes` counts sent, retrying, dead."""

    def __init__(self, registry, session_factory=None, config=None, name=None):
        self.registry = registry
        self.config = config or syndication_config(registry)
        self.session_factory = session_factory or registry["dbsession_factory"]
        self.name = name or worker_name()
        self.outcomes: Counter[str] = Counter()

    def now(self):
        return get_clock(self.registry).now()

    def expire_leases(self) -> int:
        """The pushes whose worker's lease ran out: pending again (or dead after the last attempt)."""
        with self.session_factory() as session:
            expired = session.scalars(
                sa.select(SyndicationPush)
                .where(SyndicationPush.status == PushStatus.sending, SyndicationPush.lease_until < self.now())
                .order_by(SyndicationPush.id)
                .with_for_update(skip_locked=True)
            ).all()
            for push in expired:
                reason = f"{push.claimed_by} stopped before it recorded the receiver's answer"
                push.claimed_by = push.lease_until = None
                # Its worker failed, not the receiver: due again at once (dead only after the last attempt).
                if self.failed(push, reason) == "retrying":
                    push.next_attempt_at = self.now()
            session.commit()
        return len(expired)

    def claim(self) -> Claim | None:
        earlier = aliased(SyndicationPush)
        with self.session_factory() as session:
            now = self.now()
            push = session.scalars(
                sa.select(SyndicationPush)
                .where(SyndicationPush.status == PushStatus.pending, SyndicationPush.next_attempt_at <= now)
                .where(~sa.exists().where(earlier.draft_id == SyndicationPush.draft_id,
                                          earlier.id < SyndicationPush.id, earlier.status != PushStatus.sent))
                .order_by(SyndicationPush.next_attempt_at, SyndicationPush.id)
                .limit(1)
                .with_for_update(skip_locked=True, of=SyndicationPush)
            ).first()
            if push is None:
                session.rollback()
                return None
            push.status = PushStatus.sending
            push.attempts += 1
            push.claimed_by = self.name
            push.lease_until = now + self.config.lease
            claim = Claim(push.id, push.attempts, push.event, push.idempotency_key, push.body.encode("utf-8"))
            session.commit()
            return claim

    def send(self, claim: Claim) -> PushError | None:
        try:
            post(self.config, claim)
        except PushError as error:
            return error
        except Exception as error:  # noqa: BLE001 - one push's surprise must not stop the worker
            log.exception("syndication push %s: unexpected failure", claim.push_id)
            return PushError(f"unexpected {type(error).__name__}: {error}")
        return None

    def settle(self, claim: Claim, failure: PushError | None) -> str:
        for wait in (*SETTLE_RETRY_SECONDS, None):
            try:
                return self.record_outcome(claim, failure)
            except OperationalError:
                if wait is None:
                    raise  # stays `sending`: pending again once the lease runs out
                log.warning("syndication push %s: cannot record its outcome yet", claim.push_id, exc_info=True)
                time.sleep(wait)

    def record_outcome(self, claim: Claim, failure: PushError | None) -> str:
        with self.session_factory() as session:
            push = session.scalars(
                sa.select(SyndicationPush).where(SyndicationPush.id == claim.push_id).with_for_update()
            ).first()
            if (push is None or push.status != PushStatus.sending or push.claimed_by != self.name
                    or push.attempts != claim.attempt):
                session.rollback()
                self.outcomes["superseded"] += 1
                return "superseded"  # its lease ran out and another worker has it now
            push.claimed_by = push.lease_until = None
            if failure is None:
                push.status = PushStatus.sent
                push.sent_at = self.now()
                push.last_error = None
                outcome = "sent"
                log.info("syndication push %s (%s) sent (attempt %s)", push.id, push.event, push.attempts)
            else:
                outcome = self.failed(push, failure.reason)
            session.commit()
        self.outcomes[outcome] += 1
        return outcome

    def failed(self, push: SyndicationPush, reason: str) -> str:
        push.last_error = reason[:ERROR_MAX]
        if push.attempts >= self.config.max_attempts:
            push.status = PushStatus.dead
            log.warning("syndication push %s is dead after %s attempts: %s", push.id, push.attempts, reason)
            return "dead"
        push.status = PushStatus.pending
        push.next_attempt_at = self.now() + self.config.retry_delay(push.attempts)
        log.info("syndication push %s failed (attempt %s), retried later: %s", push.id, push.attempts, reason)
        return "retrying"

    def deliver(self, limit: int = BATCH) -> int:
        """Leases that ran out, then up to `limit` pushes, each claimed and settled on its own; how many."""
        done = self.expire_leases()
        tried = 0
        while tried < limit and (claim := self.claim()) is not None:
            self.settle(claim, self.send(claim))
            tried += 1
        return done + tried


def deliver_pushes(registry) -> int:
    """The delivery worker's task: what is due now; 0 when syndication is off or nothing was due."""
    if syndication_config(registry) is None:
        return 0
    return Syndicator(registry).deliver()
