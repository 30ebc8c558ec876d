#!/usr/bin/env python
"""Benchmark of a Persian search of the listing (/consultations/?q=) at 10 and at 10,000 drafts, against a bare
Pyramid view, on PostgreSQL (pg_trgm) or SQLite (FTS5).

    .venv/bin/python bench/search.py [--database-url URL] [--seconds 6] [--threads 4] [--json]

It builds a database of 10 drafts, loads the bare view (/bare) and the search in interleaved rounds, then adds
drafts up to 10,000 and loads both again. The drafts' texts are sentences of the Persian drafts in
tests/fixtures/, in a different order and number for each draft, and one of 50 subjects (insurance, customs, …)
in the title, the summary and an article: the search, typed with an Arabic yeh ("بيمه"), finds one draft of the
first 10 and 200 of the 10,000. It reports each search's requests per second as a share of the bare view's (the
bare view is measured beside it, so the machine's load weighs on both), and how much more a search costs at
10,000 drafts than at 10. Exits 0 when a goal is missed (printing MISSED), 1 when it cannot measure.

Not a test: pytest never collects it (no test_ prefix, outside tests/). See bench/README.md, "Search".
"""

import argparse
import contextlib
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")  # pyramid's, as in setup.cfg

PROJECT = Path(__file__).resolve().parent.parent
for path in (PROJECT, PROJECT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import sqlalchemy as sa  # noqa: E402
from draft_page import (  # noqa: E402
    BenchError,
    Scenario,
    app_settings,
    bare_app,
    dispatcher,
    ensure_database,
    get,
    log,
    measure,
    rebuild_schema,
    serve,
)

from eparticipation import main as make_app  # noqa: E402
from eparticipation.db import get_engine  # noqa: E402
from eparticipation.text import normalise  # noqa: E402

GOAL_SHARE_OF_BARE = 0.03  # a search at 10,000 drafts serves at least 3 % of the bare view's requests per second
GOAL_GROWTH = 2.0  # and costs at most twice what it costs at 10 drafts
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/eparticipation_search_bench"
BASE = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)
SMALL, LARGE = 10, 10000
QUERY = "بيمه"  # insurance, typed with an Arabic yeh: the stored text has the Persian one
SUBJECTS = [
    "مالیات", "گمرک", "آموزش", "بیمه", "بهداشت", "مسکن", "حمل‌ونقل", "انرژی", "کشاورزی", "محیط زیست",
    "بانکداری", "بورس", "تجارت", "صادرات", "واردات", "فناوری", "ارتباطات", "گردشگری", "فرهنگ", "ورزش",
    "شهرسازی", "آب", "برق", "گاز", "نفت", "معدن", "صنعت", "اشتغال", "بازنشستگی", "یارانه",
    "قضا", "ثبت اسناد", "شهرداری", "راه", "دریانوردی", "هوانوردی", "پست", "دارو", "غذا", "استاندارد",
    "تعاون", "رفاه", "جوانان", "زنان", "سلامت روان", "دانشگاه", "پژوهش", "اوقاف", "میراث", "آمار",
]
assert SUBJECTS.index("بیمه") < SMALL  # the first 10 drafts have one on insurance


def sentences() -> list[str]:
    """The lines of the Persian drafts of tests/fixtures/, without their headings' numbers."""
    lines = []
    for name in ("bylaw-certificates.fa.txt", "directive-eparticipation.fa.txt"):
        for line in (PROJECT / "tests" / "fixtures" / name).read_text(encoding="utf-8").splitlines():
            line = re.sub(r"^(ماده|تبصره|فصل)\s+\S+\s+–\s*", "", line.strip())
            if len(line) > 20:
                lines.append(line)
    return lines


