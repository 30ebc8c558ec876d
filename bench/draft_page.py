#!/usr/bin/env python
"""Benchmark of the draft page (/consultations/<id>/) against a bare Pyramid view, on PostgreSQL.

    .venv/bin/python bench/draft_page.py [--seconds 10] [--threads 4] [--database-url URL] [--json]

It (re)builds the benchmark database with Alembic, seeds one consultation, serves a bare Pyramid app
(/bare) and the real application (every other path) from one waitress server in this process, loads
them from client threads with keep-alive connections, then grows the draft to 20,000 comments and
compares the first page of comments with the deepest one (and the middle one). It reports numbers and
whether each goal is met; it exits 0 when a goal is missed (printing MISSED), and 1 when the benchmark
itself fails (a response that is not 200, a database that cannot be reached). See bench/README.md.

Not a test: the name has no test_ prefix and the file lives outside tests/, so pytest never collects it.
"""

import argparse
import contextlib
import cProfile
import hashlib
import html
import http.client
import io
import json
import logging
import multiprocessing
import os
import platform
import pstats
import re
import statistics
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")  # pyramid's, as in setup.cfg

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402
import waitress  # noqa: E402
from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from pyramid.config import Configurator  # noqa: E402
from pyramid.response import Response  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from webob import Request  # noqa: E402

from eparticipation import main as make_app  # noqa: E402
from eparticipation.accounts.models import StakeholderCategory, User  # noqa: E402
from eparticipation.accounts.services import hash_password  # noqa: E402
from eparticipation.agencies.models import Agency, Unit, UnitKind  # noqa: E402
from eparticipation.consultations.models import (  # noqa: E402
    Article,
    ConsultedArticle,
    DocumentType,
    Draft,
    DraftText,
    State,
)
from eparticipation.db import get_engine, utcnow  # noqa: E402
from eparticipation.models import Base  # noqa: E402, F401  (every table in the metadata)
from eparticipation.participation.models import (  # noqa: E402
    Comment,
    CommentState,
    CommentSupport,
    HidingReason,
    Vote,
    VoteChoice,
)
from eparticipation.participation.services import COMMENTS_PER_PAGE, fingerprint  # noqa: E402
from eparticipation.text import normalise  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/eparticipation_bench"
PASSWORD = "bench-pass-1405"
SEED_PARTICIPANTS = 50
SEED_COMMENTS = 50
ARTICLES = 10
CHUNK = 5000

# The goals (bench/README.md).
GOAL_SHARE_OF_BARE = 0.10  # the draft page serves at least 10 % of the bare view's requests per second
GOAL_DEEP_FACTOR = 2.0  # the deepest page of comments costs at most twice the first

NEXT_LINK = re.compile(r'<a\b[^>]*\brel="next"[^>]*\bhref="([^"]+)"|<a\b[^>]*\bhref="([^"]+)"[^>]*\brel="next"')
COMMENT_ANCHOR = re.compile(r'<article\b[^>]*\bid="comment-(\d+)"')
CSRF_INPUT = re.compile(
    r'<input\b[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]*)"|<input\b[^>]*\bvalue="([^"]*)"[^>]*\bname="csrf_token"'
)

BODY_WORDS = (
    "به نظر اینجانب این ماده باید روشن‌تر نوشته شود و مهلت اجرای آن برای کسب‌وکارهای کوچک دست‌کم شش ماه "
    "افزایش یابد؛ همچنین سازوکار اعتراض به تصمیم دستگاه و مرجع رسیدگی به آن در متن پیش‌بینی نشده است."
).split()


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- the database ---------------------------------------------------------------------------------------


def ensure_database(url: sa.URL):
    """Create the benchmark database if it does not exist (from the server's `postgres` database)."""
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if not exists:
                log(f"creating database {url.database}")
                quoted = connection.dialect.identifier_preparer.quote(url.database)
                connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
    finally:
        admin.dispose()


def rebuild_schema(engine):
    """Drop every table there is (whatever version of the schema left it), then `alembic upgrade heads`
    from development.ini's [alembic] section on our connection, as tests/conftest.py does."""
    with engine.begin() as connection:
        existing = sa.MetaData()
        existing.reflect(connection)
        existing.drop_all(connection)
    with engine.begin() as connection:
        config = Config(str(PROJECT / "development.ini"))
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def participant_email(number: int) -> str:
    return f"participant{number:02d}@bench.example.org"


def comment_body(number: int) -> str:
    """A Persian comment of a plausible length (about 150–400 characters), different for each number."""
    length = 25 + number % 40
    words = [BODY_WORDS[(number * 7 + i) % len(BODY_WORDS)] for i in range(length)]
    return f"نظر شماره {number}: " + " ".join(words)


@dataclass
class Seeded:
    draft_id: int
    article_ids: list[int]
    password_hash: str


