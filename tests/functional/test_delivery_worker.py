"""The delivery worker as it runs: the console script on an ini file, the loop, and two workers at once.

Unlike most of the suite these commit for real (a worker has its own connections, as it would in
production), and delete what they made afterwards."""

import threading
from datetime import timedelta
from pathlib import Path
from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from eparticipation.accounts.models import User
from eparticipation.db import utcnow
from eparticipation.i18n import _
from eparticipation.messaging import notify
from eparticipation.messaging.channels import BaleAdapter
from eparticipation.messaging.delivery import Deliverer
from eparticipation.messaging.models import Channel, OutboxMessage, OutboxStatus
from eparticipation.scripts import deliver

from ..conftest import PROJECT
from ..factories import make_user
from ..fakes import FakeBotAPI


@pytest.fixture
def committed_user(engine):
    with Session(engine) as session:
        user = make_user(session, email="worker.test@example.org", locale="en")
        session.commit()
        user_id = user.id
    yield user_id
    with Session(engine) as session:
        session.execute(sa.delete(User).where(User.id == user_id))  # its messages go with it (ON DELETE CASCADE)
        session.commit()


def worker_ini(path, database_url, **options) -> Path:
    """An ini file for a worker process of its own; `options` are messaging settings (without the prefix)."""
    settings = {"channels": "email", "email.adapter": "folder", "email.folder": str(path.parent / "mail"),
                **options}
    lines = "".join(f"eparticipation.messaging.{name} = {value}\n" for name, value in settings.items())
    path.write_text(f"""[app:main]
use = egg:eparticipation
sqlalchemy.url = {database_url}
eparticipation.locale_dir = {PROJECT / "locale"}
eparticipation.session_secret = worker-tests-only-Vb2nQ8rT5yL1mK7pZ4cX9wE3
{lines}""", encoding="utf-8")
    return path


def test_the_console_script_delivers_what_is_due_and_exits(app, engine, database_url, committed_user, tmp_path,
                                                           capsys):
    with Session(engine) as session:
        user = session.get(User, committed_user)
        notify(SimpleNamespace(registry=app.registry, dbsession=session, now=utcnow()), user, key="script",
               subject=_("Your comment is published. Thank you."), body=_("Your comment is saved; its earlier "
                                                                       "wording is kept."),
               link="https://example.com/consultations/1/")
        session.commit()
    ini = worker_ini(tmp_path / "worker.ini", database_url)
    assert deliver.main([str(ini), "--once", "--batch", "1"]) == 0
    assert capsys.readouterr().out.strip() == (
        "Sent 1, failed 0 (to be tried again), dead 0, uncertain 0 (awaiting an administrator).")
    [mail] = (tmp_path / "mail").glob("*.eml")
    parsed = message_from_bytes(mail.read_bytes(), policy=policy.default)
    assert parsed["To"] == "worker.test@example.org" and parsed["Subject"] == "Your comment is published. Thank you."
    with Session(engine) as session:
        message = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.user_id == committed_user))
        assert message.status == OutboxStatus.sent
        assert parsed["Message-ID"] == f"<{message.reference}@localhost>" and mail.name.startswith(message.reference)
    assert deliver.main([str(ini), "--once"]) == 0
    assert capsys.readouterr().out.strip().startswith("Sent 0, failed 0 (to be tried again), dead 0, uncertain 0")


def test_once_says_what_went_dead_or_uncertain_and_exits_non_zero(engine, database_url, committed_user, tmp_path,
                                                                  capsys):
    """A worker died holding one message (its lease ran out a minute ago); another fails its last attempt."""
    now = utcnow()
    with Session(engine) as session:
        session.add_all([
            OutboxMessage(user_id=committed_user, channel=Channel.email, address="worker.test@example.org",
                          key="orphan", subject="s", body="b", link="https://example.com/", status=OutboxStatus.sending,
                          attempts=1, claimed_by="gone:1", lease_until=now - timedelta(minutes=1),
                          next_attempt_at=now - timedelta(minutes=11), created_at=now - timedelta(minutes=11)),
            OutboxMessage(user_id=committed_user, channel=Channel.email, address="worker.test@example.org",
                          key="last-try", subject="s", body="b", link="https://example.com/", attempts=0,
                          next_attempt_at=now, created_at=now),
        ])
        session.commit()
    (tmp_path / "mail").write_text("a file where the folder should be")  # every e-mail fails
    ini = worker_ini(tmp_path / "worker.ini", database_url, max_attempts=1)
    assert deliver.main([str(ini), "--once"]) == 1
    assert capsys.readouterr().out.strip() == (
        "Sent 0, failed 0 (to be tried again), dead 1, uncertain 1 (awaiting an administrator).")
    with Session(engine) as session:
        assert dict(session.execute(sa.select(OutboxMessage.key, OutboxMessage.status)
                                    .where(OutboxMessage.user_id == committed_user)).all()) == {
            "orphan": OutboxStatus.uncertain, "last-try": OutboxStatus.dead}
    assert deliver.main([str(ini), "--once"]) == 0  # nothing new went wrong in this run


