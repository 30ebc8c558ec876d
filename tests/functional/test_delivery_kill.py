"""Worker processes killed while they send (SIGKILL, no chance to clean up), as a machine or an OOM killer would:
no message is lost, none reaches the fake servers twice without an administrator's decision, and the messages
that were being sent when a worker died are exactly the ones left `uncertain`.

Real `eparticipation-deliver` processes on committed rows, two at a time, against a fake SMTP server and a fake
Bale API slowed down so that most kills land while a message is with its channel. Counts are printed (`-s`)."""

import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from eparticipation.accounts.models import User
from eparticipation.db import utcnow
from eparticipation.messaging import services
from eparticipation.messaging.models import Channel, OutboxMessage, OutboxStatus

from ..factories import make_user
from ..fakes import FakeBotAPI, FakeSMTP
from .test_delivery_worker import worker_ini

# (kills, e-mails, Bale messages): the queue must outlast the kills, each of which waits for a new worker to
# start. On SQLite (development's database) a shorter run of the same test.
SIZES = {"postgresql": (10, 400, 200), "sqlite": (3, 120, 60)}
WORKERS = 2
# Short, so that the killed workers' messages are found uncertain within the test; the timeouts are generous,
# so that on a busy machine no message times out (which would make it uncertain for another reason).
LEASE_SECONDS, TIMEOUT_SECONDS = 12, 10
SEND_DELAY = 0.1  # each server takes this long per message: most of a worker's time is spent sending
DELIVER = Path(sys.executable).parent / "eparticipation-deliver"


@pytest.fixture
def reader(engine):
    with Session(engine) as session:
        user = make_user(session, email="kill.test@example.org", locale="en")
        session.commit()
        user_id = user.id
    yield user_id
    with Session(engine) as session:
        session.execute(sa.delete(User).where(User.id == user_id))  # its outbox goes with it (ON DELETE CASCADE)
        session.commit()


@pytest.fixture
def queued(engine, reader):
    """The messages, committed, due now; email n goes to reader+n@, Bale message n to chat 5000+n."""
    _kills, emails, bale_messages = SIZES[engine.dialect.name]
    due = utcnow() - timedelta(seconds=1)
    with Session(engine) as session:
        session.add_all(
            [OutboxMessage(user_id=reader, channel=Channel.email, address=f"reader+{n}@example.org", key=f"kill:{n}",
                           subject="s", body=f"mail {n}", link="https://example.com/", next_attempt_at=due,
                           created_at=due) for n in range(emails)]
            + [OutboxMessage(user_id=reader, channel=Channel.bale, address=str(5000 + n), key=f"kill:{n}",
                             subject="s", body=f"bale {n}", link="https://example.com/", next_attempt_at=due,
                             created_at=due) for n in range(bale_messages)]
        )
        session.commit()
        return {m.id: m for m in session.scalars(sa.select(OutboxMessage).where(OutboxMessage.user_id == reader))}


def rows(engine, reader):
    with Session(engine) as session:
        return session.scalars(sa.select(OutboxMessage).where(OutboxMessage.user_id == reader)).all()


def copies_received(smtp, bale, messages) -> Counter:
    """How many copies of each outbox message the servers took: e-mails by Message-ID, Bale texts by body."""
    by_message_id = {f"<{m.reference}@example.org>": m.id for m in messages.values()}
    by_text = {f"s\n\n{m.body}\n\n{m.link}": m.id for m in messages.values() if m.channel is Channel.bale}
    received = Counter()
    for envelope in smtp.messages:
        received[by_message_id[message_from_bytes(envelope.content, policy=policy.default)["Message-ID"]]] += 1
    for fields in bale.accepted:
        received[by_text[fields["text"]]] += 1
    return received


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


