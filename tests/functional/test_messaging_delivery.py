"""Messaging (R3): notify writes the inbox and the outbox once, in the person's language; the worker sends
to real SMTP and bot-API servers on 127.0.0.1, retries with backoff, gives up into dead letters that an
administrator puts back, and tells subscribers."""

from datetime import timedelta
from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from eparticipation.i18n import _
from eparticipation.messaging import MessageDeadLettered, MessageDelivered, MessageUncertain, notify
from eparticipation.messaging.channels import BaleAdapter, EitaaAdapter, SMTPAdapter
from eparticipation.messaging.delivery import Deliverer
from eparticipation.messaging.models import Channel, InboxMessage, MessengerLink, OutboxMessage, OutboxStatus

from ..conftest import NOW
from ..factories import make_user
from ..fakes import FakeBotAPI, FakeSMTP

LINK = "https://example.com/consultations/12/"
# Messages that exist in the catalogues, so the Persian and the English texts are known.
SUBJECT = _("Your comment is published. Thank you.")
PERSIAN_SUBJECT = "نظر شما منتشر شد. سپاس\u200cگزاریم."
BODY = _("You have sent ${count} comments in the last ${minutes} minutes; please wait a little.",
         mapping={"count": 3, "minutes": 10})


def request_for(app, dbsession, now=NOW):
    """What notify needs of a request: the registry, the database session and the clock's time."""
    return SimpleNamespace(registry=app.registry, dbsession=dbsession, now=now)


def link(dbsession, user, messenger, chat_id):
    dbsession.add(MessengerLink(user_id=user.id, messenger=messenger, chat_id=chat_id, linked_at=NOW))
    dbsession.flush()


def outbox(dbsession, **where):
    dbsession.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return dbsession.scalars(query).all()


@pytest.fixture
def people(dbsession):
    persian = make_user(dbsession, email="maryam@example.org", locale="fa")
    english = make_user(dbsession, email="john@example.org", locale="en")
    link(dbsession, persian, Channel.bale, "1001")
    link(dbsession, persian, Channel.eitaa, "-2002")
    return SimpleNamespace(persian=persian, english=english)


def test_notify_writes_one_inbox_message_and_one_outbox_message_per_channel_once(app, dbsession, people):
    request = request_for(app, dbsession)
    for _attempt in range(2):
        notify(request, people.persian, key="responses:draft:12", subject=SUBJECT, body=BODY, link=LINK)
        notify(request, people.english, key="responses:draft:12", subject=SUBJECT, body=BODY, link=LINK)
    inbox = dbsession.scalars(sa.select(InboxMessage).order_by(InboxMessage.id)).all()
    assert [m.user_id for m in inbox] == [people.persian.id, people.english.id]
    rows = outbox(dbsession)
    assert [(m.user_id, m.channel, m.address) for m in rows] == [
        (people.persian.id, Channel.email, "maryam@example.org"),
        (people.persian.id, Channel.bale, "1001"),
        (people.persian.id, Channel.eitaa, "-2002"),
        (people.english.id, Channel.email, "john@example.org"),
    ]
    assert all(m.status == OutboxStatus.pending and m.attempts == 0 and m.next_attempt_at == NOW for m in rows)
    # Another occasion is another message.
    notify(request, people.english, key="responses:draft:13", subject=SUBJECT, body=BODY, link=LINK)
    assert len(outbox(dbsession, user_id=people.english.id)) == 2