def seed(engine) -> Seeded:
    """One agency, one draft in consultation (opened yesterday, 30 days, 10 consulted articles), 50
    participants with one visible comment each (some on articles, some supported), a few votes."""
    now = utcnow()
    opens = now - timedelta(days=1)
    password_hash = hash_password(PASSWORD)
    with Session(engine) as session, session.begin():
        agency = Agency(code="bench", name_fa="دستگاه آزمون کارایی", name_en="Benchmark agency")
        agency.units.append(Unit(kind=UnitKind.drafting, name_fa="دفتر تدوین", name_en="Drafting office"))
        agency.units.append(Unit(kind=UnitKind.public_relations, name_fa="روابط عمومی", name_en="Public relations"))
        session.add(agency)
        session.flush()

        title_fa, title_en = "آیین‌نامه اجرایی گواهی‌های مشارکت الکترونیکی", "Bylaw on e-participation certificates"
        article_text = " ".join(BODY_WORDS * 3)
        draft = Draft(
            agency_id=agency.id, drafting_unit_id=agency.units[0].id, document_type=DocumentType.bylaw,
            state=State.consultation, created_at=opens - timedelta(days=7), updated_at=opens,
            opens_at=opens, closes_at=opens + timedelta(days=30), listed_at=opens,
        )
        draft.texts["fa"] = DraftText(language="fa", title=title_fa, summary=" ".join(BODY_WORDS),
                                      call="از همه شهروندان دعوت می‌شود نظر خود را درباره این پیش‌نویس بفرستند.")
        draft.texts["en"] = DraftText(language="en", title=title_en, summary="The bylaw, summarised.",
                                      call="Everyone is invited to comment on this draft.")
        draft.articles = [
            Article(number=str(n), position=n, heading=f"ماده {n}", text=f"{article_text} {n}", notes=[])
            for n in range(1, ARTICLES + 1)
        ]
        draft.consulted_articles = [
            ConsultedArticle(number=a.number, position=a.position, heading=a.heading, text=a.text, notes=[])
            for a in draft.articles
        ]
        draft.search_text = normalise(" ".join([title_fa, title_en, article_text]))
        session.add(draft)
        session.flush()
        articles = draft.consulted_articles

        categories = list(StakeholderCategory)
        users = [
            User(email=participant_email(n),
                 password_hash=password_hash, display_name=f"شرکت‌کننده {n}",
                 stakeholder_category=categories[n % len(categories)], created_at=opens - timedelta(days=30))
            for n in range(1, SEED_PARTICIPANTS + 1)
        ]
        session.add_all(users)
        session.flush()

        comments = []
        for i in range(SEED_COMMENTS):
            moment = now - timedelta(minutes=2 * (SEED_COMMENTS - i))  # the newest last
            body = comment_body(i)
            comments.append(Comment(
                draft_id=draft.id, author_id=users[i].id, body=body, fingerprint=fingerprint(body),
                article_id=articles[i % ARTICLES].id if i % 2 == 0 else None,  # half on an article
                stakeholder_category=users[i].stakeholder_category, state=CommentState.visible,
                created_at=moment, updated_at=moment,
            ))
        session.add_all(comments)
        session.flush()

        supports = []
        for i, comment in enumerate(comments):
            supporters = {(i + j) % SEED_PARTICIPANTS for j in range(1, (i * 7) % 11 + 1)}  # 0 to 10 each
            if i % 3 == 1:
                supporters.add(0)  # the signed-in participant supports some of the first page's comments
            supporters.discard(i)  # nobody supports their own
            for s in sorted(supporters):
                supports.append(CommentSupport(comment_id=comment.id, user_id=users[s].id, supported_at=now))
            comment.support_count = len(supporters)
        session.add_all(supports)

        choices = list(VoteChoice)
        session.add_all(
            Vote(draft_id=draft.id, user_id=users[n].id, choice=choices[n % 3], cast_at=now, updated_at=now)
            for n in range(12)
        )
        session.flush()
        return Seeded(draft.id, [a.id for a in articles], password_hash)


def grow(engine, seeded: Seeded, total_comments: int, total_users: int) -> dict:
    """Bulk-insert users (up to `total_users`) and comments (up to `total_comments` on the draft), in
    chunks of 5,000, older than the seeded ones; about 1 % withdrawn and 1 % hidden, like a real draft."""
    started = time.perf_counter()
    with engine.begin() as connection:
        have_users = connection.scalar(sa.select(sa.func.count(User.id)))
        now = utcnow()
        rows = [
            {"email": f"bulk{n:05d}@bench.example.org", "password_hash": seeded.password_hash,
             "display_name": f"شرکت‌کننده {n}", "locale": "fa", "is_active": True, "created_at": now}
            for n in range(have_users + 1, total_users + 1)
        ]
        for start in range(0, len(rows), CHUNK):
            connection.execute(sa.insert(User), rows[start:start + CHUNK])
        author_ids = connection.scalars(sa.select(User.id).order_by(User.id)).all()

        have_comments, oldest, opens = connection.execute(
            sa.select(sa.func.count(Comment.id), sa.func.min(Comment.created_at), Draft.opens_at)
            .join(Draft, Draft.id == Comment.draft_id).where(Comment.draft_id == seeded.draft_id)
            .group_by(Draft.opens_at)
        ).one()
        new = max(0, total_comments - have_comments)
        step = (oldest - opens) / (new + 1)
        rows = []
        for k in range(new):
            number = SEED_COMMENTS + k
            moment = opens + step * (k + 1)
            state = CommentState.visible
            hidden_category = hidden_reason = None
            if k % 97 == 13:
                state = CommentState.withdrawn
            elif k % 89 == 7:
                state, hidden_category, hidden_reason = CommentState.hidden, HidingReason.spam, "تبلیغ تکراری"
            rows.append({
                "draft_id": seeded.draft_id,
                "article_id": seeded.article_ids[k % ARTICLES] if k % 3 == 0 else None,
                "author_id": author_ids[k % len(author_ids)],
                "body": comment_body(number),
                "fingerprint": hashlib.sha256(f"bench-comment-{number}".encode()).hexdigest(),
                "anonymous": k % 17 == 0,
                "state": state,
                "hidden_category": hidden_category,
                "hidden_reason": hidden_reason,
                "support_count": 0,
                "created_at": moment,
                "updated_at": moment,
            })
        for start in range(0, len(rows), CHUNK):
            connection.execute(sa.insert(Comment), rows[start:start + CHUNK])
        counts = dict(connection.execute(
            sa.select(Comment.state, sa.func.count(Comment.id)).where(Comment.draft_id == seeded.draft_id)
            .group_by(Comment.state)
        ).all())
    return {
        "users": len(author_ids),
        "comments": sum(counts.values()),
        "listed": sum(n for state, n in counts.items() if state != CommentState.withdrawn),
        "withdrawn": counts.get(CommentState.withdrawn, 0),
        "hidden": counts.get(CommentState.hidden, 0),
        "insert_seconds": round(time.perf_counter() - started, 2),
    }


