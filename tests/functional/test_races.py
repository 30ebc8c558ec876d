"""Races that the database must settle, each driven by parallel requests on PostgreSQL: sign-in guesses,
the same comment sent twice at once, the comment limit, visits closing an ended consultation, moderators
hiding the same comment, and codes asked for one messenger chat.

Like tests/functional/test_vote_concurrency.py, these commit for real (each thread has its own connection, as
parallel requests would) and delete what they made afterwards. On SQLite every writer waits for the one before
(BEGIN IMMEDIATE), so there is no race to lose: the rules themselves are tested on both databases in
tests/functional/test_participation.py, tests/functional/test_accounts.py and tests/unit/test_accounts_rules.py.
"""

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import webtest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from eparticipation.accounts.models import LoginAttempt, User
from eparticipation.agencies.models import Agency
from eparticipation.audit.models import AuditEntry
from eparticipation.consultations.models import Draft, State, WorkflowEvent
from eparticipation.db import utcnow
from eparticipation.messaging.models import MessengerLinkCode
from eparticipation.messaging.settings import messaging_config
from eparticipation.participation import services
from eparticipation.participation.models import Comment, CommentState, HidingReason, ModerationAct

from ..conftest import TestApp
from ..factories import TEST_PASSWORD, make_agency, make_comment, make_draft, make_user, recount, take_back_points
from .test_messaging_pages import chat_form

THREADS = 20
ATTACKER, OWNER = "198.51.100.66", "203.0.113.77"