def test_each_person_reads_it_in_their_own_language_with_the_link(app, dbsession, people):
    request = request_for(app, dbsession)
    notify(request, people.persian, key="k", subject=SUBJECT, body=BODY, link=LINK)
    notify(request, people.english, key="k", subject=SUBJECT, body=BODY, link=LINK)
    persian = dbsession.scalar(sa.select(InboxMessage).where(InboxMessage.user_id == people.persian.id))
    english = dbsession.scalar(sa.select(InboxMessage).where(InboxMessage.user_id == people.english.id))
    assert english.subject == "Your comment is published. Thank you."
    assert english.body == "You have sent 3 comments in the last 10 minutes; please wait a little."
    assert persian.subject == PERSIAN_SUBJECT
    assert "۳" in persian.body and "۱۰" in persian.body and "3" not in persian.body
    assert persian.link == english.link == LINK
    assert {m.subject for m in outbox(dbsession, user_id=people.persian.id)} == {persian.subject}


def test_disabled_channels_and_messengers_not_linked_get_nothing(app, dbsession, people, monkeypatch):
    config = app.registry["messaging"]
    monkeypatch.setattr(config, "adapters", {Channel.bale: config.adapters[Channel.bale]})
    notify(request_for(app, dbsession), people.persian, key="k", subject=SUBJECT, body=BODY, link=LINK)
    notify(request_for(app, dbsession), people.english, key="k", subject=SUBJECT, body=BODY, link=LINK)
    assert [(m.user_id, m.channel) for m in outbox(dbsession)] == [(people.persian.id, Channel.bale)]
    assert dbsession.scalar(sa.select(sa.func.count(InboxMessage.id))) == 2


def test_a_closed_account_is_told_only_in_its_inbox(app, dbsession, people):
    people.persian.is_active = False
    notify(request_for(app, dbsession), people.persian, key="k", subject=SUBJECT, body=BODY, link=LINK)
    assert outbox(dbsession) == []
    assert dbsession.scalar(sa.select(sa.func.count(InboxMessage.id))) == 1


@pytest.mark.parametrize("key, link_", [("", LINK), ("k" * 201, LINK), ("k", "/relative"), ("k", "javascript:x")])
def test_notify_refuses_a_bad_key_or_link(app, dbsession, people, key, link_):
    with pytest.raises(ValueError):
        notify(request_for(app, dbsession), people.english, key=key, subject=SUBJECT, body=BODY, link=link_)


@pytest.fixture
def servers():
    with FakeSMTP() as smtp, FakeBotAPI() as bale, FakeBotAPI(form_encoded=True) as eitaa:
        yield SimpleNamespace(smtp=smtp, bale=bale, eitaa=eitaa)


@pytest.fixture
def deliverer(app, dbsession, servers, clock):
    """The worker, on the test's connection (its commits are savepoints of the test's transaction), with its
    channels pointed at the fake servers."""
    adapters = {
        Channel.email: SMTPAdapter(Channel.email, {"host": "127.0.0.1", "port": servers.smtp.port,
                                                   "sender": "Consultation <no-reply@example.com>", "timeout": 5}),
        Channel.bale: BaleAdapter(Channel.bale, {"base_url": servers.bale.base_url, "token": "bale-token",
                                                 "timeout": 5}),
        Channel.eitaa: EitaaAdapter(Channel.eitaa, {"base_url": servers.eitaa.base_url, "token": "eitaa-token",
                                                    "timeout": 5}),
    }
    dbsession.flush()
    connection = dbsession.connection()
    return Deliverer(app.registry, lambda: Session(bind=connection, join_transaction_mode="create_savepoint"), adapters)


@pytest.fixture
def events(app):
    heard = []

    def hear(event):
        heard.append((type(event).__name__, event.message.id, event.message.status))

    for kind in (MessageDelivered, MessageDeadLettered, MessageUncertain):
        app.registry.registerHandler(hear, (kind,))
    yield heard
    for kind in (MessageDelivered, MessageDeadLettered, MessageUncertain):
        app.registry.unregisterHandler(hear, (kind,))