def test_the_claim_is_committed_before_the_channel_is_called_and_no_lock_is_held_meanwhile(
    app, engine, queued, committed_user
):
    """What another connection sees while the channel is being called: the message `sending`, this worker's,
    with its lease; and it can write (on SQLite, too: the worker holds no transaction while it sends)."""
    seen = []

    class Watching:
        timeout = 1

        def send(self, address, subject, body, link, reference=None):
            with Session(engine) as session:
                seen.append(session.execute(sa.select(OutboxMessage.status, OutboxMessage.claimed_by,
                                                      OutboxMessage.lease_until)
                                            .where(OutboxMessage.address == address)).one())
                session.execute(sa.update(User).where(User.id == committed_user).values(display_name="written"))
                session.commit()

    worker = Deliverer(app.registry, sessionmaker(engine), {Channel.bale: Watching()}, name="watched:1")
    assert worker.deliver(limit=1) == 1
    [(status, claimed_by, lease_until)] = seen
    assert (status, claimed_by) == (OutboxStatus.sending, "watched:1")
    assert lease_until - utcnow() > timedelta(seconds=590)  # the default lease, 600 s
    with Session(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).where(OutboxMessage.status == OutboxStatus.sent,
                                                               OutboxMessage.user_id == committed_user)) == 1


def test_the_batch_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        deliver.main(["development.ini", "--batch", "0"])
    assert "--batch must be at least 1" in capsys.readouterr().err


class ScriptedDeliverer:
    """Answers `deliver` from a script of batch sizes (an exception is raised), and notes the waits."""

    def __init__(self, script, stop):
        self.script = list(script)
        self.stop = stop
        self.calls = []
        self.config = SimpleNamespace(idle_seconds=0.01)
        self.registry = {}  # no worker tasks

    def deliver(self, batch):
        self.calls.append(("deliver", batch))
        if not self.script:
            self.stop.set()
            return 0
        outcome = self.script.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_the_loop_waits_only_after_an_empty_batch_or_a_database_failure(monkeypatch):
    stop = threading.Event()
    deliverer = ScriptedDeliverer([3, 3, 0, OperationalError("SELECT", {}, Exception("down")), 1], stop)
    waits = []
    monkeypatch.setattr(stop, "wait", lambda seconds: waits.append(len(deliverer.calls)))
    deliver.keep_delivering(deliverer, 3, stop)
    assert deliverer.calls == [("deliver", 3)] * 6
    assert waits == [3, 4, 6]  # after the empty batch, the failure, and the last (empty) one


MESSAGES = 40


@pytest.fixture
def queued(engine, committed_user):
    due = utcnow() - timedelta(seconds=1)
    with Session(engine) as session:
        session.add_all(
            OutboxMessage(user_id=committed_user, channel=Channel.bale, address=str(1000 + n), key=f"race:{n}",
                          subject="s", body=f"message {n}", link="https://example.com/", next_attempt_at=due,
                          created_at=due)
            for n in range(MESSAGES)
        )
        session.commit()


def test_two_workers_at_once_send_each_message_exactly_once(app, engine, queued, committed_user):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks to skip: its writers take turns (BEGIN IMMEDIATE), so workers "
                    "cannot race there; this runs on PostgreSQL")
    with FakeBotAPI() as bale:
        bale.delay = 0.01  # long enough for the two workers to overlap
        adapters = {Channel.bale: BaleAdapter(Channel.bale, {"base_url": bale.base_url, "token": "t", "timeout": 5})}
        workers = [Deliverer(app.registry, sessionmaker(engine), adapters) for _ in range(2)]
        tried, errors, barrier = [0, 0], [], threading.Barrier(2)

        def work(number):
            barrier.wait()
            try:
                tried[number] = workers[number].drain(batch=5)
            except Exception as error:  # noqa: BLE001 - any failure is the test's finding
                errors.append(error)

        threads = [threading.Thread(target=work, args=(number,)) for number in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert sorted(fields["text"] for fields in bale.accepted) == sorted(
        f"s\n\nmessage {n}\n\nhttps://example.com/" for n in range(MESSAGES))
    assert sum(tried) == MESSAGES and min(tried) > 0  # both worked, neither sent what the other did
    with Session(engine) as session:
        rows = session.execute(sa.select(OutboxMessage.status, OutboxMessage.attempts)
                               .where(OutboxMessage.user_id == committed_user)).all()
    assert rows == [(OutboxStatus.sent, 1)] * MESSAGES