def analyze(engine):
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")


# --- the server -----------------------------------------------------------------------------------------


def bare_app():
    """Pyramid with one view and nothing else: the floor of what any Pyramid page costs here."""

    def ok(request):
        return Response("ok")

    with Configurator() as config:
        config.add_route("bare", "/bare")
        config.add_view(ok, route_name="bare")
    return config.make_wsgi_app()


def app_settings(database_url: str, files_dir: str) -> dict:
    """As tests/conftest.py's app_settings, on the benchmark database, with the page cache of the ini files."""
    return {
        "sqlalchemy.url": database_url,
        "pyramid.default_locale_name": "fa",
        "eparticipation.locale_dir": str(PROJECT / "locale"),
        "eparticipation.available_languages": "fa en",
        "eparticipation.session_secret": "bench-only-Tq7wJ2vN9xK4pR6sL1mZ8cH3yB5",
        "eparticipation.secure_cookies": "false",
        "eparticipation.login_throttle.max_failures": "5",
        "eparticipation.login_throttle.window_minutes": "15",
        "eparticipation.files_dir": files_dir,
        "retry.attempts": "3",
        # As development.ini and production.ini: anonymous visitors' draft pages are cached (pagecache.py).
        "eparticipation.page_cache.entries": "500",
        "eparticipation.page_cache.seconds": "60",
    }


def dispatcher(bare, real):
    def dispatch(environ, start_response):
        if environ.get("PATH_INFO") == "/bare":
            return bare(environ, start_response)
        return real(environ, start_response)

    return dispatch


def serve(app, threads: int):
    """One waitress server on a free port of 127.0.0.1, in a daemon thread."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" is expected under load
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads, ident="bench")
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    return server, server.effective_port


# --- the client -----------------------------------------------------------------------------------------


class BenchError(Exception):
    """The benchmark could not measure (a response that is not 200, a missing link): not a missed goal."""


def session_from(set_cookie_headers) -> str | None:
    for header in set_cookie_headers or []:
        name, _, rest = header.partition("=")
        if name.strip() == "session":
            return rest.split(";", 1)[0]
    return None


def session_cookie(response) -> str | None:
    return session_from(response.msg.get_all("Set-Cookie"))


def get(port, path, cookie=None) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        body = response.read().decode("utf-8")
        if response.status != 200:
            raise BenchError(f"GET {path}: {response.status} {response.reason}\n{body[:2000]}")
        return body
    finally:
        connection.close()


def sign_in(port, email, password) -> str:
    """Sign in through /login as a browser does; returns the Cookie header that carries the session."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", "/login")
        response = connection.getresponse()
        page = response.read().decode("utf-8")
        if response.status != 200:
            raise BenchError(f"GET /login: {response.status}")
        cookie = session_cookie(response)
        match = CSRF_INPUT.search(page)
        if cookie is None or match is None:
            raise BenchError("the sign-in form gave no session cookie or no csrf_token")
        form = urlencode({
            "__formid__": "login", "csrf_token": html.unescape(match.group(1) or match.group(2)),
            "email": email, "password": password, "login": "login",
        })
        connection.request("POST", "/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"session={cookie}",
        })
        response = connection.getresponse()
        response.read()
        signed_in = session_cookie(response)
        if response.status != 303 or signed_in is None:
            raise BenchError(f"POST /login: {response.status}, session cookie {'set' if signed_in else 'missing'}")
        return f"session={signed_in}"
    finally:
        connection.close()


@dataclass
class Measurement:
    label: str
    path: str
    comments: int | None
    requests: int
    seconds: float
    rate: float  # requests per second
    median_ms: float
    p95_ms: float
    mean_ms: float
    response_bytes: int
    sets_cookie: float = 0.0  # share of the responses that set the session cookie
    statements: int | None = None  # SQL statements per request (one request, measured apart)
    share_of_bare: float | None = None


