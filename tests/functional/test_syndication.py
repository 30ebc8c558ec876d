"""Syndication (O4): every transition of a consultation, and its published outcome, reaches a fake national
system on 127.0.0.1 once, in order per consultation, signed, with its idempotency key and bearer token;
a receiver that fails is retried with backoff until it takes the push, or the push is given up into a dead
letter that an administrator puts back; nothing is written when syndication is off."""

import hashlib
import hmac
import json
from datetime import timedelta

import jsonschema
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from eparticipation.audit.models import AuditEntry
from eparticipation.consultations.models import State
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision
from eparticipation.syndication.delivery import Syndicator, deliver_pushes
from eparticipation.syndication.models import PushStatus, SyndicationPush
from eparticipation.syndication.payload import SCHEMA, SIGNATURE_HEADER
from eparticipation.syndication.settings import SyndicationConfig

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_final_report, make_user, recount
from ..fakes import FakeReceiver
from .test_host import host, host_app, host_clock  # noqa: F401  (fixtures: the package inside a host application)

TOKEN = "national-system-token"
SECRET = "a-shared-secret-of-at-least-32-characters"
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture
def receiver():
    with FakeReceiver() as fake:
        yield fake


@pytest.fixture
def config(app, receiver):
    """Syndication on, towards the fake receiver, for this test only."""
    original = app.registry.get("syndication")
    app.registry["syndication"] = config = SyndicationConfig(
        url=receiver.url, token=TOKEN, secret=SECRET, timeout=5, max_attempts=3,
        retry_base=timedelta(seconds=60), lease=timedelta(seconds=60))
    yield config
    app.registry["syndication"] = original


@pytest.fixture
def syndicator(app, dbsession, config, clock):
    """The worker's task, on the test's connection (its commits are savepoints of the test's transaction)."""
    dbsession.flush()
    connection = dbsession.connection()
    return Syndicator(app.registry, lambda: Session(bind=connection, join_transaction_mode="create_savepoint"))


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def coordinator(dbsession, agency):
    return make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])


def transition(app, draft, name, **fields):
    form = app.get(f"/consultations/{draft.id}/{name}").forms["transition"]
    for field, value in fields.items():
        form[field] = value
    return form.submit("confirm", status=303)


def pushes(dbsession):
    dbsession.expire_all()
    return dbsession.scalars(sa.select(SyndicationPush).order_by(SyndicationPush.id)).all()


def received(receiver) -> list[dict]:
    return [json.loads(body) for body in receiver.accepted]


def check_request(headers, body):
    """What every push carries: a body valid against the schema, signed, with the token and its key."""
    payload = json.loads(body)
    VALIDATOR.validate(payload)
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers[SIGNATURE_HEADER], expected)
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Idempotency-Key"] == payload["eventId"]
    assert headers["X-EParticipation-Event"] == payload["event"]
    assert headers["Content-Type"].startswith("application/json")
    return payload


def answer(dbsession, draft, editor, comments, decisions):
    for comment, decision in zip(comments, decisions):
        response = Response(draft_id=draft.id, created_by_id=editor.id, created_at=NOW)
        response.covered = [ResponseComment(comment_id=comment.id)]
        response.revisions.append(ResponseRevision(number=1, decision=decision, reason="دلیل", author_id=editor.id,
                                                   written_at=NOW, legal_basis_law="قانون" if decision in (
                                                       Decision.rejected, Decision.partially_accepted) else None))
        dbsession.add(response)
    dbsession.flush()