def drafts_rows(first: int, last: int, pool: list[str]):
    """The rows of drafts first..last (ids), the same for a given id whatever the run."""
    drafts, texts, articles = [], [], []
    for i in range(first, last + 1):
        rng = random.Random(i)
        subject = SUBJECTS[(i - 1) % len(SUBJECTS)]
        opened = BASE - timedelta(minutes=i)
        title = f"پیش‌نویس آیین‌نامه {subject} شماره {i}"
        summary = f"این پیش‌نویس درباره {subject} است. " + " ".join(rng.sample(pool, 2))
        call = "نظر خود را درباره " + rng.choice(pool)
        body = [" ".join(rng.sample(pool, rng.randint(2, 4))) for _ in range(rng.randint(3, 10))]
        body[rng.randrange(len(body))] += f" مقررات {subject} از تاریخ ابلاغ اجرا می‌شود."
        for position, text in enumerate(body, start=1):
            articles.append({"draft_id": i, "number": str(position), "position": position,
                             "heading": rng.choice(pool)[:60], "text": text, "notes": []})
        texts.append({"draft_id": i, "language": "fa", "title": title, "summary": summary, "call": call})
        search_text = normalise("\n".join([title, summary, call, *body]))
        drafts.append({"id": i, "agency_id": 1, "document_type": "bylaw", "subject": "document",
                       "state": "consultation", "created_at": opened, "updated_at": opened, "opens_at": opened,
                       "closes_at": opened + timedelta(days=30), "listed_at": opened, "search_text": search_text,
                       "participation_version": 0})
    return drafts, texts, articles


def seed(engine, first: int, last: int, pool) -> float:
    from eparticipation.agencies.models import Agency
    from eparticipation.consultations.models import Article, Draft, DraftText

    started = time.perf_counter()
    with engine.begin() as connection:
        if first == 1:
            connection.execute(sa.insert(Agency), [{"id": 1, "code": "bench", "name_fa": "دستگاه آزمایشی",
                                                    "name_en": "Bench agency", "created_at": BASE}])
        for start in range(first, last + 1, 1000):
            drafts, texts, articles = drafts_rows(start, min(last, start + 999), pool)
            connection.execute(sa.insert(Draft), drafts)
            connection.execute(sa.insert(DraftText), texts)
            connection.execute(sa.insert(Article), articles)
        if engine.dialect.name == "postgresql":
            for table in ("agencies", "drafts", "draft_texts", "articles"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")
    return round(time.perf_counter() - started, 1)


def check_search(port, path, expected: int):
    """The search answers 200 with the drafts it should, each with a snippet; a cursor when there is more."""
    text = get(port, path)  # a BenchError unless 200
    hits = text.count('class="card-text search-snippet"')
    if hits != min(expected, 20) or text.count("<mark>") < hits:
        raise BenchError(f"{path}: {hits} drafts with a snippet, {min(expected, 20)} expected")


def goal(name, value, target, met, unit) -> dict:
    return {"goal": name, "value": value, "target": target, "met": met, "unit": unit}


def run(args) -> dict:
    workdir = tempfile.mkdtemp(prefix="eparticipation-bench-search-")
    url = sa.make_url(args.database_url or f"sqlite:///{workdir}/bench.sqlite")
    if url.get_backend_name() == "postgresql":
        ensure_database(url)
    settings = app_settings(url.render_as_string(hide_password=False), workdir)
    engine = get_engine(settings)
    loadavg_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    log(f"rebuilding the schema of {url.render_as_string(hide_password=True)}")
    rebuild_schema(engine)
    pool = sentences()
    seeded = {SMALL: seed(engine, 1, SMALL, pool)}
    real = make_app({}, **settings)
    server, port = serve(dispatcher(bare_app(), real), args.server_threads)
    path = "/consultations/?q=" + quote(QUERY)
    expected = {size: sum(1 for i in range(1, size + 1) if SUBJECTS[(i - 1) % len(SUBJECTS)] == "بیمه")
                for size in (SMALL, LARGE)}
    rows, shares = [], {}
    with contextlib.ExitStack() as stack:
        stack.callback(engine.dispose)
        stack.callback(lambda: real.registry["db_engine"].dispose())
        stack.callback(server.close)
        for size in (SMALL, LARGE):
            if size == LARGE:
                log(f"adding drafts up to {LARGE}")
                seeded[LARGE] = seed(engine, SMALL + 1, LARGE, pool)
            check_search(port, path, expected[size])
            scenarios = [Scenario("bare Pyramid view (/bare)", "/bare"),
                         Scenario(f"search “{QUERY}” at {size:,} drafts ({expected[size]} found)", path)]
            log(f"measuring at {size} drafts")
            bare, searched = measure(scenarios, port, args.seconds, args.threads, args.warmup, args.rounds)
            shares[size] = searched.rate / bare.rate
            for m in (bare, searched):
                rows.append({"drafts": size, "label": m.label, "path": m.path, "rate": m.rate,
                             "median_ms": m.median_ms, "p95_ms": m.p95_ms, "requests": m.requests,
                             "bytes": m.response_bytes, "share_of_bare": round(m.rate / bare.rate, 4)})
    growth = round(shares[SMALL] / shares[LARGE], 2)
    goals = [
        goal(f"search at {LARGE:,} drafts: share of the bare view's req/s", round(shares[LARGE] * 100, 2),
             f"≥ {GOAL_SHARE_OF_BARE * 100:g}", shares[LARGE] >= GOAL_SHARE_OF_BARE, " %"),
        goal(f"search cost at {LARGE:,} drafts ÷ at {SMALL}", growth, f"≤ {GOAL_GROWTH:g}", growth <= GOAL_GROWTH,
             "×"),
    ]
    return {
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "database": url.get_backend_name(), "sqlalchemy": sa.__version__},
        "run": {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "command": " ".join([".venv/bin/python", *sys.argv]), "seconds": args.seconds,
                "rounds": args.rounds, "threads": args.threads, "server_threads": args.server_threads,
                "loadavg_start": loadavg_start, "loadavg_end": " ".join(f"{x:.2f}" for x in os.getloadavg())},
        "data": {"seconds_to_seed": seeded, "found": expected},
        "measurements": rows,
        "goals": goals,
    }


