"""Two-phase delivery: a message is committed as `sending` (a worker's claim with a lease) before its channel is
called; its outcome is committed after. A message whose worker died in between becomes `uncertain` when the
lease runs out, is not sent again on its own, and waits for an administrator, who sends it again (the same
Message-ID) or drops it on /admin/outbox. On the test's connection, with the frozen clock (SQLite and
PostgreSQL); test_delivery_kill.py kills real worker processes."""

import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from eparticipation.audit.models import AuditEntry
from eparticipation.messaging import notify
from eparticipation.messaging.channels import BaleAdapter
from eparticipation.messaging.delivery import Deliverer, Outcome
from eparticipation.messaging.models import Channel, OutboxStatus

from ..audit import audit_entries as logged_since, head
from ..conftest import NOW
from ..factories import make_agency, make_user
from .test_messaging_delivery import BODY, LINK, SUBJECT, deliverer, events, outbox, people, request_for, servers

__all__ = ["deliverer", "events", "people", "servers"]  # fixtures shared with the delivery tests

LEASE = timedelta(seconds=600)  # the default lease (the suite does not set one)


def message_ids(smtp):
    return [message_from_bytes(envelope.content, policy=policy.default)["Message-ID"] for envelope in smtp.messages]


@pytest.fixture
def one_mail(app, dbsession, people):
    """One message, by e-mail to the English reader."""
    notify(request_for(app, dbsession), people.english, key="k", subject=SUBJECT, body=BODY, link=LINK)
    [message] = outbox(dbsession)
    return message


@pytest.fixture
def other_worker(app, deliverer):
    """A second worker on the same queue, as after a restart."""
    return Deliverer(app.registry, deliverer.session_factory, deliverer.adapters, name="host-b:2002")


@pytest.fixture
def died_after_sending(dbsession, one_mail, deliverer):
    """The first worker claimed the message and handed it to the mail server, then died before saying so."""
    claim = deliverer.claim()
    assert deliverer.send(claim) is None
    return claim


def test_the_claim_is_committed_as_sending_with_a_lease_before_the_channel_is_called(
    dbsession, one_mail, servers, deliverer, monkeypatch
):
    smtp = deliverer.adapters[Channel.email]
    seen_while_sending = []

    def send(*args):
        [row] = outbox(dbsession)
        seen_while_sending.append((row.status, row.attempts, row.claimed_by, row.lease_until))
        return type(smtp).send(smtp, *args)

    monkeypatch.setattr(smtp, "send", send)
    assert deliverer.drain(batch=10) == 1
    assert seen_while_sending == [(OutboxStatus.sending, 1, deliverer.name, NOW + LEASE)]
    [row] = outbox(dbsession)
    assert (row.status, row.attempts, row.claimed_by, row.lease_until) == (OutboxStatus.sent, 1, None, None)
    assert message_ids(servers.smtp) == [f"<{row.reference}@example.com>"]
    assert deliverer.outcomes == {Outcome.sent: 1}


def test_a_refused_message_is_let_go_to_be_tried_again_after_its_delay(dbsession, one_mail, servers, deliverer):
    servers.smtp.refuse = 1
    deliverer.drain(batch=10)
    [row] = outbox(dbsession)
    assert (row.status, row.attempts, row.claimed_by, row.lease_until, row.next_attempt_at) == (
        OutboxStatus.pending, 1, None, None, NOW + timedelta(seconds=60))
    assert deliverer.outcomes == {Outcome.retrying: 1}


def test_a_message_whose_worker_died_while_sending_becomes_uncertain_and_is_not_sent_again(
    dbsession, died_after_sending, servers, deliverer, other_worker, clock, events
):
    before = head(dbsession)
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert other_worker.drain(batch=10) == 0  # the lease still holds: its worker may yet say how it went
    [row] = outbox(dbsession)
    assert row.status == OutboxStatus.sending
    clock.advance(seconds=2)
    assert other_worker.drain(batch=10) == 0
    [row] = outbox(dbsession)
    assert (row.status, row.attempts, row.claimed_by, row.lease_until) == (
        OutboxStatus.uncertain, 1, deliverer.name, NOW + LEASE)
    assert row.last_error.startswith(f"{deliverer.name} did not record whether it was sent")
    assert events == [("MessageUncertain", row.id, OutboxStatus.uncertain)]
    assert other_worker.outcomes == {Outcome.uncertain: 1}
    [entry] = [e for e in logged_since(dbsession, before) if e.action == "message.uncertain"]  # auditors see it
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("OutboxMessage", str(row.id), None)
    clock.advance(days=2)
    assert other_worker.drain(batch=10) == 0
    assert len(servers.smtp.messages) == 1  # only the first worker's copy, whatever the time