def test_every_transition_reaches_the_receiver_once_in_order_signed_and_valid(
        testapp, dbsession, agency, coordinator, config, receiver, syndicator, clock):
    first = make_draft(dbsession, agency)
    second = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=31),
                        closes_at=NOW + timedelta(hours=1), title_en="Second bylaw")
    testapp.login("coordinator@example.org")
    transition(testapp, first, "open", start="2026-11-27", end="2027-01-10")
    transition(testapp, first, "extend", end="2027-01-20", reason="Requests from chambers of commerce")
    clock.advance(hours=2)
    testapp.get(f"/consultations/{second.id}/")  # the first visit after its end closes it
    transition(testapp, first, "withdraw", reason="The bill was withdrawn by the cabinet.")
    assert (first.state, second.state) == (State.closed, State.closed)
    written = pushes(dbsession)
    assert [(p.draft_id, p.event) for p in written] == [
        (first.id, "consultation.opened"), (first.id, "consultation.extended"), (second.id, "consultation.closed"),
        (first.id, "consultation.withdrawn")]
    assert {p.status for p in written} == {PushStatus.pending}
    assert receiver.requests == []  # nothing is sent inside a web request

    assert syndicator.deliver() == 4
    assert syndicator.deliver() == 0
    assert len(receiver.requests) == 4  # once each
    payloads = [check_request(headers, body) for headers, body in receiver.requests]
    # In order per consultation (those of different consultations go in the same batch).
    for draft in (first, second):
        assert [p["event"] for p in payloads if p["consultation"]["id"] == draft.id] == [
            p.event for p in written if p.draft_id == draft.id]
    assert {p.status for p in pushes(dbsession)} == {PushStatus.sent}

    opened, extended, withdrawn = [p for p in payloads if p["consultation"]["id"] == first.id]
    [closed] = [p for p in payloads if p["consultation"]["id"] == second.id]
    consultation = opened["consultation"]
    assert consultation["url"] == f"http://example.com/consultations/{first.id}/"
    assert consultation["title"] == {"fa": "پیش‌نویس آیین‌نامه آزمایشی", "en": "Draft test bylaw"}
    assert consultation["summary"] == {"fa": "خلاصه", "en": "خلاصه"}
    assert consultation["documentType"] == {"code": "bylaw", "fa": "آیین‌نامه", "en": "Bylaw"}
    assert consultation["agency"] == {"code": "tax", "name": {"fa": agency.name_fa, "en": agency.name_en}}
    assert consultation["commentStartDate"] == {"iso": NOW.isoformat(), "date": "2026-11-27", "jalali": "1405-09-06"}
    # The end is the first moment no longer open: midnight in Tehran after the last day (10 January 2027).
    assert consultation["commentEndDate"] == {"iso": "2027-01-10T20:30:00+00:00", "date": "2027-01-11",
                                              "jalali": "1405-10-21"}
    assert opened["outcome"] is None and opened["transition"] == {"name": "open", "reason": None}
    assert extended["transition"]["reason"] == "Requests from chambers of commerce"
    assert extended["consultation"]["commentEndDate"]["date"] == "2027-01-21"
    assert closed["consultation"]["title"]["en"] == "Second bylaw" and closed["consultation"]["state"] == "closed"
    assert withdrawn["consultation"]["closedAt"]["iso"] == clock.now().isoformat()
    assert len({p["eventId"] for p in payloads}) == 4


def test_publishing_pushes_the_outcome_counts_and_the_reports_open_data(
        testapp, dbsession, agency, coordinator, config, receiver, syndicator):
    draft = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                       closes_at=NOW - timedelta(days=5))
    editor = make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    citizens = [make_user(dbsession, email=f"citizen{n}@example.org") for n in range(3)]
    comments = [make_comment(dbsession, draft, citizen, body=f"نظر {n}") for n, citizen in enumerate(citizens)]
    answer(dbsession, draft, editor, comments, [Decision.accepted, Decision.rejected, Decision.accepted])
    report = make_final_report(dbsession, draft)
    report.statistics = {"k": 5, "totals": {"participants": None, "comments": None}, "tables": []}
    testapp.login("coordinator@example.org")
    transition(testapp, draft, "publish")
    assert draft.state == State.published
    syndicator.deliver()
    [(headers, body)] = receiver.requests
    payload = check_request(headers, body)
    base = f"http://example.com/consultations/{draft.id}/report/"
    assert payload["event"] == "consultation.published"
    assert payload["consultation"]["publishedAt"]["iso"] == NOW.isoformat()
    assert payload["outcome"] == {
        "comments": 3,
        "participants": None,  # fewer than the report's threshold: suppressed as the report suppresses it
        "responses": {"accepted": 2, "partially_accepted": 0, "rejected": 1, "noted": 0},
        "report": {"page": base, "pdf": base + "report.pdf", "json": base + "report.json",
                   "tablesCsv": base + "tables.csv", "commentsCsv": base + "comments.csv",
                   "commentsJson": base + "comments.json"},
    }
    # The open data named there is served to anyone.
    testapp.reset()
    assert testapp.get(payload["outcome"]["report"]["json"]).json["draft"]["id"] == draft.id
    testapp.get(payload["outcome"]["report"]["commentsCsv"])


