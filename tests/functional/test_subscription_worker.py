"""The subscriptions' fan-out as the delivery worker runs it: the console script writes an opening's messages and
sends them (e-mails with their one-click unsubscribe headers), and two workers at once write each message once.

These commit for real, as the workers do, and delete what they made afterwards."""

import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from eparticipation.accounts.models import User
from eparticipation.agencies.models import Agency
from eparticipation.consultations.models import Draft
from eparticipation.db import utcnow
from eparticipation.messaging.models import InboxMessage, OutboxMessage, OutboxStatus
from eparticipation.scripts import deliver
from eparticipation.subscriptions import services
from eparticipation.subscriptions.models import FanoutEvent, Subscriber, Subscription, SubscriptionFanout

from ..factories import make_agency, make_draft, make_user
from .test_delivery_worker import worker_ini

PEOPLE = 30


@pytest.fixture
def opening(engine):
    """A consultation opened a minute ago whose fan-out is due; PEOPLE account holders follow the site (a third in
    English) and one visitor follows its agency by e-mail."""
    now = utcnow()
    with Session(engine) as session:
        agency = make_agency(session, code="fanout-worker")
        draft = make_draft(session, agency, state="consultation", opens_at=now - timedelta(minutes=1))
        users = [make_user(session, email=f"follower.{n}@example.org", locale="en" if n % 3 == 0 else "fa")
                 for n in range(PEOPLE)]
        for user in users:
            services.follow(session, user, services.site_target(), now)
        visitor = Subscriber(email="visitor.fanout@example.org", locale="en", unsubscribe_token="visitor-token-1",
                             created_at=now)
        session.add(visitor)
        session.flush()
        session.add(Subscription(subscriber_id=visitor.id, target=f"agency:{agency.id}", agency_id=agency.id,
                                 created_at=now, confirmed_at=now))
        session.add(SubscriptionFanout(draft_id=draft.id, event=FanoutEvent.opened, occasion="", due_at=now,
                                       created_at=now, link=f"https://example.com/consultations/{draft.id}/",
                                       unsubscribe_base="https://example.com/subscriptions/unsubscribe/"))
        session.commit()
        ids = {"agency": agency.id, "draft": draft.id, "users": [u.id for u in users], "visitor": visitor.id}
    yield ids
    with Session(engine) as session:
        session.execute(sa.delete(OutboxMessage).where(OutboxMessage.address == "visitor.fanout@example.org"))
        session.execute(sa.delete(Subscriber).where(Subscriber.id == ids["visitor"]))
        session.execute(sa.delete(User).where(User.id.in_(ids["users"])))  # their messages go with them
        session.execute(sa.delete(Draft).where(Draft.id == ids["draft"]))  # its fan-outs and notices too
        session.execute(sa.delete(Agency).where(Agency.id == ids["agency"]))
        session.commit()


def messages(engine, ids):
    with Session(engine) as session:
        inbox = session.scalar(sa.select(sa.func.count()).select_from(InboxMessage)
                               .where(InboxMessage.user_id.in_(ids["users"])))
        outbox = session.execute(
            sa.select(OutboxMessage.address, OutboxMessage.status, OutboxMessage.user_id)
            .where(OutboxMessage.key == f"subscriptions:opened:{ids['draft']}")
            .order_by(OutboxMessage.address)
        ).all()
    return inbox, outbox


def test_the_worker_writes_the_fan_out_and_sends_it_with_unsubscribe_headers(opening, engine, database_url,
                                                                            tmp_path, capsys):
    ini = worker_ini(tmp_path / "worker.ini", database_url)
    assert deliver.main([str(ini), "--once"]) == 0
    assert capsys.readouterr().out.strip().startswith(f"Sent {PEOPLE + 1}, failed 0")
    inbox, outbox = messages(engine, opening)
    assert inbox == PEOPLE and len(outbox) == PEOPLE + 1
    assert {status for _address, status, _user in outbox} == {OutboxStatus.sent}
    mails = [message_from_bytes(path.read_bytes(), policy=policy.default)
             for path in (tmp_path / "mail").glob("*.eml")]
    visitor = next(mail for mail in mails if mail["To"] == "visitor.fanout@example.org")
    assert visitor["List-Unsubscribe"].strip() == "<https://example.com/subscriptions/unsubscribe/visitor-token-1>"
    assert visitor["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert visitor["Subject"] == "New consultation: Draft test bylaw"
    assert "https://example.com/subscriptions/unsubscribe/visitor-token-1" in visitor.get_content()
    assert all(mail["List-Unsubscribe"] for mail in mails)

    # Run again: nothing is due, nothing more is written or sent.
    assert deliver.main([str(ini), "--once"]) == 0
    assert capsys.readouterr().out.strip().startswith("Sent 0, failed 0")
    assert len(list((tmp_path / "mail").glob("*.eml"))) == PEOPLE + 1


def test_two_workers_at_once_write_each_message_once(opening, app, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks to skip: its writers take turns (BEGIN IMMEDIATE), so workers "
                    "cannot race there; this runs on PostgreSQL")
    told, errors, barrier = [0, 0], [], threading.Barrier(2)

    def work(number):
        barrier.wait()
        try:
            told[number] = services.fan_out(app.registry)
        except Exception as error:  # noqa: BLE001 - any failure is the test's finding
            errors.append(error)

    threads = [threading.Thread(target=work, args=(number,)) for number in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(told) == [0, PEOPLE + 1]  # one wrote it; the other found nothing left to claim
    # Taken again as if its claim had been lost: the unique keys alone keep every message once.
    with Session(engine) as session:
        session.execute(sa.update(SubscriptionFanout).where(SubscriptionFanout.draft_id == opening["draft"])
                        .values(done_at=None))
        session.commit()
    services.fan_out(app.registry)
    inbox, outbox = messages(engine, opening)
    assert inbox == PEOPLE and len(outbox) == PEOPLE + 1
    assert len({address for address, _status, _user in outbox}) == PEOPLE + 1