def hammer(port, path, cookies, seconds, threads):
    """`threads` clients, each on one keep-alive connection, sending requests one after the other until
    `seconds` have passed: each client's latencies (s) and busy time (from the start to its last response,
    s), and the size of one response. Like a browser, each client sends back the session cookie it is
    given (client i's first request carries `cookies[i % len(cookies)]`: a different person for each client
    when there are as many cookies as clients; none when `cookies` is empty). A client's rate, its requests ÷ its busy time, has no bias from the
    requests still running at the deadline; the clients' rates add up to the server's."""
    start = time.perf_counter() + 0.05
    deadline = start + seconds
    latencies = [[] for _ in range(threads)]
    finished = [start] * threads
    sizes = [0] * threads
    renewals = [0] * threads  # responses that set the session cookie
    errors = []

    def client(index):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = latencies[index]
        headers = {"Cookie": cookies[index % len(cookies)]} if cookies else {}
        try:
            time.sleep(max(0.0, start - time.perf_counter()))
            while True:
                began = time.perf_counter()
                if began >= deadline:
                    break
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                ended = time.perf_counter()
                if response.status != 200:
                    errors.append(f"GET {path}: {response.status} {response.reason}\n{body[:1000]!r}")
                    return
                mine.append(ended - began)
                finished[index], sizes[index] = ended, len(body)
                renewed = session_cookie(response)
                if renewed:  # as a browser does: the next request sends the session cookie it was given
                    headers = {"Cookie": f"session={renewed}"}
                    renewals[index] += 1
        except Exception as error:  # noqa: BLE001 - reported below, the run stops
            errors.append(f"GET {path}: {error!r}")
        finally:
            connection.close()

    workers = [threading.Thread(target=client, args=(i,), name=f"client-{i}") for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise BenchError(errors[0])
    return latencies, [end - start for end in finished], max(sizes), sum(renewals)


@dataclass
class Scenario:
    label: str
    path: str
    cookies: tuple[str, ...] = ()  # signed-in people, one per client in turn; () for an anonymous visitor
    comments: int | None = None


def measure(scenarios: list[Scenario], port, seconds, threads, warmup, rounds, client=None) -> list[Measurement]:
    """Warm each scenario up, then load each for `seconds` in all, in `rounds` interleaved slices (A B C A B
    C …), so that a change in the machine's load from elsewhere weighs on all of them alike and the ratios
    between them stay fair. The clients run in this process (sharing the server's GIL), or in the process
    behind `client` (a ProcessPoolExecutor: --client-process)."""

    def load(scenario, duration):
        if client is None:
            return hammer(port, scenario.path, scenario.cookies, duration, threads)
        return client.submit(hammer, port, scenario.path, scenario.cookies, duration, threads).result()

    for scenario in scenarios:
        log(f"  {scenario.label}: {scenario.path}")
        if warmup:
            load(scenario, warmup)
    log(f"  measuring: {rounds} rounds of {seconds / rounds:g} s per scenario, {threads} clients")
    latencies = [[[] for _ in range(threads)] for _ in scenarios]  # [scenario][client] -> seconds
    busy = [[0.0] * threads for _ in scenarios]
    sizes = [0] * len(scenarios)
    renewals = [0] * len(scenarios)
    for _ in range(rounds):
        for i, scenario in enumerate(scenarios):
            some, took, size, renewed = load(scenario, seconds / rounds)
            renewals[i] += renewed
            for c in range(threads):
                latencies[i][c] += some[c]
                busy[i][c] += took[c]
            sizes[i] = max(sizes[i], size)
    measurements = []
    for scenario, per_client, busy_client, size, renewed in zip(scenarios, latencies, busy, sizes, renewals):
        mine = sorted(x for client in per_client for x in client)
        if not mine:
            raise BenchError(f"no response from {scenario.path} in {seconds} s")
        rate = sum(len(client) / took for client, took in zip(per_client, busy_client) if took > 0)
        p95 = mine[min(len(mine) - 1, int(round(0.95 * (len(mine) - 1))))]
        measurements.append(Measurement(
            label=scenario.label, path=scenario.path, comments=scenario.comments, requests=len(mine),
            seconds=round(max(busy_client), 3), rate=round(rate, 1),
            median_ms=round(statistics.median(mine) * 1000, 2), p95_ms=round(p95 * 1000, 2),
            mean_ms=round(statistics.fmean(mine) * 1000, 2), response_bytes=size,
            sets_cookie=round(renewed / len(mine), 3),
        ))
    return measurements


# --- in process: statements per request, time in SQL, profile ------------------------------------------


class StatementCounter:
    """SQL statements and the time the database took for each, on the app's engine."""

    def __init__(self, engine):
        self.engine = engine
        self.statements = []  # (statement, seconds, when it ended)
        self._started = threading.local()

    def before(self, conn, cursor, statement, parameters, context, executemany):
        self._started.at = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        now = time.perf_counter()
        self.statements.append((statement, now - self._started.at, now))

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self.before)
        sa.event.listen(self.engine, "after_cursor_execute", self.after)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self.before)
        sa.event.remove(self.engine, "after_cursor_execute", self.after)


class Browser:
    """Requests through the WSGI app in process, keeping the session cookie it is given, as a browser
    (and the HTTP clients) do."""

    def __init__(self, app, cookie=None):
        self.app, self.cookie = app, cookie

    def get(self, path):
        request = Request.blank(path, headers={"Cookie": self.cookie} if self.cookie else {})
        response = request.get_response(self.app)
        if response.status_int != 200:
            raise BenchError(f"in process GET {path}: {response.status}")
        renewed = session_from(response.headers.getall("Set-Cookie"))
        if renewed:
            self.cookie = f"session={renewed}"
        return response


class PhaseClock:
    """Marks the moments of each request in an app: when Pyramid starts handling it (NewRequest, inside
    the tweens), when traversal has found the context (ContextFound), when the view has returned its
    values (BeforeRender), when the template is rendered (the transaction's before-commit hook) and when
    the transaction has committed. Registered on a second instance of the app, used one request at a
    time: the app measured over HTTP has no such subscribers."""

    PHASES = [
        ("start", "new_request", "request set-up, tweens (retry, headers, tm begin)"),
        ("new_request", "context_found", "traversal (finds the draft)"),
        ("context_found", "before_render", "permission check + view function"),
        ("before_render", "render_done", "template rendering"),
        ("render_done", "committed", "transaction commit"),
        ("committed", "end", "tweens unwinding, response"),
    ]

    def __init__(self, app):
        from pyramid.interfaces import IBeforeRender, IContextFound, INewRequest

        self.marks = {}
        app.registry.registerHandler(self._new_request, (INewRequest,))
        app.registry.registerHandler(lambda event: self.mark("context_found"), (IContextFound,))
        app.registry.registerHandler(lambda event: self.mark("before_render"), (IBeforeRender,))

    def mark(self, name):
        self.marks[name] = time.perf_counter()

    def _new_request(self, event):
        self.mark("new_request")
        transaction = event.request.tm.get()
        transaction.addBeforeCommitHook(self.mark, ("render_done",))
        transaction.addAfterCommitHook(lambda status: self.mark("committed"))