def test_a_receiver_that_fails_twice_gets_the_push_once_after_backoff_with_the_same_key(
        app, testapp, dbsession, agency, coordinator, config, receiver, syndicator, clock):
    draft = make_draft(dbsession, agency)
    testapp.login("coordinator@example.org")
    transition(testapp, draft, "open", start="2026-11-27", end="2027-01-10")
    receiver.fail = 2
    assert syndicator.deliver() == 1
    [push] = pushes(dbsession)
    assert (push.status, push.attempts, push.last_error) == (PushStatus.pending, 1, "HTTP 503: unavailable")
    assert push.next_attempt_at == clock.now() + timedelta(seconds=60)
    assert syndicator.deliver() == 0  # not due before its delay
    clock.advance(seconds=60)
    syndicator.deliver()
    [push] = pushes(dbsession)
    assert (push.status, push.attempts) == (PushStatus.pending, 2)
    assert push.next_attempt_at == clock.now() + timedelta(seconds=120)  # doubled
    clock.advance(seconds=120)
    syndicator.deliver()
    [push] = pushes(dbsession)
    assert (push.status, push.attempts, push.last_error, push.sent_at) == (PushStatus.sent, 3, None, clock.now())
    assert len(receiver.requests) == 3 and len(receiver.accepted) == 1
    keys = {headers["Idempotency-Key"] for headers, _ in receiver.requests}
    assert keys == {push.idempotency_key}
    assert len({body for _, body in receiver.requests}) == 1  # the same body, the same signature
    assert len({headers[SIGNATURE_HEADER] for headers, _ in receiver.requests}) == 1


def test_a_later_push_waits_behind_an_earlier_one_of_its_consultation_only(
        testapp, dbsession, agency, coordinator, config, receiver, syndicator, clock):
    first, other = make_draft(dbsession, agency), make_draft(dbsession, agency)
    testapp.login("coordinator@example.org")
    transition(testapp, first, "open", start="2026-11-27", end="2027-01-10")
    receiver.fail = 1
    syndicator.deliver()  # the first consultation's opening fails
    transition(testapp, first, "extend", end="2027-01-20", reason="More time")
    transition(testapp, other, "open", start="2026-11-27", end="2027-01-10")
    assert syndicator.deliver() == 1  # the other consultation's opening goes; the extension waits
    assert [(p.draft_id, p.status) for p in pushes(dbsession)] == [
        (first.id, PushStatus.pending), (first.id, PushStatus.pending), (other.id, PushStatus.sent)]
    clock.advance(minutes=1)
    assert syndicator.deliver() == 2
    assert [(p["consultation"]["id"], p["event"]) for p in received(receiver)] == [
        (other.id, "consultation.opened"), (first.id, "consultation.opened"), (first.id, "consultation.extended")]


def test_a_receiver_that_always_fails_gives_a_dead_letter_that_an_administrator_puts_back(
        en, dbsession, agency, coordinator, config, receiver, syndicator, clock):
    draft = make_draft(dbsession, agency)
    en.login("coordinator@example.org")
    transition(en, draft, "open", start="2026-11-27", end="2027-01-10")
    transition(en, draft, "extend", end="2027-01-20", reason="More time")
    receiver.always_fail = True
    for _attempt in range(3):
        syndicator.deliver()
        clock.advance(minutes=5)
    opened, extended = pushes(dbsession)
    assert (opened.status, opened.attempts, opened.last_error) == (PushStatus.dead, 3, "HTTP 503: unavailable")
    assert (extended.status, extended.attempts) == (PushStatus.pending, 0)  # held back behind it
    assert syndicator.deliver() == 0  # the dead are not tried again
    key = opened.idempotency_key

    en.logout()
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    page = en.get("/admin/syndication")
    assert "HTTP 503: unavailable" in page.text and "Consultation opened" in page.text
    counts = [td.get_text() for td in page.html.find("table").find_all("td")]
    assert counts == ["1", "0", "0", "1"]  # waiting, being sent, sent, given up
    retry = next(form for form in page.forms.values() if "retry" in form.fields)
    page = retry.submit("retry", status=303).follow()
    assert "1 pushes will be sent again." in page.text
    opened = pushes(dbsession)[0]
    assert (opened.status, opened.attempts, opened.next_attempt_at) == (PushStatus.pending, 0, clock.now())
    entry = dbsession.scalar(sa.select(AuditEntry).where(AuditEntry.action == "syndication.retry"))
    assert entry.after == {"pushes": [opened.id]} and entry.object_type == "SyndicationPush"

    receiver.always_fail = False
    assert syndicator.deliver() == 2
    assert [p["event"] for p in received(receiver)] == ["consultation.opened", "consultation.extended"]
    assert receiver.requests[0][0]["Idempotency-Key"] == receiver.requests[-2][0]["Idempotency-Key"] == key


