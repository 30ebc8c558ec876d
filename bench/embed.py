#!/usr/bin/env python
"""Benchmark of the agency's widget (/embed/<code>/) against a bare Pyramid view, on PostgreSQL.

    .venv/bin/python bench/embed.py [--seconds 6] [--threads 4] [--consultations 10] [--database-url URL] [--json]

It (re)builds its own database with Alembic, seeds one agency with open consultations (texts in fa and en) and
an allowed origin, serves the bare view (/bare) and the application from one waitress server in this process (as
bench/draft_page.py, whose helpers it uses), and loads the bare view and the widget in fa/light and in en/dark,
interleaved. Then, in process: the statements and time of a widget request on a cache miss and on a hit.
It exits 0 when a goal is missed (printing MISSED), 1 when it cannot measure. See bench/README.md.

Not a test: the name has no test_ prefix and the file lives outside tests/, so pytest never collects it.
"""

import argparse
import json
import os
import sys
import tempfile
import time
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
    StatementCounter,
    _loadavg,
    app_settings,
    bare_app,
    dispatcher,
    ensure_database,
    log,
    machine_facts,
    measure,
    rebuild_schema,
    serve,
)
from eparticipation import main as make_app  # noqa: E402
from eparticipation.agencies.models import Agency  # noqa: E402
from eparticipation.consultations.models import DocumentType, Draft, DraftText, State  # noqa: E402
from eparticipation.db import get_engine, utcnow  # noqa: E402
from eparticipation.embed.models import EmbedSettings  # noqa: E402
from eparticipation.models import Base  # noqa: E402, F401  (every table in the metadata)

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1/eparticipation_bench_embed"
CODE = "bench-agency"
GOAL_SHARE = 0.30
GOAL_STATEMENTS = 2


def seed(engine, consultations: int):
    now = utcnow()
    with Session(engine) as session, session.begin():
        agency = Agency(code=CODE, name_fa="سازمان آزمایشی سنجش", name_en="Benchmark Agency")
        session.add(agency)
        session.flush()
        session.add(EmbedSettings(agency_id=agency.id, origins=["https://portal.example.ir"], updated_at=now))
        for number in range(consultations):
            draft = Draft(agency_id=agency.id, document_type=list(DocumentType)[number % len(DocumentType)],
                          state=State.consultation, opens_at=now - timedelta(days=1),
                          closes_at=now + timedelta(days=5 + number), listed_at=now - timedelta(days=1))
            draft.texts["fa"] = DraftText(language="fa", title=f"پیش‌نویس آیین‌نامه اجرایی شماره {number + 1}")
            draft.texts["en"] = DraftText(language="en", title=f"Draft implementing bylaw no. {number + 1}")
            session.add(draft)


def in_process(app, path, repeat=50) -> dict:
    """Statements and median time of one request on a cache miss (the cache emptied first) and on a hit."""
    cache = app.registry["embed_cache"]
    counter = StatementCounter(app.registry["db_engine"])
    results = {}
    for label, clear in (("miss", True), ("hit", False)):
        times, statements = [], []
        for _ in range(repeat):
            if clear:
                cache.clear()
            else:
                Request.blank(path).get_response(app)  # kept
            before = len(counter.statements)
            with counter:
                began = time.perf_counter()
                response = Request.blank(path).get_response(app)
                times.append(time.perf_counter() - began)
            if response.status_int != 200:
                raise BenchError(f"GET {path}: {response.status}")
            statements.append(len(counter.statements) - before)
        times.sort()
        results[label] = {"statements": max(statements), "median_ms": round(times[len(times) // 2] * 1000, 2),
                          "bytes": len(response.body)}
    return results


def run(args) -> dict:
    url = sa.engine.make_url(args.database_url)
    ensure_database(url)
    engine = get_engine({"sqlalchemy.url": args.database_url})
    log("rebuilding the schema")
    rebuild_schema(engine)
    seed(engine, args.consultations)
    load_before = _loadavg()
    with tempfile.TemporaryDirectory() as files_dir:
        settings = app_settings(args.database_url, files_dir)
        app = make_app({}, **settings)
        server, port = serve(dispatcher(bare_app(), app), args.server_threads)
        try:
            scenarios = [
                Scenario("bare view", "/bare"),
                Scenario("widget fa, light (cached)", f"/embed/{CODE}/?lang=fa&theme=light"),
                Scenario("widget en, dark (cached)", f"/embed/{CODE}/?lang=en&theme=dark"),
            ]
            measurements = measure(scenarios, port, args.seconds, args.threads, args.warmup, args.rounds)
        finally:
            server.close()
        statements = in_process(app, f"/embed/{CODE}/?lang=fa&theme=light")
    bare = measurements[0].rate
    for measurement in measurements[1:]:
        measurement.share_of_bare = round(measurement.rate / bare, 3) if bare else None
    worst_share = min(m.share_of_bare for m in measurements[1:])
    return {
        "machine": machine_facts(engine),
        "load_average": {"before": load_before, "after": _loadavg()},
        "consultations": args.consultations,
        "measurements": [m.__dict__ for m in measurements],
        "in_process": statements,
        "goals": [
            {"goal": f"widget (cached) ≥ {GOAL_SHARE:.0%} of the bare view", "value": worst_share,
             "met": worst_share >= GOAL_SHARE},
            {"goal": f"≤ {GOAL_STATEMENTS} statements on a cache miss", "value": statements["miss"]["statements"],
             "met": statements["miss"]["statements"] <= GOAL_STATEMENTS},
        ],
    }


def table(results) -> str:
    lines = [f"load average before/after: {results['load_average']['before']} / {results['load_average']['after']}",
             f"{results['consultations']} open consultations on the widget", "",
             f"{'scenario':32} {'req/s':>9} {'median ms':>10} {'p95 ms':>8} {'bytes':>7} {'share':>7}"]
    for m in results["measurements"]:
        share = f"{m['share_of_bare']:.1%}" if m["share_of_bare"] is not None else ""
        lines.append(f"{m['label']:32} {m['rate']:9.1f} {m['median_ms']:10.2f} {m['p95_ms']:8.2f} "
                     f"{m['response_bytes']:7d} {share:>7}")
    lines.append("")
    for label, found in results["in_process"].items():
        lines.append(f"in process, cache {label}: {found['statements']} statement(s), {found['median_ms']} ms")
    lines.append("")
    for goal in results["goals"]:
        lines.append(f"{goal['goal']}: {goal['value']} {'met' if goal['met'] else 'MISSED'}")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--seconds", type=float, default=6, help="load time per scenario")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--consultations", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


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