@pytest.fixture
def on_postgresql(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every writer (BEGIN IMMEDIATE): parallel requests cannot race there")


@pytest.fixture
def committed(engine, on_postgresql):
    """An open consultation, one that ended yesterday, a participant with a comment, and the agency's editor."""
    with Session(engine) as session:
        agency = make_agency(session, code="races")
        draft = make_draft(session, agency, state="consultation", opens_at=utcnow() - timedelta(days=1))
        ended = make_draft(session, agency, state="consultation", opens_at=utcnow() - timedelta(days=31),
                           closes_at=utcnow() - timedelta(days=1))
        citizen = make_user(session, email="racer@example.org")
        author = make_user(session, email="racer-author@example.org")
        editor = make_user(session, email="racer-editor@example.org", grants=[("editor", agency)])
        other = make_user(session, email="racer-other@example.org")
        comment = make_comment(session, draft, author, body="نظری که دو ناظر با هم پنهانش می‌کنند")
        session.commit()
        ids = SimpleNamespace(agency=agency.id, draft=draft.id, ended=ended.id, citizen=citizen.id,
                              author=author.id, editor=editor.id, other=other.id, comment=comment.id,
                              emails=["racer@example.org", "racer-other@example.org"])
    yield ids
    users = [ids.citizen, ids.author, ids.editor, ids.other]
    with Session(engine) as session:
        # The audit log refuses DELETE; what these tests appended is taken back with its trigger off.
        session.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        session.execute(sa.delete(AuditEntry).where(AuditEntry.draft_id.in_([ids.draft, ids.ended])))
        session.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
        take_back_points(session, users)
        session.execute(sa.delete(Draft).where(Draft.id.in_([ids.draft, ids.ended])))
        session.execute(sa.delete(LoginAttempt).where(LoginAttempt.email.in_(ids.emails)))
        if sa.inspect(session.connection()).has_table("rate_counters"):
            session.execute(sa.text("DELETE FROM rate_counters WHERE subject IN :people OR subject LIKE 'racer%' OR action = 'messenger_link' "
                                    "OR subject IN :addresses")
                            .bindparams(sa.bindparam("people", expanding=True),
                                        sa.bindparam("addresses", expanding=True)),
                            {"people": [str(u) for u in users], "addresses": [ATTACKER, OWNER]})
        session.execute(sa.delete(User).where(User.id.in_(users)))
        session.execute(sa.delete(Agency).where(Agency.id == ids.agency))
        recount(session)
        session.commit()


def in_parallel(work, count=THREADS):
    """`work(n)` in `count` threads started at once; what each returned or raised, in order."""
    barrier, outcomes = threading.Barrier(count), [None] * count

    def run(n):
        barrier.wait()
        try:
            outcomes[n] = work(n)
        except Exception as error:  # noqa: BLE001 - what a thread raised is the test's finding
            outcomes[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def in_own_transaction(engine, app, user_id, action):
    """`action(request, session)` as one request of `user_id` would run it: its own connection, committed."""
    with Session(engine) as session:
        request = SimpleNamespace(dbsession=session, now=utcnow(), identity=session.get(User, user_id),
                                  registry=app.registry)
        try:
            result = action(request, session)
            session.commit()
            return result
        except Exception:
            session.rollback()
            raise


class SignInPage:
    """A browser at one address, with the sign-in form open (its CSRF token in its session)."""

    def __init__(self, app, address):
        self.browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com", "REMOTE_ADDR": address})
        self.form = self.browser.get("/login?_LOCALE_=en").forms["login"]

    def submit(self, email, password):
        self.form["email"], self.form["password"] = email, password
        return self.form.submit("login", expect_errors=True)


@pytest.fixture
def password_checks(monkeypatch):
    """How many times a password was checked against its hash."""
    checks, lock, verify = [], threading.Lock(), PasswordHasher.verify

    def counted(self, hash, password):
        with lock:
            checks.append(password)
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return checks


def test_parallel_guesses_are_counted_before_their_passwords_are_checked(app, committed, password_checks):
    pages = [SignInPage(app, ATTACKER) for _ in range(THREADS)]
    answers = in_parallel(lambda n: pages[n].submit("racer@example.org", f"guess number {n}"))
    statuses = sorted(answer.status_int for answer in answers)
    limit = app.registry.settings["eparticipation.login_throttle.max_failures"]
    assert len(password_checks) <= limit, f"{len(password_checks)} of {THREADS} guesses checked (limit {limit})"
    assert statuses.count(429) >= THREADS - limit
    refused = next(answer for answer in answers if answer.status_int == 429)
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-in attempts" in refused.text

    # The owner, from an address that has not failed, is let in while the attacker's address is kept out.
    assert SignInPage(app, ATTACKER).submit("racer@example.org", TEST_PASSWORD).status_int == 429
    assert SignInPage(app, OWNER).submit("racer@example.org", TEST_PASSWORD).status_int == 303

    # The attacker's address is throttled on every account, not only the one it guessed at.
    other = SignInPage(app, ATTACKER).submit("racer-other@example.org", "another guess")
    assert other.status_int == 429 and "from your network" in other.text


def test_the_same_comment_sent_at_once_is_stored_once(app, engine, committed):
    body = "این ماده باید با قانون مالیات‌های مستقیم هماهنگ شود"

    def send(n):
        # Spelt the ways keyboards differ (Arabic yeh and kaf, a joiner, spaces): one text to the reader.
        typed = body if n % 2 else body.replace("ی", "ي").replace("ک", "ك").replace(" ", "  ")
        return in_own_transaction(engine, app, committed.citizen, lambda request, session: services.add_comment(
            request, session.get(Draft, committed.draft), typed, None).id)

    outcomes = in_parallel(send)
    with Session(engine) as session:
        stored = session.scalars(sa.select(Comment.id).where(Comment.author_id == committed.citizen)).all()
    assert len(stored) == 1, f"{len(stored)} rows from {THREADS} parallel sends of one comment"
    unexpected = [o for o in outcomes if not isinstance(o, (int, services.AlreadySent, services.Refused))]
    assert unexpected == []  # no IntegrityError: each sender is told, none gets an error page
    assert all(o.comment_id == stored[0] for o in outcomes if isinstance(o, services.AlreadySent))


def test_parallel_comments_stay_within_the_limit(app, engine, committed):
    def send(n):
        return in_own_transaction(engine, app, committed.citizen, lambda request, session: services.add_comment(
            request, session.get(Draft, committed.draft), f"نظر شمارهٔ {n} دربارهٔ این پیش‌نویس", None).id)

    outcomes = in_parallel(send)
    with Session(engine) as session:
        stored = session.scalar(sa.select(sa.func.count(Comment.id)).where(Comment.author_id == committed.citizen))
    assert stored == 10, f"{stored} comments stored of {THREADS} sent at once (limit 10)"
    refused = [o for o in outcomes if isinstance(o, services.Refused)]
    assert len(refused) == THREADS - stored and {r.status for r in refused} == {429}
    assert all(r.retry_after > 0 for r in refused)


def test_visits_after_the_end_close_the_consultation_once(app, engine, committed):
    visitors = [webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}) for _ in range(THREADS)]
    answers = in_parallel(lambda n: visitors[n].get(f"/consultations/{committed.ended}/", expect_errors=True))
    assert sorted({a.status_int for a in answers}) == [200]
    with Session(engine) as session:
        closings = session.scalar(sa.select(sa.func.count(WorkflowEvent.id)).where(
            WorkflowEvent.draft_id == committed.ended, WorkflowEvent.transition == "close"))
        audited = session.scalar(sa.select(sa.func.count(AuditEntry.seq)).where(
            AuditEntry.draft_id == committed.ended, AuditEntry.action == "draft.close"))
        assert session.get(Draft, committed.ended).state == State.closed
    assert (closings, audited) == (1, 1), f"{closings} close transitions and {audited} audit entries"