def test_retry_all_puts_every_dead_push_back_and_needs_a_push_and_the_csrf_token(
        en, dbsession, agency, coordinator, config, clock):
    draft = make_draft(dbsession, agency)
    en.login("coordinator@example.org")
    transition(en, draft, "open", start="2026-11-27", end="2027-01-10")
    transition(en, draft, "extend", end="2027-01-20", reason="More time")
    dbsession.execute(sa.update(SyndicationPush).values(status=PushStatus.dead, attempts=3, last_error="down"))
    en.logout()
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    token = en.get_csrf_token("/me/edit")
    page = en.post("/admin/syndication", {"csrf_token": token, "retry": "x"}, status=400)
    assert "Choose a push to send again." in page.text
    en.post("/admin/syndication", {"retry_all": "1"}, status=400)  # no CSRF token
    page = en.get("/admin/syndication?status=dead")
    page = page.forms[next(k for k, f in page.forms.items() if "retry_all" in f.fields)].submit(
        "retry_all", status=303).follow()
    assert "2 pushes will be sent again." in page.text
    assert {p.status for p in pushes(dbsession)} == {PushStatus.pending}
    en.get("/admin/syndication?status=nonsense", status=400)


@pytest.mark.parametrize("who", ["anonymous", "citizen", "coordinator", "auditor"])
def test_only_administrators_see_the_pushes_or_put_them_back(en, dbsession, agency, coordinator, who):
    make_user(dbsession, email="citizen@example.org")
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    if who != "anonymous":
        en.login(f"{who}@example.org")
    en.get("/admin/syndication", status=403)
    token = en.get_csrf_token("/login" if who == "anonymous" else "/me/edit")
    en.post("/admin/syndication", {"csrf_token": token, "retry_all": "1"}, status=403)


def test_nothing_is_written_or_sent_when_syndication_is_off(app, testapp, dbsession, agency, coordinator, en):
    assert app.registry["syndication"] is None  # the tests' settings name no receiver
    draft = make_draft(dbsession, agency)
    en.login("coordinator@example.org")
    transition(en, draft, "open", start="2026-11-27", end="2027-01-10")
    assert draft.state == State.consultation and pushes(dbsession) == []
    assert deliver_pushes(app.registry) == 0
    en.logout()
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    assert "Syndication is off" in en.get("/admin/syndication").text


def test_the_schema_is_public_json_schema(testapp):
    response = testapp.get("/syndication/schema.json")
    assert response.content_type == "application/schema+json"
    assert "max-age" in response.headers["Cache-Control"]
    jsonschema.Draft202012Validator.check_schema(response.json)
    assert response.json == json.loads(json.dumps(SCHEMA))
    testapp.get("/syndication/other.json", status=404)
    testapp.get("/syndication/", status=404)


def test_a_push_whose_worker_died_is_sent_again_once_its_lease_runs_out(
        testapp, dbsession, agency, coordinator, config, receiver, syndicator, clock):
    draft = make_draft(dbsession, agency)
    testapp.login("coordinator@example.org")
    transition(testapp, draft, "open", start="2026-11-27", end="2027-01-10")
    [claim] = syndicator.claim()  # ... and the worker is killed before it sends or records anything
    [push] = pushes(dbsession)
    assert (push.status, push.claimed_by) == (PushStatus.sending, syndicator.name)
    assert syndicator.deliver() == 0  # held by its worker while the lease lasts
    clock.advance(seconds=61)
    assert syndicator.deliver() == 2  # the lease, then the push
    [push] = pushes(dbsession)
    assert (push.status, push.attempts) == (PushStatus.sent, 2)
    assert receiver.requests[0][0]["Idempotency-Key"] == claim.key