def breakdown(label, app, path, cookie=None, repeat=30, clock=None) -> dict:
    """Sequential requests through the WSGI app, no HTTP, no concurrency: wall time per request, the
    statements it sends with the time each takes (from the cursor's execute to its result), and with a
    PhaseClock on the app, the time and SQL of each phase of the request."""
    browser = Browser(app, cookie)
    for _ in range(3):
        browser.get(path)
    engine = app.registry["db_engine"] if "db_engine" in app.registry else None
    counter = StatementCounter(engine) if engine is not None else None
    if counter is not None:
        counter.__enter__()
    phase_ms = [0.0] * len(PhaseClock.PHASES)
    phase_sql = [[0, 0.0] for _ in PhaseClock.PHASES]
    try:
        wall = 0.0
        for _ in range(repeat):
            first = len(counter.statements) if counter is not None else 0
            if clock is not None:
                clock.marks = {}
            started = time.perf_counter()
            browser.get(path)
            ended = time.perf_counter()
            wall += ended - started
            if clock is None:
                continue
            marks = {**clock.marks, "start": started, "end": ended}
            for i, (begin, end, _) in enumerate(PhaseClock.PHASES):
                if begin in marks and end in marks:
                    phase_ms[i] += marks[end] - marks[begin]
            for _, seconds, at in counter.statements[first:]:
                for i, (begin, end, _) in enumerate(PhaseClock.PHASES):
                    if marks.get(begin, started) <= at <= marks.get(end, ended):
                        phase_sql[i][0] += 1
                        phase_sql[i][1] += seconds
                        break
    finally:
        if counter is not None:
            counter.__exit__()
    statements = counter.statements if counter is not None else []
    per = len(statements) // repeat
    by_text = {}
    for statement, seconds, _ in statements:
        by_text.setdefault(" ".join(statement.split()), []).append(seconds)
    result = {
        "label": label,
        "path": path,
        "signed_in": bool(cookie),
        "ms_per_request": round(wall / repeat * 1000, 3),
        "sql_ms_per_request": round(sum(s for _, s, _ in statements) / repeat * 1000, 2),
        "statements_per_request": per,
        "statements": [
            {"sql": text[:300], "per_request": len(times) // repeat,
             "mean_ms": round(statistics.fmean(times) * 1000, 2)}
            for text, times in by_text.items()
        ],
    }
    if clock is not None:
        result["phases"] = [
            {"phase": name, "ms": round(phase_ms[i] / repeat * 1000, 2),
             "sql_statements": round(phase_sql[i][0] / repeat, 1), "sql_ms": round(phase_sql[i][1] / repeat * 1000, 2)}
            for i, (_, _, name) in enumerate(PhaseClock.PHASES)
        ]
    return result


# Where a request's time goes, from cProfile's cumulative times (the parts overlap where noted).
PHASES = [
    ("traversal (finds the draft: 1 statement)", "pyramid/traversal.py", "__call__"),
    ("view draft_page() (includes its SQL)", "eparticipation/consultations/views.py", "draft_page"),
    ("  of which draft_participation()", "eparticipation/participation/views.py", "draft_participation"),
    ("  of which comments_page()", "eparticipation/participation/services.py", "comments_page"),
    ("  of which participation_summary()", "eparticipation/participation/services.py", "participation_summary"),
    ("template rendering (includes lazy loads)", "pyramid/renderers.py", "render_view"),
    # Messages and dates are remembered (eparticipation/i18n.py): after the first request these count the
    # messages with a mapping, and dates not seen before.
    ("  of which translations (i18n.translate)", "eparticipation/i18n.py", "translate"),
    ("  of which dates not seen before (format_datetime)", "eparticipation/i18n.py", "format_datetime"),
    ("transaction commit", "transaction/_manager.py", "commit"),
    ("all SQL: cursor.execute (DBAPI)", "sqlalchemy/engine/default.py", "do_execute"),
    ("ORM: turning rows into objects", "sqlalchemy/orm/loading.py", "instances"),
]


def package_of(filename: str) -> str:
    """Who owns a profiled function: an installed package, the app, its compiled templates, …"""
    path = filename.replace(os.sep, "/")
    if path == "~":
        return "built-ins (str.join, isinstance, …)"
    if path.endswith(".jinja2"):
        return "templates (compiled .jinja2 code)"
    if path.startswith("<sqlalchemy"):
        return "sqlalchemy"
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if path == __file__ or path.endswith("/bench/draft_page.py"):
        return "this benchmark (the WSGI call)"
    if "/eparticipation/" in path:
        return "eparticipation (Python)"
    if path.startswith("<"):
        return "generated code"
    return "Python standard library"