def test_workers_killed_mid_send_lose_nothing_and_send_nothing_twice(engine, database_url, queued, reader,
                                                                     tmp_path):
    kills = SIZES[engine.dialect.name][0]
    random.seed(11)
    with FakeSMTP() as smtp, FakeBotAPI() as bale:
        smtp.delay = bale.delay = SEND_DELAY
        ini = worker_ini(tmp_path / "worker.ini", database_url, channels="email bale", **{
            "email.adapter": "smtp", "email.host": "127.0.0.1", "email.port": smtp.port,
            "email.sender": "Site <site@example.org>", "email.timeout": TIMEOUT_SECONDS,
            "bale.adapter": "bale", "bale.base_url": bale.base_url, "bale.token": "t",
            "bale.timeout": TIMEOUT_SECONDS,
            "lease_seconds": LEASE_SECONDS, "idle_seconds": 0.2, "max_attempts": 4, "retry_base_seconds": 1,
        })
        log = open(tmp_path / "workers.log", "wb")

        def start():
            return subprocess.Popen([str(DELIVER), str(ini)], stdout=log, stderr=subprocess.STDOUT)

        def name(worker):
            return f"{socket.gethostname()}:{worker.pid}"

        def has_claimed(worker):
            """It is up and sending (it has claimed a message), or there is nothing left for it to claim."""
            with Session(engine) as session:
                return session.scalar(sa.select(sa.func.count()).where(
                    OutboxMessage.user_id == reader,
                    (OutboxMessage.claimed_by == name(worker)) | (OutboxMessage.status == OutboxStatus.pending))
                ) == 0 or session.scalar(sa.select(sa.func.count()).where(
                    OutboxMessage.user_id == reader, OutboxMessage.claimed_by == name(worker))) > 0

        workers = [start() for _ in range(WORKERS)]
        in_flight = {}  # message id -> the killed worker that was sending it
        try:
            for kill in range(kills):
                victim = workers[kill % WORKERS]
                wait_for(lambda: has_claimed(victim), 60, f"worker {victim.pid} to start sending")
                time.sleep(random.uniform(0.2, 0.8))
                victim.send_signal(signal.SIGKILL)
                victim.wait(timeout=10)
                time.sleep(0.3)  # a COMMIT the worker sent just before it died is applied by now
                with Session(engine) as session:
                    for message_id in session.scalars(sa.select(OutboxMessage.id).where(
                            OutboxMessage.user_id == reader, OutboxMessage.status == OutboxStatus.sending,
                            OutboxMessage.claimed_by == name(victim))):
                        in_flight[message_id] = name(victim)
                workers[kill % WORKERS] = start()
            # The survivors send the rest, and mark the dead workers' messages uncertain once their leases end.
            wait_for(lambda: all(m.status in (OutboxStatus.sent, OutboxStatus.uncertain, OutboxStatus.dead)
                                 for m in rows(engine, reader)), 180, "the queue to empty")
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                assert worker.wait(timeout=30) == 0  # a worker told to stop finishes what it holds and exits
            log.close()

        final = rows(engine, reader)
        statuses = Counter(m.status for m in final)
        uncertain = {m.id for m in final if m.status == OutboxStatus.uncertain}
        received = copies_received(smtp, bale, queued)
        summary = (f"{len(queued)} messages, {kills} SIGKILLs: {len(in_flight)} killed mid-send, "
                   f"{statuses[OutboxStatus.sent]} sent, {len(uncertain)} uncertain "
                   f"({sum(1 for i in uncertain if received[i])} of them had reached the server), "
                   f"{sum(1 for n in received.values() if n > 1)} sent twice, "
                   f"{sum(1 for m in final if m.status == OutboxStatus.sent and received[m.id] == 0)} lost")
        print(f"\nkill test: {summary}")

        assert set(statuses) <= {OutboxStatus.sent, OutboxStatus.uncertain}, summary  # nothing lost or dead
        assert uncertain == set(in_flight), summary  # exactly the ones their workers died sending
        assert len(in_flight) >= kills // 3, summary  # the kills did land mid-send (most do)
        assert all(received[m.id] == 1 for m in final if m.status == OutboxStatus.sent), summary
        assert all(received[i] <= 1 for i in uncertain), summary
        assert all(m.attempts == 1 for m in final), summary  # no message was tried twice

        # The administrator decides: send the uncertain ones again. The second copy has the first's Message-ID.
        with Session(engine) as session:
            for message_id in uncertain:
                services.resend(services.awaiting_decision(session, message_id), utcnow())
            session.commit()
        before = received
        once = subprocess.run([str(DELIVER), str(ini), "--once"], capture_output=True, text=True, timeout=120)
        assert once.returncode == 0, once.stderr
        assert once.stdout.strip().startswith(f"Sent {len(uncertain)}, failed 0 (to be tried again), dead 0, "
                                              f"uncertain 0")
        after = copies_received(smtp, bale, queued)
        assert {m.status for m in rows(engine, reader)} == {OutboxStatus.sent}
        assert {i: after[i] - before[i] for i in after if after[i] != before[i]} == {i: 1 for i in uncertain}
        print(f"kill test: the administrator resent {len(uncertain)}; "
              f"{sum(1 for i in uncertain if before[i])} of them now arrived twice, under one Message-ID each")
