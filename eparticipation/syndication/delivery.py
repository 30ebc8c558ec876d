"""Sending the pushes: a task of the delivery worker (`eparticipation-deliver`, config.add_worker_task), in the
two phases of messaging's outbox (eparticipation/messaging/delivery.py):

1. Claim, in a short transaction: the oldest due pending pushes **whose consultation has no earlier push that
   is not yet sent** (so at most one per consultation; `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers
   never claim the same one), up to CLAIM_BATCH, marked `sending` with this worker's name and a lease, their
   attempts counted; committed.
2. Send them one after the other outside any transaction: one POST each with the bearer token, the idempotency
   key and the signature. After a failure the rest of the batch is not tried (the receiver is likely down).
3. Settle, in a second transaction: `sent` on a 2xx answer; otherwise `pending` again after a growing delay,
   or `dead` after the last allowed attempt, until an administrator puts it back (/admin/syndication); the
   untried ones back as they were.

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
# Pushes claimed in one transaction (each the head of its consultation), sent one after the other, and settled
# in one transaction: two commits per batch rather than per push.
CLAIM_BATCH = 20
# A claim of the batch left unsent (after a failure, or when its lease would run out): back in the queue as it was.
NOT_TRIED = object()
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

    def claim(self, limit: int = 1) -> list[Claim]:
        """Phase 1: up to `limit` due pushes, each the oldest unsent one of its consultation (so at most one per
        consultation), committed as `sending` by this worker; [] when none may be sent now."""
        earlier = aliased(SyndicationPush)
        with self.session_factory() as session:
            now = self.now()
            pushes = session.scalars(
                sa.select(SyndicationPush)
                .where(SyndicationPush.status == PushStatus.pending, SyndicationPush.next_attempt_at <= now)
                .where(~sa.exists().where(earlier.draft_id == SyndicationPush.draft_id,
                                          earlier.id < SyndicationPush.id, earlier.status != PushStatus.sent))
                .order_by(SyndicationPush.next_attempt_at, SyndicationPush.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=SyndicationPush)
            ).all()
            if not pushes:
                session.rollback()
                return []
            claims = []
            for push in pushes:
                push.status = PushStatus.sending
                push.attempts += 1
                push.claimed_by = self.name
                push.lease_until = now + self.config.lease
                claims.append(Claim(push.id, push.attempts, push.event, push.idempotency_key,
                                    push.body.encode("utf-8")))
            session.commit()
            return claims

    def send(self, claim: Claim) -> PushError | None:
        """Phase 2: one attempt; None when the receiver took it, otherwise what went wrong."""
        try:
            post(self.config, claim)
        except PushError as error:
            return error
        except Exception as error:  # noqa: BLE001 - one push's surprise must not stop the worker
            log.exception("syndication push %s: unexpected failure", claim.push_id)
            return PushError(f"unexpected {type(error).__name__}: {error}")
        return None

    def send_all(self, claims: list[Claim]) -> list[tuple[Claim, PushError | None | object]]:
        """Send the claims one after the other. After a failure (the receiver is likely down or slow), or when
        the lease would run out before one more attempt could time out, the rest are not tried (NOT_TRIED):
        they go back to the queue as they were."""
        deadline = time.monotonic() + self.config.lease.total_seconds() - self.config.timeout
        results, stop = [], False
        for claim in claims:
            if stop or time.monotonic() > deadline:
                results.append((claim, NOT_TRIED))
                continue
            failure = self.send(claim)
            results.append((claim, failure))
            stop = failure is not None
        return results

    def settle(self, results) -> list[str]:
        """Phase 3: record the outcomes in one transaction, retrying for a few seconds while the database is
        away."""
        for wait in (*SETTLE_RETRY_SECONDS, None):
            try:
                return self.record_outcomes(results)
            except OperationalError:
                if wait is None:
                    raise  # they stay `sending`: pending again once the lease runs out
                log.warning("syndication: cannot record the outcome of %s pushes yet", len(results), exc_info=True)
                time.sleep(wait)

    def record_outcomes(self, results) -> list[str]:
        outcomes = []
        with self.session_factory() as session:
            rows = {push.id: push for push in session.scalars(
                sa.select(SyndicationPush).where(SyndicationPush.id.in_([claim.push_id for claim, _ in results]))
                .order_by(SyndicationPush.id).with_for_update()
            )}
            for claim, failure in results:
                push = rows.get(claim.push_id)
                if (push is None or push.status != PushStatus.sending or push.claimed_by != self.name
                        or push.attempts != claim.attempt):
                    outcomes.append("superseded")  # its lease ran out and it was taken again meanwhile
                    continue
                push.claimed_by = push.lease_until = None
                if failure is NOT_TRIED:
                    push.status = PushStatus.pending
                    push.attempts -= 1
                    outcomes.append("not tried")
                elif failure is None:
                    push.status = PushStatus.sent
                    push.sent_at = self.now()
                    push.last_error = None
                    log.info("syndication push %s (%s) sent (attempt %s)", push.id, push.event, push.attempts)
                    outcomes.append("sent")
                else:
                    outcomes.append(self.failed(push, failure.reason))
            session.commit()
        self.outcomes.update(outcomes)
        return outcomes

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
        """Leases that ran out, then up to `limit` pushes, claimed CLAIM_BATCH at a time; how many were dealt
        with (0: nothing was due)."""
        done = self.expire_leases()
        tried = 0
        while tried < limit and (claims := self.claim(min(CLAIM_BATCH, limit - tried))):
            outcomes = self.settle(self.send_all(claims))
            tried += sum(outcome != "not tried" for outcome in outcomes)
            if "not tried" in outcomes:
                break  # the receiver failed: the rest wait for the next round
        return done + tried


def deliver_pushes(registry) -> int:
    """The delivery worker's task: what is due now; 0 when syndication is off or nothing was due."""
    if syndication_config(registry) is None:
        return 0
    return Syndicator(registry).deliver()
