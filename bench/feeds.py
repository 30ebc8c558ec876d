#!/usr/bin/env python
"""Benchmark of the consultations' Atom feeds and calendar against a bare Pyramid view, on PostgreSQL.

    .venv/bin/python bench/feeds.py [--seconds 6] [--threads 4] [--drafts 200] [--database-url URL] [--json]

It (re)builds the benchmark database with Alembic, seeds `--drafts` opened consultations of two agencies (a
third published, some closing within days), serves the bare view (/bare) and the application from one waitress
server in this process (bench/draft_page.py's), and loads, interleaved: the bare view, the site's feed of
consultations opened (served from the feed cache after its first request), one agency's, and the calendar. Then,
in process, it counts the SQL statements of one request on a cache miss and on a hit. Goals: a cached feed
serves at least 30 % of the bare view's requests per second; a miss sends at most 2 statements. It exits 0 when
a goal is missed (printing MISSED) and 1 when it cannot measure. See bench/README.md.

Not a test: the name has no test_ prefix and the file lives outside tests/, so pytest never collects it.
"""

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from webob import Request  # noqa: E402

from bench.draft_page import (  # noqa: E402
    BenchError,
    Scenario,
    app_settings,
    bare_app,
    dispatcher,
    ensure_database,
    measure,
    rebuild_schema,
    serve,
)
from eparticipation import main as make_app  # noqa: E402
from eparticipation.agencies.models import Agency  # noqa: E402
from eparticipation.consultations.models import DocumentType, Draft, DraftText, State  # noqa: E402
from eparticipation.db import utcnow  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/eparticipation_feeds_bench"
GOAL_SHARE_OF_BARE = 0.30
GOAL_MISS_STATEMENTS = 2


def log(message):
    print(message, file=sys.stderr, flush=True)


def seed(engine, drafts: int):
    """`drafts` opened consultations of two agencies: a third published, the rest open, some closing soon."""
    now = utcnow()
    with Session(engine) as session, session.begin():
        agencies = [Agency(code=code, name_fa=f"دستگاه {n}", name_en=f"Agency {n}")
                    for n, code in enumerate(("feeds-a", "feeds-b"), 1)]
        session.add_all(agencies)
        session.flush()
        types = list(DocumentType)
        for n in range(drafts):
            opens_at = now - timedelta(days=1 + n % 29, hours=n)
            published = n % 3 == 0
            draft = Draft(agency_id=agencies[n % 2].id, document_type=types[n % len(types)],
                          state=State.published if published else State.consultation,
                          opens_at=opens_at - (timedelta(days=60) if published else timedelta()),
                          closes_at=opens_at + timedelta(days=30) - (timedelta(days=60) if published else timedelta()),
                          listed_at=opens_at, updated_at=opens_at)
            if published:
                draft.closed_at = draft.closes_at
                draft.published_at = draft.closes_at + timedelta(days=5)
            summary = "خلاصهٔ فراخوان: " + "این پیش‌نویس برای نظرخواهی عمومی منتشر شده است. " * 6
            draft.texts["fa"] = DraftText(language="fa", title=f"آیین‌نامهٔ آزمایشی شمارهٔ {n}", summary=summary,
                                          call="فراخوان")
            draft.texts["en"] = DraftText(language="en", title=f"Benchmark bylaw number {n}",
                                          summary="The call's summary. " * 12, call="Call")
            session.add(draft)


def statements(app, engine, path: str, clear: bool) -> int:
    """SQL statements of one request to `path`, the feed cache emptied first when `clear`."""
    counted = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            counted.append(statement)

    if clear:
        app.registry["outreach_feed_cache"].clear()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = Request.blank(path, base_url="http://bench.local").get_response(app)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    if response.status_int != 200:
        raise BenchError(f"GET {path}: {response.status}")
    return len(counted)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--drafts", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def run(args) -> dict:
    url = sa.make_url(args.database_url)
    ensure_database(url)
    engine = sa.create_engine(url)
    with contextlib.ExitStack() as stack:
        stack.callback(engine.dispose)
        log("rebuilding the schema")
        rebuild_schema(engine)
        log(f"seeding {args.drafts} consultations")
        seed(engine, args.drafts)
        files = stack.enter_context(tempfile.TemporaryDirectory())
        settings = app_settings(args.database_url, files)
        real = make_app({}, **settings)
        stack.callback(lambda: real.registry["db_engine"].dispose())
        server, port = serve(dispatcher(bare_app(), real), args.server_threads)
        stack.callback(server.close)
        paths = {
            "site feed, opened (fa)": "/feeds/opened.atom",
            "agency feed, closing soon (en)": "/feeds/feeds-a/closing.atom?lang=en",
            "calendar (en)": "/feeds/consultations.ics?lang=en",
        }
        log("measuring")
        measured = measure([Scenario("bare Pyramid view (/bare)", "/bare")]
                           + [Scenario(label, path) for label, path in paths.items()],
                           port, args.seconds, args.threads, args.warmup, args.rounds)
        bare = measured[0]
        probe = make_app({}, **settings)
        stack.callback(lambda: probe.registry["db_engine"].dispose())
        probe_engine = probe.registry["db_engine"]
        rows = []
        for m, path in zip(measured[1:], paths.values()):
            miss = statements(probe, probe_engine, path, clear=True)
            hit = statements(probe, probe_engine, path, clear=False)
            share = m.rate / bare.rate
            rows.append({
                "label": m.label, "path": path, "rate": round(m.rate, 1), "median_ms": m.median_ms,
                "p95_ms": m.p95_ms, "bytes": m.response_bytes, "share_of_bare": round(share, 4),
                "statements_miss": miss, "statements_hit": hit,
                "share_goal": "met" if share >= GOAL_SHARE_OF_BARE else "MISSED",
                "statements_goal": "met" if miss <= GOAL_MISS_STATEMENTS else "MISSED",
            })
        return {
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "load_average": [round(x, 2) for x in os.getloadavg()]},
            "drafts": args.drafts, "threads": args.threads, "seconds": args.seconds,
            "bare": {"rate": round(bare.rate, 1), "median_ms": bare.median_ms},
            "feeds": rows,
        }


def table(results) -> str:
    lines = [f"load average {results['machine']['load_average']}, {results['machine']['cpus']} CPUs, "
             f"{results['drafts']} consultations, {results['threads']} clients",
             f"bare Pyramid view: {results['bare']['rate']} req/s",
             f"{'scenario':34} {'req/s':>8} {'share':>7} {'goal ≥30%':>10} {'stmts miss/hit':>15} {'goal ≤2':>8}"]
    for row in results["feeds"]:
        lines.append(f"{row['label']:34} {row['rate']:>8} {row['share_of_bare']:>7.1%} {row['share_goal']:>10} "
                     f"{row['statements_miss']:>7}/{row['statements_hit']:<7} {row['statements_goal']:>8}")
    return "\n".join(lines)


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
    print(json.dumps(results, ensure_ascii=False, indent=2) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