def test_the_administrators_page_is_in_persian_too(testapp, dbsession, config):
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    testapp.login("admin@example.org")
    page = testapp.get("/admin/syndication")
    assert "ارسال به سامانه ملی" in page.text and "هنوز هیچ ارسالی ثبت نشده است." in page.text
    assert "/admin/syndication" in testapp.get("/admin/").text


def test_after_a_failure_the_rest_of_the_batch_waits_untried_for_the_next_round(
        testapp, dbsession, agency, coordinator, config, receiver, syndicator):
    drafts = [make_draft(dbsession, agency) for _ in range(3)]
    testapp.login("coordinator@example.org")
    for draft in drafts:
        transition(testapp, draft, "open", start="2026-11-27", end="2027-01-10")
    receiver.fail = 1
    assert syndicator.deliver() == 1  # the first failed; the others were not tried
    assert [(p.status, p.attempts) for p in pushes(dbsession)] == [
        (PushStatus.pending, 1), (PushStatus.pending, 0), (PushStatus.pending, 0)]
    assert len(receiver.requests) == 1
    assert syndicator.deliver() == 2  # due at once: they were never tried
    assert [p.status for p in pushes(dbsession)] == [PushStatus.pending, PushStatus.sent, PushStatus.sent]


def test_the_delivery_worker_command_sends_pushes_with_the_ini_and_the_environment(
        engine, database_url, tmp_path, receiver, monkeypatch, capsys):
    """`eparticipation-deliver --once` as production runs it: the settings from its ini file, the token and
    the secret from the environment; committed for real, and deleted afterwards."""
    from eparticipation.consultations.models import Draft, WorkflowEvent
    from eparticipation.agencies.models import Agency
    from eparticipation.db import utcnow
    from eparticipation.scripts import deliver

    from .test_delivery_worker import worker_ini

    with Session(engine) as session:
        agency = make_agency(session, with_units=False)
        draft = make_draft(session, agency, state="consultation", articles=0)
        event = WorkflowEvent(draft_id=draft.id, transition="open", from_state=State.draft,
                              to_state=State.consultation, at=utcnow(), details={})
        session.add(event)
        session.flush()
        session.add(SyndicationPush(draft_id=draft.id, workflow_event_id=event.id, event="consultation.opened",
                                    idempotency_key="0123456789abcdef" * 2, body='{"event":"consultation.opened"}',
                                    status=PushStatus.pending, attempts=0, next_attempt_at=utcnow(),
                                    created_at=utcnow()))
        session.commit()
        agency_id, draft_id = agency.id, draft.id
    try:
        ini = worker_ini(tmp_path / "worker.ini", database_url)
        ini.write_text(ini.read_text() + f"eparticipation.syndication.url = {receiver.url}\n"
                                         "eparticipation.syndication.timeout = 5\n", encoding="utf-8")
        monkeypatch.setenv("SYNDICATION_TOKEN", "token-from-the-environment")
        monkeypatch.setenv("SYNDICATION_SECRET", SECRET)
        assert deliver.main([str(ini), "--once"]) == 0
        [(headers, body)] = receiver.requests
        assert body == b'{"event":"consultation.opened"}'
        assert headers["Authorization"] == "Bearer token-from-the-environment"
        assert headers[SIGNATURE_HEADER] == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["Idempotency-Key"] == "0123456789abcdef" * 2
        with Session(engine) as session:
            assert session.scalar(sa.select(SyndicationPush.status).where(
                SyndicationPush.draft_id == draft_id)) == PushStatus.sent
    finally:
        with Session(engine) as session:
            session.execute(sa.delete(Draft).where(Draft.id == draft_id))  # its events and pushes go with it
            session.execute(sa.delete(Agency).where(Agency.id == agency_id))
            recount(session)
            session.commit()