def test_a_worker_that_outlived_its_lease_still_records_what_it_knows(
    dbsession, one_mail, servers, deliverer, other_worker, clock, events
):
    claim = deliverer.claim()
    assert deliverer.send(claim) is None
    clock.advance(seconds=LEASE.total_seconds() + 1)
    other_worker.expire_leases()
    assert outbox(dbsession)[0].status == OutboxStatus.uncertain
    assert deliverer.settle(claim, None) == Outcome.sent  # the first worker was slow, not dead
    [row] = outbox(dbsession)
    assert (row.status, row.claimed_by, row.lease_until) == (OutboxStatus.sent, None, None)
    assert [e[0] for e in events] == ["MessageUncertain", "MessageDelivered"]


def test_a_channel_that_times_out_after_taking_the_message_leaves_it_uncertain(
    app, dbsession, people, servers, deliverer, clock, events
):
    deliverer.adapters[Channel.bale] = BaleAdapter(Channel.bale, {"base_url": servers.bale.base_url, "token": "t",
                                                                  "timeout": 0.3})
    servers.bale.delay = 1.0
    notify(request_for(app, dbsession), people.persian, key="k", subject=SUBJECT, body=BODY, link=LINK)
    assert deliverer.drain(batch=10) == 3
    [row] = outbox(dbsession, channel=Channel.bale)
    assert (row.status, row.attempts, row.claimed_by) == (OutboxStatus.uncertain, 1, deliverer.name)
    assert row.last_error.startswith("bot API failure while waiting for its answer: TimeoutError")
    assert row.last_error.endswith("(it may have arrived)")
    assert ("MessageUncertain", row.id, OutboxStatus.uncertain) in events
    assert deliverer.outcomes == {Outcome.sent: 2, Outcome.uncertain: 1}
    clock.advance(days=1)
    assert deliverer.drain(batch=10) == 0  # not tried again: the first try did arrive
    time.sleep(1.0)
    assert len(servers.bale.accepted) == 1


@pytest.fixture
def admin(dbsession, en):
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    return en


@pytest.fixture
def uncertain(dbsession, died_after_sending, other_worker, clock):
    clock.advance(seconds=LEASE.total_seconds() + 1)
    other_worker.expire_leases()
    [row] = outbox(dbsession)
    assert row.status == OutboxStatus.uncertain
    return row


def decision_form(page):
    return next(form for form in page.forms.values() if "resend" in form.fields)


def audit_entries(dbsession, action):
    return dbsession.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_the_outbox_page_lists_uncertain_messages_with_their_worker(dbsession, uncertain, admin, deliverer):
    page = admin.get("/admin/outbox")
    section = page.html.find(id="uncertain").find_next("table")
    [row] = section.find("tbody").find_all("tr")
    cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
    assert cells[1:6] == ["E-mail", "john@example.org", "Your comment is published. Thank you.", "1", deliverer.name]
    assert "may or may not have arrived" in page.text
    email_row = page.html.find("table").find("th", string="E-mail").parent
    assert [td.get_text() for td in email_row.find_all("td")] == ["0", "0", "0", "0", "1", "0"]