def test_the_worker_sends_each_message_to_its_address_once(app, dbsession, people, servers, deliverer, events):
    request = request_for(app, dbsession)
    notify(request, people.persian, key="k", subject=SUBJECT, body=BODY, link=LINK)
    notify(request, people.english, key="k", subject=SUBJECT, body=BODY, link=LINK)
    assert deliverer.drain(batch=2) == 4
    assert deliverer.drain(batch=2) == 0  # nothing is sent twice

    assert sorted(envelope.rcpt_tos[0] for envelope in servers.smtp.messages) == [
        "john@example.org", "maryam@example.org"]
    english = next(e for e in servers.smtp.messages if e.rcpt_tos == ["john@example.org"])
    mail = message_from_bytes(english.content, policy=policy.default)
    assert mail["Subject"] == "Your comment is published. Thank you."
    assert LINK in mail.get_content()
    persian = next(e for e in servers.smtp.messages if e.rcpt_tos == ["maryam@example.org"])
    assert message_from_bytes(persian.content, policy=policy.default)["Subject"] == PERSIAN_SUBJECT

    assert servers.bale.requests == [("/botbale-token/sendMessage", servers.bale.accepted[0])]
    assert servers.bale.accepted[0]["chat_id"] == "1001"
    assert servers.bale.accepted[0]["text"].startswith("نظر شما منتشر شد.") and LINK in servers.bale.accepted[0]["text"]
    assert servers.eitaa.requests[0][0] == "/eitaa-token/sendMessage"
    assert [fields["chat_id"] for fields in servers.eitaa.accepted] == ["-2002"]

    rows = outbox(dbsession)
    assert all(m.status == OutboxStatus.sent and m.attempts == 1 and m.sent_at == NOW for m in rows)
    assert all(m.claimed_by is None and m.lease_until is None for m in rows)
    assert sorted(events) == sorted(("MessageDelivered", m.id, OutboxStatus.sent) for m in rows)


def test_a_channel_that_fails_twice_then_works_delivers_once_after_backoff(app, dbsession, people, servers,
                                                                          deliverer, clock, events):
    servers.bale.fail = 2
    notify(request_for(app, dbsession), people.persian, key="k", subject=SUBJECT, body=BODY, link=LINK)
    deliverer.drain(batch=10)
    [message] = outbox(dbsession, channel=Channel.bale)
    assert (message.status, message.attempts, message.next_attempt_at) == (OutboxStatus.pending, 1,
                                                                           NOW + timedelta(seconds=60))
    assert message.last_error == "HTTP 502: Bad Gateway"
    clock.advance(seconds=59)
    assert deliverer.drain(batch=10) == 0  # not yet due
    clock.advance(seconds=1)
    assert deliverer.drain(batch=10) == 1
    [message] = outbox(dbsession, channel=Channel.bale)
    assert (message.attempts, message.next_attempt_at) == (2, clock.now() + timedelta(seconds=120))  # doubled
    clock.advance(seconds=120)
    assert deliverer.drain(batch=10) == 1
    [message] = outbox(dbsession, channel=Channel.bale)
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.sent, 3, None)
    assert len(servers.bale.requests) == 3 and [f["chat_id"] for f in servers.bale.accepted] == ["1001"]
    assert [e for e in events if e[1] == message.id] == [("MessageDelivered", message.id, OutboxStatus.sent)]


def test_an_smtp_server_that_refuses_for_a_while_is_retried(app, dbsession, people, servers, deliverer, clock):
    servers.smtp.refuse = 1
    notify(request_for(app, dbsession), people.english, key="k", subject=SUBJECT, body=BODY, link=LINK)
    deliverer.drain(batch=10)
    [message] = outbox(dbsession)
    assert message.status == OutboxStatus.pending and message.last_error.startswith("SMTP error 451")
    assert (message.attempts, message.claimed_by, message.lease_until) == (1, None, None)  # the claim is let go
    clock.advance(minutes=1)
    deliverer.drain(batch=10)
    assert outbox(dbsession)[0].status == OutboxStatus.sent
    assert len(servers.smtp.messages) == 1