def test_moderators_hiding_one_comment_at_once_hide_it_once(app, engine, committed):
    def hide(n):
        def act(request, session):
            comment = session.get(Comment, committed.comment)
            services.hide_comment(request, comment, session.get(Draft, committed.draft), HidingReason.abuse,
                                  f"Insults, noticed by moderator {n}")
        return in_own_transaction(engine, app, committed.editor, act)

    outcomes = in_parallel(hide, count=10)
    with Session(engine) as session:
        acts = session.scalar(sa.select(sa.func.count(ModerationAct.id)).where(
            ModerationAct.comment_id == committed.comment))
        audited = session.scalar(sa.select(sa.func.count(AuditEntry.seq)).where(
            AuditEntry.draft_id == committed.draft, AuditEntry.action == "comment.hide"))
        comment = session.get(Comment, committed.comment)
        assert comment.state == CommentState.hidden
    assert (acts, audited) == (1, 1), f"{acts} moderation acts and {audited} audit entries"
    told = [o for o in outcomes if isinstance(o, services.Refused)]
    assert len(told) == 9 and {str(t.message) for t in told} == {"This comment is already hidden."}
    assert comment.hidden_reason in {f"Insults, noticed by moderator {n}" for n in range(10)}


def test_parallel_link_requests_for_one_chat_stay_within_the_limit(app, engine, committed):
    """One person's browser tabs typing one chat id at once: no more codes go to that chat than the limit."""
    tabs = [TestApp(app, extra_environ={"HTTP_HOST": "example.com", "REMOTE_ADDR": OWNER}) for _ in range(THREADS)]
    tabs[0].login("racer@example.org")
    forms = []
    for tab in tabs:
        tab.cookiejar = tabs[0].cookiejar  # the same session in every tab
        form = chat_form(tab.get("/me/messengers?_LOCALE_=en"), "eitaa")
        form["chat_id"] = "42424242"
        forms.append(form)
    answers = in_parallel(lambda n: forms[n].submit("action", expect_errors=True))
    with Session(engine) as session:
        sent = session.scalar(sa.select(sa.func.count(MessengerLinkCode.id))
                              .where(MessengerLinkCode.user_id == committed.citizen))
    limit = messaging_config(app.registry).link_rate_max
    assert sent == limit, f"{sent} codes sent to one chat of {THREADS} asked at once (limit {limit})"
    statuses = sorted(answer.status_int for answer in answers)
    assert statuses == [303] * limit + [429] * (THREADS - limit)