def test_inside_a_host_every_address_of_a_push_is_under_its_prefix(host, host_app, dbsession, receiver):
    original = host_app.registry.get("syndication")
    host_app.registry["syndication"] = SyndicationConfig(url=receiver.url, token=TOKEN, secret=SECRET, timeout=5)
    try:
        agency = make_agency(dbsession, code="tax")
        make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])
        opened = make_draft(dbsession, agency)
        closed = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                            closes_at=NOW - timedelta(days=5))
        make_final_report(dbsession, closed)
        host.login("coordinator@example.org")
        transition(host, opened, "open", start="2026-11-27", end="2027-01-10")
        transition(host, closed, "publish")
    finally:
        host_app.registry["syndication"] = original
    payloads = [json.loads(p.body) for p in pushes(dbsession)]
    for payload in payloads:
        VALIDATOR.validate(payload)
    assert [p["consultation"]["url"] for p in payloads] == [
        f"http://example.com/participation/consultations/{opened.id}/",
        f"http://example.com/participation/consultations/{closed.id}/"]
    report = payloads[1]["outcome"]["report"]
    assert report["page"] == f"http://example.com/participation/consultations/{closed.id}/report/"
    assert all(url.startswith(report["page"]) for url in report.values())
    assert host.get(report["json"]).json["draft"]["id"] == closed.id


def test_the_pushes_page_costs_the_same_statements_for_one_push_or_forty(en, dbsession, agency, query_counter):
    from eparticipation.consultations.models import WorkflowEvent

    def add_push(n):
        draft = make_draft(dbsession, agency, title_en=f"Bylaw {n}")
        event = WorkflowEvent(draft_id=draft.id, transition="open", from_state=State.draft,
                              to_state=State.consultation, at=NOW, details={})
        dbsession.add(event)
        dbsession.flush()
        dbsession.add(SyndicationPush(draft_id=draft.id, workflow_event_id=event.id, event="consultation.opened",
                                      idempotency_key=f"{n:032d}", body="{}", status=PushStatus.dead, attempts=3,
                                      last_error="HTTP 503", next_attempt_at=NOW, created_at=NOW))
        dbsession.flush()

    def statements():
        en.app_dbsession.expire_all()
        with query_counter() as counted:
            page = en.get("/admin/syndication")
        return counted.count, page

    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    add_push(0)
    few, _page = statements()
    for n in range(1, 40):
        add_push(n)
    many, page = statements()
    assert many <= few
    assert "Bylaw 39" in page.text and page.text.count("HTTP 503") == 40


def test_metrics_show_the_pushes_not_sent_and_the_oldest_pending(testapp, dbsession, agency, config, clock):
    from prometheus_client.parser import text_string_to_metric_families

    def scrape():
        page = testapp.get("/metrics", extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(page.text) for s in family.samples}

    make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])
    first, second = make_draft(dbsession, agency), make_draft(dbsession, agency)
    testapp.login("coordinator@example.org")
    transition(testapp, first, "open", start="2026-11-27", end="2027-01-10")
    transition(testapp, second, "open", start="2026-11-27", end="2027-01-10")
    dbsession.execute(sa.update(SyndicationPush).where(SyndicationPush.draft_id == second.id)
                      .values(status=PushStatus.dead))
    clock.advance(minutes=30)
    samples = scrape()
    assert samples[("eparticipation_syndication_pushes", (("status", "pending"),))] == 1
    assert samples[("eparticipation_syndication_pushes", (("status", "dead"),))] == 1
    assert samples[("eparticipation_syndication_pushes", (("status", "sending"),))] == 0
    assert samples[("eparticipation_syndication_oldest_pending_seconds", ())] == 30 * 60


def test_a_consultation_the_tick_closes_is_pushed_with_the_sites_public_address(app, dbsession, agency, config,
                                                                                   clock):
    """A command's request knows no host (http://localhost): the pushes are built on `site_url`."""
    from dataclasses import replace

    from pyramid.scripting import prepare

    from eparticipation.consultations import draft_url
    from eparticipation.consultations.services import tick

    app.registry["syndication"] = replace(config, site_url="https://participation.example.ir")
    ended = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=31),
                       closes_at=NOW - timedelta(minutes=1))
    env = prepare(registry=app.registry)
    env["request"].environ["app.dbsession"] = dbsession
    env["request"].root = env["root"]  # as eparticipation.scripts.bootstrap sets it
    try:
        assert draft_url(env["request"], ended).startswith("http://localhost/")
        assert tick(env["request"]) == [ended]
    finally:
        env["closer"]()
    [push] = pushes(dbsession)
    payload = json.loads(push.body)
    VALIDATOR.validate(payload)
    assert payload["event"] == "consultation.closed"
    assert payload["consultation"]["url"] == f"https://participation.example.ir/consultations/{ended.id}/"