def test_a_channel_that_always_fails_ends_in_dead_letters_that_an_admin_sends_again(
    app, dbsession, people, servers, deliverer, clock, events, en
):
    servers.eitaa.always_fail = True
    notify(request_for(app, dbsession), people.persian, key="k", subject=SUBJECT, body=BODY, link=LINK)
    for _attempt in range(4):  # the suite allows 4 attempts
        deliverer.drain(batch=10)
        clock.advance(hours=1)
    [message] = outbox(dbsession, channel=Channel.eitaa)
    assert (message.status, message.attempts) == (OutboxStatus.dead, 4)
    assert message.last_error == "HTTP 400: Bad Request: chat not found"
    assert ("MessageDeadLettered", message.id, OutboxStatus.dead) in events
    assert deliverer.drain(batch=10) == 0  # the dead are not tried again

    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    page = en.get("/admin/outbox")
    counts = page.html.find("table")
    assert [th.get_text() for th in counts.find_all("th", scope="row")] == ["E-mail", "Bale", "Eitaa"]
    eitaa_row = counts.find("th", string="Eitaa").parent
    # waiting, being sent, sent, given up, uncertain, dropped
    assert [td.get_text() for td in eitaa_row.find_all("td")] == ["0", "0", "0", "1", "0", "0"]
    assert "Bad Request: chat not found" in page.text and "-2002" in page.text
    retry = next(form for form in page.forms.values() if "retry" in form.fields)
    page = retry.submit("retry", status=303).follow()
    assert "1 messages will be sent again." in page.text
    [message] = outbox(dbsession, channel=Channel.eitaa)
    assert (message.status, message.attempts, message.next_attempt_at) == (OutboxStatus.pending, 0, clock.now())

    servers.eitaa.always_fail = False
    deliverer.drain(batch=10)
    assert outbox(dbsession, channel=Channel.eitaa)[0].status == OutboxStatus.sent


def test_retry_all_puts_every_dead_letter_back(app, dbsession, people, en, clock):
    notify(request_for(app, dbsession), people.persian, key="k", subject=SUBJECT, body=BODY, link=LINK)
    dbsession.execute(sa.update(OutboxMessage).values(status=OutboxStatus.dead, attempts=4, last_error="down"))
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    page = en.get("/admin/outbox")
    page = page.forms[next(k for k, f in page.forms.items() if "retry_all" in f.fields)].submit(
        "retry_all", status=303).follow()
    assert "3 messages will be sent again." in page.text
    assert {m.status for m in outbox(dbsession)} == {OutboxStatus.pending}
    assert "None: every message was sent or is still being tried." in page.text


def test_only_administrators_see_the_outbox(app, dbsession, people, en):
    en.get("/admin/outbox", status=403)
    en.login("john@example.org")
    en.get("/admin/outbox", status=403)
    token = en.get_csrf_token("/me/edit")
    en.post("/admin/outbox", {"csrf_token": token, "retry_all": "1"}, status=403)
    make_user(dbsession, email="editor@example.org", grants=[("auditor", None)])
    en.logout()
    en.login("editor@example.org")
    en.get("/admin/outbox", status=403)


def test_retrying_without_a_message_is_refused_and_needs_the_csrf_token(app, dbsession, en):
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    token = en.get_csrf_token("/me/edit")
    page = en.post("/admin/outbox", {"csrf_token": token, "retry": "x"}, status=400)
    assert "Choose a message to send again." in page.text
    en.post("/admin/outbox", {"retry_all": "1"}, status=400)


def test_a_message_for_a_channel_no_longer_enabled_is_a_failure_with_a_reason(app, dbsession, people, deliverer):
    notify(request_for(app, dbsession), people.persian, key="k", subject=SUBJECT, body=BODY, link=LINK)
    del deliverer.adapters[Channel.eitaa]
    deliverer.drain(batch=10)
    [message] = outbox(dbsession, channel=Channel.eitaa)
    assert message.status == OutboxStatus.pending and message.last_error == "the eitaa channel is not enabled"