def test_an_administrator_resends_an_uncertain_message_under_the_same_message_id(
    dbsession, uncertain, admin, servers, other_worker, clock
):
    page = decision_form(admin.get("/admin/outbox")).submit("resend", status=303).follow()
    assert "The message will be sent again, under the same reference" in page.text
    [row] = outbox(dbsession)
    assert (row.status, row.attempts, row.claimed_by, row.lease_until, row.next_attempt_at) == (
        OutboxStatus.pending, 0, None, None, clock.now())
    [entry] = audit_entries(dbsession, "message.retry")
    assert (entry.object_type, entry.object_id, entry.before["status"], entry.after["status"]) == (
        "OutboxMessage", str(row.id), "uncertain", "pending")
    assert entry.actor_id is not None
    assert other_worker.drain(batch=10) == 1
    assert outbox(dbsession)[0].status == OutboxStatus.sent
    # The first (uncertain) copy and the resent one: the same message to the reader's mail program.
    assert message_ids(servers.smtp) == [f"<{row.reference}@example.com>"] * 2


def test_an_administrator_drops_an_uncertain_message(dbsession, uncertain, admin, servers, deliverer, other_worker,
                                                     clock):
    page = decision_form(admin.get("/admin/outbox")).submit("drop", status=303).follow()
    assert "The message is dropped: it will not be sent again." in page.text
    assert "None: no worker stopped while sending a message." in page.text
    [row] = outbox(dbsession)
    assert (row.status, row.claimed_by, row.lease_until) == (OutboxStatus.dropped, None, None)
    [entry] = audit_entries(dbsession, "message.drop")
    assert (entry.before["status"], entry.before["claimed_by"], entry.after) == (
        "uncertain", deliverer.name, {"status": "dropped"})
    clock.advance(days=1)
    assert other_worker.drain(batch=10) == 0
    assert len(servers.smtp.messages) == 1


def test_a_late_worker_does_not_undo_an_administrator_s_decision(
    dbsession, died_after_sending, uncertain, admin, deliverer
):
    decision_form(admin.get("/admin/outbox")).submit("resend", status=303)
    assert deliverer.settle(died_after_sending, None) == Outcome.superseded
    [row] = outbox(dbsession)
    assert (row.status, row.attempts) == (OutboxStatus.pending, 0)  # still queued, as the administrator chose


def test_deciding_on_a_message_that_is_not_uncertain_changes_nothing(dbsession, one_mail, admin):
    token = admin.get_csrf_token("/me/edit")
    for decision in ("resend", "drop"):
        page = admin.post("/admin/outbox", {"csrf_token": token, decision: str(one_mail.id)}, status=303).follow()
        assert "That message is not awaiting a decision (any more)" in page.text
    assert outbox(dbsession)[0].status == OutboxStatus.pending
    assert audit_entries(dbsession, "message.drop") == [] and audit_entries(dbsession, "message.retry") == []


@pytest.mark.parametrize("decision", ["resend", "drop"])
def test_a_decision_needs_a_message_and_the_csrf_token(dbsession, uncertain, admin, decision):
    token = admin.get_csrf_token("/me/edit")
    page = admin.post("/admin/outbox", {"csrf_token": token, decision: "x"}, status=400)
    assert "Choose a message to decide on." in page.text
    admin.post("/admin/outbox", {decision: str(uncertain.id)}, status=400)
    assert outbox(dbsession)[0].status == OutboxStatus.uncertain


@pytest.mark.parametrize("decision", ["resend", "drop"])
def test_only_administrators_decide_on_uncertain_messages(dbsession, uncertain, en, decision):
    token = en.get_csrf_token("/register")
    en.post("/admin/outbox", {"csrf_token": token, decision: str(uncertain.id)}, status=403)  # anonymous
    agency = make_agency(dbsession)
    make_user(dbsession, email="citizen@example.org")
    make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    for email in ("citizen@example.org", "editor@example.org", "auditor@example.org"):
        en.login(email)
        token = en.get_csrf_token("/me/edit")
        en.post("/admin/outbox", {"csrf_token": token, decision: str(uncertain.id)}, status=403)
        en.logout()
    assert outbox(dbsession)[0].status == OutboxStatus.uncertain
    assert audit_entries(dbsession, "message.drop") == [] and audit_entries(dbsession, "message.retry") == []


def test_the_persian_page_names_the_new_states(dbsession, uncertain, testapp):
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    testapp.login("admin@example.org")
    page = testapp.get("/admin/outbox")
    assert "Uncertain" not in page.text and "Send again" not in page.text