def profile(app, path, cookie=None, repeat=50, top=20) -> dict:
    """cProfile of `repeat` in-process requests: the phases of a request, own time per package, and the top
    functions by their own time. (cProfile slows Python code more than waiting for the database: read
    shares, not ms.)"""
    browser = Browser(app, cookie)
    for _ in range(3):
        browser.get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    started = time.perf_counter()
    for _ in range(repeat):
        browser.get(path)
    total = time.perf_counter() - started
    profiler.disable()
    stats = pstats.Stats(profiler)
    phases = []
    for label, file_tail, function in PHASES:
        cumulative = sum(
            entry[3] for (filename, _, name), entry in stats.stats.items()
            if name == function and filename.replace(os.sep, "/").endswith(file_tail)
        )
        phases.append({"phase": label, "ms_per_request": round(cumulative / repeat * 1000, 2),
                       "share": round(cumulative / total, 3)})
    by_package, calls = {}, {}
    for (filename, _, _), entry in stats.stats.items():
        package = package_of(filename)
        by_package[package] = by_package.get(package, 0.0) + entry[2]
        calls[package] = calls.get(package, 0) + entry[1]
    own_total = sum(by_package.values()) or 1.0
    packages = [
        {"package": package, "ms_per_request": round(own / repeat * 1000, 2), "share": round(own / own_total, 3),
         "calls_per_request": calls[package] // repeat}
        for package, own in sorted(by_package.items(), key=lambda item: -item[1])
    ]
    out = io.StringIO()
    stats.stream = out
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    text = text[text.index("ncalls"):] if "ncalls" in text else text
    return {"path": path, "signed_in": bool(cookie), "requests": repeat,
            "ms_per_request_profiled": round(total / repeat * 1000, 2), "phases": phases, "packages": packages,
            "top_own_time": text}


# --- paging ---------------------------------------------------------------------------------------------


def walk_pages(port, first_path) -> dict:
    """Follow rel="next" from the first page to the last; every listed comment must be seen exactly once.
    The deepest page measured is the last one that is full (20 comments): the very last page may hold
    fewer, and would then be cheaper for that reason alone. The middle page is measured too: a keyset
    predicate that the index cannot bound costs most there (half the comments are newer than its cursor)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    seen, pages, path = [], 0, first_path
    full = []  # (page number, path) of the pages with 20 comments
    started = time.perf_counter()
    try:
        while path:
            connection.request("GET", path)
            response = connection.getresponse()
            page = response.read().decode("utf-8")
            if response.status != 200:
                raise BenchError(f"GET {path}: {response.status} while walking the pages")
            pages += 1
            ids = [int(i) for i in COMMENT_ANCHOR.findall(page)]
            seen.extend(ids)
            if len(ids) == COMMENTS_PER_PAGE:
                full.append((pages, path))
            match = NEXT_LINK.search(page)
            if match is None:
                break
            link = urlsplit(html.unescape(match.group(1) or match.group(2)))
            path = f"{link.path}?{link.query}"
    finally:
        connection.close()
    if not full:
        raise BenchError("no page of comments is full")
    deepest_page, deepest_path = full[-1]
    middle_page, middle_path = full[len(full) // 2]
    cursor = parse_qs(urlsplit(deepest_path).query).get("after", [""])[0]
    return {"pages": pages, "comments_seen": len(seen), "distinct": len(set(seen)), "deepest_page": deepest_page,
            "deepest_path": deepest_path, "deepest_cursor": cursor, "middle_page": middle_page,
            "middle_path": middle_path, "walk_seconds": round(time.perf_counter() - started, 1)}


# --- the report -----------------------------------------------------------------------------------------


def machine_facts(engine) -> dict:
    with engine.connect() as connection:
        server = connection.scalar(sa.text("SHOW server_version"))
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "postgresql": server,
        "sqlalchemy": sa.__version__,
        "waitress": getattr(waitress, "__version__", None) or _version("waitress"),
    }


def _version(package):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def goal(name, value, target, met, unit) -> dict:
    return {"goal": name, "value": value, "target": target, "met": met, "unit": unit}


def table(results: dict) -> str:
    m = results["machine"]
    run = results["run"]
    where = "in a second process" if run["client_process"] else "in the server's process"
    lines = [
        f"Draft page benchmark — {run['date']}",
        f"Command: {run['command']}",
        f"Machine: {m['cores']} cores, {m['platform']}, Python {m['python']}, PostgreSQL {m['postgresql']}, "
        f"SQLAlchemy {m['sqlalchemy']}, waitress {m['waitress']}",
        f"Run: {run['seconds']:g} s per scenario in {run['rounds']} interleaved rounds, after {run['warmup']:g} s "
        f"warm-up; {run['threads']} client threads "
        f"(keep-alive) {where}, waitress threads={run['server_threads']}; "
        f"load average {run['loadavg_start']} → {run['loadavg_end']}; "
        f"anonymous page cache {'on' if run.get('page_cache', True) else 'off (--no-page-cache)'}",
        "",
        f"{'scenario':<36} {'comments':>8} {'requests':>8} {'req/s':>8} {'median ms':>9} {'p95 ms':>8} "
        f"{'SQL/req':>7} {'KiB':>6} {'Set-Cookie':>10} {'% of bare':>9}",
    ]
    for r in results["measurements"]:
        share = f"{r['share_of_bare'] * 100:.1f} %" if r["share_of_bare"] is not None else ""
        lines.append(
            f"{r['label']:<36} {r['comments'] if r['comments'] is not None else '':>8} {r['requests']:>8} "
            f"{r['rate']:>8.1f} {r['median_ms']:>9.2f} {r['p95_ms']:>8.2f} "
            f"{r['statements'] if r['statements'] is not None else '':>7} {r['response_bytes'] / 1024:>6.1f} "
            f"{r['sets_cookie'] * 100:>8.0f} % {share:>9}"
        )
    walk = results.get("paging")
    if walk:
        lines += ["", f"Paging: {walk['comments']} comments ({walk['listed']} listed, {walk['withdrawn']} withdrawn, "
                      f"{walk['hidden']} hidden) by {walk['users']} users, inserted in {walk['insert_seconds']} s; "
                      f"walked {walk['pages']} pages ({walk['comments_seen']} comments seen, {walk['distinct']} "
                      f"distinct) in {walk['walk_seconds']} s; middle page #{walk['middle_page']}, deepest full page "
                      f"#{walk['deepest_page']}, "
                      f"cursor {walk['deepest_cursor']}"]
    lines += ["", "Goals:"]
    for g in results["goals"]:
        verdict = "for information" if g["met"] is None else "met" if g["met"] else "MISSED"
        lines.append(f"  {g['goal']:<60} {g['value']:>7}{g['unit']}  (target {g['target']}{g['unit']})  {verdict}")
    lines += ["", "In process (WSGI, no HTTP), one request at a time: ms per request, of which in SQL; its phases; "
                  "its statements:"]
    for b in results["breakdown"]:
        lines.append(f"  {b['label']:<36} {b['ms_per_request']:>8.2f} ms, SQL {b['sql_ms_per_request']:>6.2f} ms, "
                     f"{b['statements_per_request']} statements")
        for ph in b.get("phases", []):
            lines.append(f"      {ph['phase']:<50} {ph['ms']:>7.2f} ms, of which SQL {ph['sql_ms']:>6.2f} ms "
                         f"({ph['sql_statements']:g} statements)")
        for st in b["statements"]:
            lines.append(f"      {st['mean_ms']:>6.2f} ms × {st['per_request']}  {st['sql'][:110]}")
    for name, prof in results.get("profile", {}).items():
        lines += ["", f"Profile ({name}): {prof['requests']} requests to {prof['path']}"
                      f"{' signed in' if prof['signed_in'] else ''}, {prof['ms_per_request_profiled']} ms each "
                      "under cProfile; cumulative time per phase (parts overlap where indented):"]
        for ph in prof["phases"]:
            lines.append(f"  {ph['phase']:<44} {ph['ms_per_request']:>8.2f} ms  {ph['share'] * 100:>5.1f} %")
        lines.append("  own time by package (psycopg's includes waiting for PostgreSQL; cProfile adds a few µs to "
                     "every call, so packages with many calls look slower than they are):")
        for pk in prof["packages"][:12]:
            lines.append(f"    {pk['package']:<42} {pk['ms_per_request']:>8.2f} ms  {pk['share'] * 100:>5.1f} %  "
                         f"{pk['calls_per_request']:>6} calls/request")
        lines += ["  top functions by own time:", *("    " + x for x in prof["top_own_time"].rstrip().splitlines())]
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each measurement (default 10)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--server-threads", type=int, default=4, help="waitress threads (default 4)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="interleave the scenarios compared with each other in this many slices (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up before each measurement, s (default 1)")
    parser.add_argument("--database-url", default=DEFAULT_URL, help=f"PostgreSQL URL (default {DEFAULT_URL}); "
                        "the database is created if missing and its tables are DROPPED and rebuilt")
    parser.add_argument("--comments", type=int, default=20000, help="comments for the paging test (default 20000)")
    parser.add_argument("--users", type=int, default=2000, help="authors of those comments (default 2000)")
    parser.add_argument("--client-process", action="store_true",
                        help="run the client threads in a second process instead of the server's (they then do "
                             "not compete for its GIL; not the default, which the README's results use)")
    parser.add_argument("--no-page-cache", action="store_true",
                        help="turn off the cache of anonymous visitors' pages (eparticipation/pagecache.py), to "
                             "measure what rendering the page costs")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of the draft page even when the goals are met (always when missed)")
    return parser.parse_args(argv)


def run(args) -> dict:
    url = sa.make_url(args.database_url)
    if url.get_backend_name() != "postgresql":
        raise SystemExit("--database-url must be a PostgreSQL URL")
    ensure_database(url)
    files_dir = tempfile.mkdtemp(prefix="eparticipation-bench-")
    settings = app_settings(url.render_as_string(hide_password=False), files_dir)
    if args.no_page_cache:
        settings["eparticipation.page_cache.entries"] = "0"
    engine = get_engine(settings)
    loadavg_start = _loadavg()
    log(f"rebuilding the schema of {url.render_as_string(hide_password=True)} (alembic upgrade heads)")
    rebuild_schema(engine)
    seeded = seed(engine)
    analyze(engine)

    real = make_app({}, **settings)
    bare = bare_app()
    server, port = serve(dispatcher(bare, real), args.server_threads)
    log(f"serving on http://127.0.0.1:{port}/ (waitress threads={args.server_threads})")
    profiles = {}
    with contextlib.ExitStack() as stack:
        stack.callback(engine.dispose)
        stack.callback(lambda: real.registry["db_engine"].dispose())
        stack.callback(server.close)
        draft_path = f"/consultations/{seeded.draft_id}/"
        page = get(port, draft_path)
        if len(COMMENT_ANCHOR.findall(page)) != COMMENTS_PER_PAGE:
            raise BenchError(f"{draft_path} does not show {COMMENTS_PER_PAGE} comments")
        # One participant per client, who share one rendering of the page, each with their own parts: the
        # first has voted and supports some of the listed comments, the others wrote the newest comments.
        people = [1, *range(SEED_PARTICIPANTS - args.threads + 2, SEED_PARTICIPANTS + 1)]
        cookies = tuple(sign_in(port, participant_email(n), PASSWORD) for n in people)
        cookie = cookies[0]
        if "/logout" not in get(port, draft_path, cookie):
            raise BenchError("signed in, but the draft page does not show the sign-out form")

        def measure_(*scenarios):
            return measure(list(scenarios), port, args.seconds, args.threads, args.warmup, args.rounds, client)

        client = None
        if args.client_process:
            client = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            stack.callback(client.shutdown)

        log(f"measuring ({SEED_COMMENTS} comments)")
        bare_m, anon, signed = measure_(
            Scenario("bare Pyramid view (/bare)", "/bare"),
            Scenario("draft page, anonymous", draft_path, comments=SEED_COMMENTS),
            Scenario("draft page, signed in", draft_path, cookies, comments=SEED_COMMENTS),
        )
        for m in (anon, signed):
            m.share_of_bare = round(m.rate / bare_m.rate, 4)
        log("  statements, time in SQL and phases, in process")
        probe = make_app({}, **settings)  # a second instance, with the PhaseClock's subscribers
        stack.callback(lambda: probe.registry["db_engine"].dispose())
        clock = PhaseClock(probe)
        breakdowns = [
            breakdown("bare Pyramid view", bare, "/bare", repeat=300),
            breakdown(f"draft page, anonymous, {SEED_COMMENTS}", probe, draft_path, clock=clock),
            breakdown(f"draft page, signed in, {SEED_COMMENTS}", probe, draft_path, cookie, clock=clock),
        ]
        bare_m.statements = 0
        anon.statements = breakdowns[1]["statements_per_request"]
        signed.statements = breakdowns[2]["statements_per_request"]
        if args.profile or min(anon.share_of_bare, signed.share_of_bare) < GOAL_SHARE_OF_BARE:
            log("  profiling the draft page")
            profiles[f"anonymous, {SEED_COMMENTS} comments"] = profile(probe, draft_path)
            profiles[f"signed in, {SEED_COMMENTS} comments"] = profile(probe, draft_path, cookie)

        log(f"growing the draft to {args.comments} comments by {args.users} users")
        grown = grow(engine, seeded, args.comments, args.users)
        log(f"  {grown}")
        log("walking the pages (rel=next) to the deepest")
        walk = walk_pages(port, draft_path)
        if walk["comments_seen"] != grown["listed"] or walk["distinct"] != grown["listed"]:
            raise BenchError(f"walking the pages saw {walk['comments_seen']} comments ({walk['distinct']} distinct), "
                             f"not the {grown['listed']} listed")
        analyze(engine)
        log(f"measuring ({grown['comments']} comments: first, middle and deepest page)")
        first, middle, deepest = measure_(
            Scenario("draft page, first page", draft_path, comments=grown["comments"]),
            Scenario(f"draft page, middle page (#{walk['middle_page']})", walk["middle_path"],
                     comments=grown["comments"]),
            Scenario(f"draft page, deepest page (#{walk['deepest_page']})", walk["deepest_path"],
                     comments=grown["comments"]),
        )
        for m in (first, middle, deepest):
            m.share_of_bare = round(m.rate / bare_m.rate, 4)
        log("  statements, time in SQL and phases, in process")
        breakdowns += [
            breakdown(f"draft page, first page, {grown['comments']}", probe, draft_path, clock=clock),
            breakdown(f"draft page, middle page, {grown['comments']}", probe, walk["middle_path"], clock=clock),
            breakdown(f"draft page, deepest page, {grown['comments']}", probe, walk["deepest_path"], clock=clock),
        ]
        first.statements = breakdowns[-3]["statements_per_request"]
        middle.statements = breakdowns[-2]["statements_per_request"]
        deepest.statements = breakdowns[-1]["statements_per_request"]

        deep_latency = round(deepest.median_ms / first.median_ms, 2)
        deep_rate = round(first.rate / deepest.rate, 2)
        middle_latency = round(middle.median_ms / first.median_ms, 2)
        goals = [
            goal("draft page (anonymous) req/s, share of the bare view's", round(anon.share_of_bare * 100, 1),
                 f"≥ {GOAL_SHARE_OF_BARE * 100:g}", anon.share_of_bare >= GOAL_SHARE_OF_BARE, " %"),
            goal("draft page (signed in) req/s, share of the bare view's", round(signed.share_of_bare * 100, 1),
                 f"≥ {GOAL_SHARE_OF_BARE * 100:g}", signed.share_of_bare >= GOAL_SHARE_OF_BARE, " %"),
            goal("deepest page median latency ÷ first page's", deep_latency, f"≤ {GOAL_DEEP_FACTOR:g}",
                 deep_latency <= GOAL_DEEP_FACTOR, "×"),
            goal("first page req/s ÷ deepest page's", deep_rate, f"≤ {GOAL_DEEP_FACTOR:g}",
                 deep_rate <= GOAL_DEEP_FACTOR, "×"),
            goal("middle page median latency ÷ first page's (not a goal)", middle_latency,
                 f"≤ {GOAL_DEEP_FACTOR:g}", None, "×"),
        ]
        if args.profile or not (goals[2]["met"] and goals[3]["met"]):
            log("  profiling the first and the deepest page")
            profiles[f"first page, {grown['comments']} comments"] = profile(probe, draft_path)
            profiles[f"deepest page, {grown['comments']} comments"] = profile(probe, walk["deepest_path"])
        results = {
            "machine": machine_facts(engine),
            "run": {
                "date": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
                "command": " ".join([".venv/bin/python", *sys.argv]),
                "seconds": args.seconds, "rounds": args.rounds, "warmup": args.warmup, "threads": args.threads,
                "server_threads": args.server_threads, "client_process": args.client_process,
                "page_cache": not args.no_page_cache,
                "database": url.render_as_string(hide_password=True),
                "loadavg_start": loadavg_start, "loadavg_end": _loadavg(),
            },
            "measurements": [asdict(m) for m in (bare_m, anon, signed, first, middle, deepest)],
            "paging": {**grown, **walk},
            "goals": goals,
            "breakdown": breakdowns,
        }
        if profiles:
            results["profile"] = profiles
        return results


def _loadavg():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return None


def main(argv=None):
    args = parse_args(argv)
    try:
        results = run(args)
    except BenchError as error:
        log(f"benchmark failed: {error}")
        return 1
    except sa.exc.OperationalError as error:
        log(f"cannot reach PostgreSQL: {error.orig}")
        return 1
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