def table(results: dict) -> str:
    m, r = results["machine"], results["run"]
    lines = [
        f"Search benchmark — {r['date']}",
        f"Command: {r['command']}",
        f"Machine: {m['cores']} cores, {m['platform']}, Python {m['python']}, {m['database']}, SQLAlchemy "
        f"{m['sqlalchemy']}",
        f"Run: {r['seconds']:g} s per scenario in {r['rounds']} interleaved rounds, {r['threads']} client threads, "
        f"waitress threads={r['server_threads']}; load average {r['loadavg_start']} → {r['loadavg_end']}",
        "",
        f"{'scenario':<52} {'req/s':>8} {'median ms':>9} {'p95 ms':>8} {'KiB':>6} {'% of bare':>9}",
    ]
    for row in results["measurements"]:
        lines.append(f"{row['label']:<52} {row['rate']:>8.1f} {row['median_ms']:>9.2f} {row['p95_ms']:>8.2f} "
                     f"{row['bytes'] / 1024:>6.1f} {row['share_of_bare'] * 100:>8.2f} %")
    lines += ["", "Goals:"]
    for g in results["goals"]:
        lines.append(f"  {g['goal']:<58} {g['value']:>7}{g['unit']}  (target {g['target']}{g['unit']})  "
                     f"{'met' if g['met'] else 'MISSED'}")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help=f"default {DEFAULT_URL}, created if missing; its tables are DROPPED and rebuilt. "
                             "'sqlite' for a new SQLite file")
    parser.add_argument("--seconds", type=float, default=6.0, help="load per scenario, s (default 6)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved slices (default 3)")
    parser.add_argument("--warmup", type=float, default=0.5, help="warm-up per scenario, s (default 0.5)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--server-threads", type=int, default=4, help="waitress threads (default 4)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.database_url == "sqlite":
        args.database_url = None
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        results = run(args)
    except BenchError as error:
        log(f"benchmark failed: {error}")
        return 1
    print(json.dumps(results, ensure_ascii=False, indent=2) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
