#!/usr/bin/env python
"""Benchmark of syndication (O4) on PostgreSQL: what a push adds to a transition, how fast the delivery
worker sends pushes compared with bare POSTs of the same bodies to the same receiver, and what a claim costs
when a large backlog is held back behind given-up pushes.

    .venv/bin/python bench/syndication.py [--consultations 1000] [--pushes 5] [--bare 2000] [--json]

It (re)builds its own database with Alembic, starts a receiver on 127.0.0.1 (a free port), writes
`consultations × pushes` pushes through the transition subscriber itself (services.on_transition, timed and
its statements counted), sends the same number of bare POSTs to the receiver from this process (the
baseline), then lets the worker (delivery.Syndicator) send the whole backlog and checks that the receiver got
each push once and every consultation's in order. Last, it gives up the first push of every consultation and
times the claim that finds nothing it may send. Exits 0 when a goal is missed (printing MISSED), 1 when it
cannot measure. See bench/README.md.

Not a test: the name has no test_ prefix and the file lives outside tests/, so pytest never collects it.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import warnings
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.request import Request as URLRequest, urlopen

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402
from pyramid.request import Request  # noqa: E402
from pyramid.scripting import prepare  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.draft_page import app_settings, ensure_database, rebuild_schema  # noqa: E402
from eparticipation import main as make_app  # noqa: E402
from eparticipation.agencies.models import Agency  # noqa: E402
from eparticipation.consultations.models import DocumentType, Draft, DraftText, State, WorkflowEvent  # noqa: E402
from eparticipation.db import utcnow  # noqa: E402
from eparticipation.syndication.delivery import Syndicator  # noqa: E402
from eparticipation.syndication.models import PushStatus, SyndicationPush  # noqa: E402
from eparticipation.syndication.services import on_transition  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/ep_synd_bench"
TOKEN, SECRET = "bench-token", "bench-secret-of-at-least-32-characters"

# The goals (bench/README.md).
GOAL_SHARE_OF_BARE = 0.30  # the worker sends at least 30 % as many pushes per second as bare POSTs
GOAL_WRITE_STATEMENTS = 3  # writing a push: the transition's event, the draft's texts, the push
GOAL_WRITE_MS = 5.0  # median milliseconds a push adds to a transition
GOAL_BLOCKED_CLAIM_MS = 50.0  # a claim that finds every consultation held back, with the whole backlog pending


def log(message):
    print(message, file=sys.stderr, flush=True)


class Receiver:
    """Answers 200 to every POST and keeps (idempotency key, body) in arrival order."""

    def __init__(self):
        self.received = []
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    receiver.received.append((self.headers.get("Idempotency-Key"), body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"


def seed(engine, consultations: int) -> list[int]:
    now = utcnow()
    with Session(engine) as session, session.begin():
        agency = Agency(code="bench", name_fa="دستگاه آزمون کارایی", name_en="Benchmark agency")
        session.add(agency)
        session.flush()
        drafts = []
        for n in range(consultations):
            draft = Draft(agency_id=agency.id, document_type=DocumentType.bylaw, state=State.consultation,
                          created_at=now, updated_at=now, opens_at=now, closes_at=now + timedelta(days=30),
                          listed_at=now)
            draft.texts["fa"] = DraftText(language="fa", title=f"آیین‌نامه اجرایی شماره {n}",
                                          summary="خلاصهٔ پیش‌نویس برای سامانهٔ ملی " * 8, call="فراخوان")
            draft.texts["en"] = DraftText(language="en", title=f"Bylaw number {n}",
                                          summary="The draft, summarised for the national system. " * 8, call="Call")
            drafts.append(draft)
        session.add_all(drafts)
        session.flush()
        return [draft.id for draft in drafts]


def request_of(app, session):
    env = prepare(request=Request.blank("/", base_url="https://eparticipation.example.ir"), registry=app.registry)
    request = env["request"]
    request.environ["app.dbsession"] = session
    request.root = env["root"]
    return request, env["closer"]


def write_pushes(app, engine, draft_ids: list[int], per_draft: int) -> dict:
    """Each push through the subscriber, as a transition writes it (an event of its own, then the push)."""
    statements, durations = [], []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with Session(engine) as session:
        request, closer = request_of(app, session)
        drafts = session.scalars(sa.select(Draft).where(Draft.id.in_(draft_ids)).order_by(Draft.id)).all()
        for draft in drafts:
            _loaded = (draft.texts, draft.agency, draft.events)  # as a transition has them
        session.commit()
        counted = []
        for round_ in range(per_draft):
            for draft in drafts:
                event = WorkflowEvent(transition="extend", from_state=State.consultation,
                                      to_state=State.consultation, at=utcnow(), reason=f"round {round_}",
                                      details={})
                draft.events.append(event)
                before = len(statements)
                sa.event.listen(engine, "before_cursor_execute", count)
                started = time.perf_counter()
                on_transition(SimpleNamespace(request=request, draft=draft, event=event))
                durations.append((time.perf_counter() - started) * 1000)
                sa.event.remove(engine, "before_cursor_execute", count)
                counted.append(len(statements) - before)
            session.commit()
        closer()
    return {"pushes": len(durations), "median_ms": round(statistics.median(durations), 2),
            "p95_ms": round(statistics.quantiles(durations, n=20)[-1], 2),
            "statements": max(counted)}


def bare_posts(url: str, body: bytes, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        request = URLRequest(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}", "Idempotency-Key": f"bare-{n}"})
        with urlopen(request, timeout=10) as response:
            response.read()
    return count / (time.perf_counter() - started)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--consultations", type=int, default=1000)
    parser.add_argument("--pushes", type=int, default=5, help="pushes per consultation")
    parser.add_argument("--bare", type=int, default=2000, help="bare POSTs for the baseline")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    url = sa.make_url(args.database_url)
    try:
        ensure_database(url)
    except sa.exc.OperationalError as error:
        log(f"cannot reach PostgreSQL: {error}")
        return 1
    receiver = Receiver()
    settings = app_settings(url.render_as_string(hide_password=False), tempfile.mkdtemp(prefix="synd-bench-"))
    settings.update({"eparticipation.syndication.url": receiver.url, "eparticipation.syndication.token": TOKEN,
                     "eparticipation.syndication.secret": SECRET, "eparticipation.syndication.timeout": "10"})
    app = make_app({}, **settings)
    engine = app.registry["db_engine"]
    load_before = os.getloadavg()
    log("rebuilding the schema and seeding")
    rebuild_schema(engine)
    draft_ids = seed(engine, args.consultations)
    log(f"writing {args.consultations * args.pushes} pushes through the subscriber")
    written = write_pushes(app, engine, draft_ids, args.pushes)
    with Session(engine) as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(SyndicationPush))
        body = session.scalar(sa.select(SyndicationPush.body).limit(1)).encode()
    log(f"{args.bare} bare POSTs")
    bare_rate = bare_posts(receiver.url, body, args.bare)
    receiver.received.clear()
    log("the worker sends the backlog")
    syndicator = Syndicator(app.registry)
    started = time.perf_counter()
    while syndicator.deliver(limit=500):
        pass
    worker_rate = total / (time.perf_counter() - started)
    with Session(engine) as session:
        order = session.execute(sa.select(SyndicationPush.idempotency_key, SyndicationPush.draft_id,
                                          SyndicationPush.id)).all()
        unsent = session.scalar(sa.select(sa.func.count()).select_from(SyndicationPush)
                                .where(SyndicationPush.status != PushStatus.sent))
    keys = [key for key, _ in receiver.received]
    by_key = {key: (draft_id, push_id) for key, draft_id, push_id in order}
    if unsent or len(keys) != total or len(set(keys)) != total:
        log(f"FAILED: {unsent} unsent, {len(keys)} received for {total} pushes")
        return 1
    last = {}
    for key in keys:
        draft_id, push_id = by_key[key]
        if last.get(draft_id, 0) > push_id:
            log(f"FAILED: consultation {draft_id} received out of order")
            return 1
        last[draft_id] = push_id

    log("the first push of every consultation given up; the rest pending again")
    with Session(engine) as session, session.begin():
        session.execute(sa.update(SyndicationPush).values(status=PushStatus.pending, sent_at=None,
                                                          next_attempt_at=utcnow(), attempts=0))
        firsts = sa.select(sa.func.min(SyndicationPush.id)).group_by(SyndicationPush.draft_id).scalar_subquery()
        session.execute(sa.update(SyndicationPush).where(SyndicationPush.id.in_(firsts))
                        .values(status=PushStatus.dead, attempts=8))
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE syndication_pushes"))
        connection.commit()
    claims = []
    for _ in range(20):
        started = time.perf_counter()
        assert syndicator.claim(20) == []
        claims.append((time.perf_counter() - started) * 1000)
    blocked_ms = round(statistics.median(claims), 2)
    engine.dispose()
    receiver.server.shutdown()

    share = worker_rate / bare_rate
    results = {
        "machine": {"cores": os.cpu_count(), "load_before": [round(x, 2) for x in load_before],
                    "load_after": [round(x, 2) for x in os.getloadavg()]},
        "consultations": args.consultations, "pushes": total,
        "write": written,
        "bare_posts_per_s": round(bare_rate, 1), "worker_pushes_per_s": round(worker_rate, 1),
        "share_of_bare": round(share, 3),
        "blocked_claim_ms": blocked_ms,
        "goals": {
            f"worker >= {GOAL_SHARE_OF_BARE:.0%} of bare POSTs": share >= GOAL_SHARE_OF_BARE,
            f"writing a push <= {GOAL_WRITE_STATEMENTS} statements": written["statements"] <= GOAL_WRITE_STATEMENTS,
            f"writing a push <= {GOAL_WRITE_MS:g} ms (median)": written["median_ms"] <= GOAL_WRITE_MS,
            f"blocked claim <= {GOAL_BLOCKED_CLAIM_MS:g} ms": blocked_ms <= GOAL_BLOCKED_CLAIM_MS,
        },
    }
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"cores {results['machine']['cores']}, load {results['machine']['load_before']} before, "
              f"{results['machine']['load_after']} after")
        print(f"{total} pushes over {args.consultations} consultations")
        print(f"writing a push: median {written['median_ms']} ms, p95 {written['p95_ms']} ms, "
              f"{written['statements']} statements")
        print(f"bare POSTs {bare_rate:.1f}/s, worker {worker_rate:.1f} pushes/s: {share:.1%} of bare")
        print(f"a claim with every consultation held back: {blocked_ms} ms")
        for goal, met in results["goals"].items():
            print(f"  {goal}: {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
