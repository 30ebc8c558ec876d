"""Measures the compliance dashboard (/oversight/, /transparency/) on a ministry of 30 agencies, 5 Jalali years,
2,000 consultations and 5,000,000 comments, on PostgreSQL.

The data is made by PostgreSQL itself (INSERT … SELECT generate_series): 200,000 people, 2,000 consultations
opened from 1400 to 1404 (varied lengths, languages, outcomes, document types and subjects, a fifth with a final
text that changed), the comments (1 % hidden, 2 % withdrawn), a response for every ten comments answering six of
them (60 % answered), and 300,000 service ratings over the 60 Jalali months (a quarter with a comment, two
thirds of those answered). Then:

- the kept counts (oversight/tallies.py) built from the seeded comments by `tallies.rebuild`, as the migration
  does on an existing database;
- cold: `indicators.compute` (no cache), several runs; the statements and their count;
- warm: `indicators.cached_dashboard` once the figures are cached (the data's version is read each time);
- the public page /transparency/ in-process (WebTest), cold (cache cleared) and warm;
- what keeping the counts costs a writer: a comment written (ORM, flushed, rolled back) with the tallies'
  flush listeners and with them removed;
- the process's peak memory (ru_maxrss).

Usage: .venv/bin/python bench/oversight.py [--database-url URL] [--comments N] [--runs N] [--keep] [--json]

Not a test: the name has no test_ prefix and the file lives outside tests/. See bench/README.md.
"""

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.draft_page import app_settings, ensure_database, rebuild_schema  # noqa: E402
from eparticipation.db import get_engine  # noqa: E402
from eparticipation.oversight import indicators, tallies  # noqa: E402
from eparticipation.consultations.models import Draft  # noqa: E402
from eparticipation.participation.models import Comment  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/eparticipation_oversight_bench"
AGENCIES = 30
CONSULTATIONS = 2000
PEOPLE = 200_000
RATINGS = 300_000
# 1 Farvardin 1400 to 1 Farvardin 1405 (Tehran): five Jalali years.
FIRST = datetime(2021, 3, 20, 20, 30, tzinfo=timezone.utc)
LAST = datetime(2026, 3, 20, 20, 30, tzinfo=timezone.utc)
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)
MONTHS = [(f"{year}-{month:02d}", indicators.start_of_jalali(year, month),
           indicators.start_of_jalali(year + (month == 12), month % 12 + 1))
          for year in range(1400, 1405) for month in range(1, 13)]
SETTINGS = {"eparticipation.required_languages": ["fa", "en"], "eparticipation.min_consultation_days": 30}


def log(message):
    print(message, file=sys.stderr, flush=True)


def timed(connection, label, sql):
    started = time.perf_counter()
    connection.exec_driver_sql(sql.replace("%", "%%"))  # no parameters: a literal % is the modulo
    log(f"  {label}: {time.perf_counter() - started:.1f} s")


def seed(engine, comments: int):
    per_draft = comments // CONSULTATIONS
    # Each rating in a Jalali month of the five years, with that month's name as the application stores it.
    months = ", ".join(f"({n}, '{key}', TIMESTAMPTZ '{starts.isoformat()}', TIMESTAMPTZ '{ends.isoformat()}')"
                       for n, (key, starts, ends) in enumerate(MONTHS))
    with engine.begin() as c:
        c.exec_driver_sql("SELECT setseed(0.1405)")
        timed(c, "agencies", f"""
            INSERT INTO agencies (code, name_fa, name_en, created_at)
            SELECT 'agency-' || g, 'دستگاه ' || g, 'Agency ' || g, now() FROM generate_series(1, {AGENCIES}) g""")
        timed(c, "people", f"""
            INSERT INTO users (email, display_name, password_hash, locale, is_active, created_at)
            SELECT 'person' || g || '@bench.example.org', 'شخص ' || g, 'x', 'fa', true, now()
            FROM generate_series(1, {PEOPLE}) g""")
        timed(c, "consultations", f"""
            INSERT INTO drafts (agency_id, document_type, subject, state, created_at, updated_at, opens_at,
                                closes_at, closed_at, published_at, listed_at, search_text, participation_version)
            SELECT a.id, CASE WHEN g % 6 < 3 THEN (ARRAY['bylaw','bill','directive','circular','board_resolution'])[1 + g % 5] END,
                   (ARRAY['document','document','document','service','process','action'])[1 + g % 6],
                   CASE WHEN g % 10 = 0 THEN 'closed' ELSE 'published' END,
                   o.at, o.at, o.at, o.at + make_interval(days => 20 + g % 26), o.at + make_interval(days => 20 + g % 26),
                   CASE WHEN g % 10 <> 0 THEN o.at + make_interval(days => 20 + g % 26 + (g * 7) % 61) END,
                   o.at, '', 1
            FROM generate_series(1, {CONSULTATIONS}) g
            JOIN agencies a ON a.id = 1 + g % {AGENCIES}
            CROSS JOIN LATERAL (SELECT TIMESTAMPTZ '{FIRST.isoformat()}' + (g::float / {CONSULTATIONS})
                                * (TIMESTAMPTZ '{LAST.isoformat()}' - TIMESTAMPTZ '{FIRST.isoformat()}') AS at) o""")
        timed(c, "texts", """
            INSERT INTO draft_texts (draft_id, language, title, summary, call)
            SELECT d.id, l.language, 'پیش‌نویس ' || d.id, 'خلاصه', 'فراخوان'
            FROM drafts d CROSS JOIN (VALUES ('fa'), ('en')) l(language)
            WHERE l.language = 'fa' OR d.id % 10 <> 3""")
        timed(c, "articles", """
            INSERT INTO consulted_articles (draft_id, number, position, heading, text, notes)
            SELECT d.id, n::text, n, 'عنوان ' || n, 'متن ماده ' || n, '[]' FROM drafts d, generate_series(1, 3) n;
            INSERT INTO articles (draft_id, number, position, heading, text, notes)
            SELECT draft_id, number, position, heading,
                   CASE WHEN draft_id % 5 = 0 AND number = '2' THEN text || ' (اصلاح‌شده)' ELSE text END, notes
            FROM consulted_articles""")
        timed(c, f"{comments:,} comments", f"""
            INSERT INTO comments (draft_id, author_id, body, fingerprint, anonymous, by_agency_staff, state,
                                  hidden_category, hidden_reason, support_count, created_at, updated_at)
            SELECT d.id, 1 + (g::bigint * 7919) % {PEOPLE}, 'نظر ' || g, md5(g::text), false, false,
                   CASE WHEN g % 100 = 0 THEN 'hidden' WHEN g % 100 IN (1, 2) THEN 'withdrawn' ELSE 'visible' END,
                   CASE WHEN g % 100 = 0 THEN 'spam' END, CASE WHEN g % 100 = 0 THEN 'تبلیغ' END, 0,
                   d.opens_at + (g % {per_draft}) * ((d.closes_at - d.opens_at) / {per_draft}),
                   d.opens_at + (g % {per_draft}) * ((d.closes_at - d.opens_at) / {per_draft})
            FROM generate_series(0, {comments - 1}) g
            JOIN drafts d ON d.id = 1 + g / {per_draft}""")
        timed(c, "responses", f"""
            INSERT INTO responses (id, draft_id, created_by_id, created_at)
            SELECT r, d.id, 1, d.closed_at + make_interval(days => 1 + r % 40)
            FROM generate_series(1, {comments // 10}) r
            JOIN drafts d ON d.id = 1 + ((r - 1) * 10) / {per_draft}
            WHERE d.state IN ('closed', 'published');
            SELECT setval(pg_get_serial_sequence('responses', 'id'), (SELECT max(id) FROM responses));
            INSERT INTO response_revisions (response_id, number, decision, reason, legal_basis_law,
                                            legal_basis_article, author_id, written_at)
            SELECT id, 1, (ARRAY['accepted','partially_accepted','rejected','noted'])[1 + id % 4], 'دلیل',
                   'قانون', 'ماده ۱', 1, created_at FROM responses;
            INSERT INTO response_comments (comment_id, response_id)
            SELECT c.id, (c.id - 1) / 10 + 1 FROM comments c JOIN responses r ON r.id = (c.id - 1) / 10 + 1
            WHERE (c.id - 1) % 10 < 6""")
        timed(c, "ratings", f"""
            INSERT INTO services (agency_id, name_fa, name_en, description_fa, description_en, created_at, updated_at)
            SELECT a.id, 'خدمت ' || n, 'Service ' || n, '', '', now(), now() FROM agencies a, generate_series(1, 3) n;
            INSERT INTO service_ratings (service_id, user_id, score, comment, period, rated_at)
            SELECT 1 + g % {AGENCIES * 3}, 1 + g % {PEOPLE}, 1 + g % 5,
                   CASE WHEN g % 4 = 0 THEN 'نظر درباره خدمت ' || g END, m.period,
                   m.starts + ((g / {len(MONTHS)})::float / ({RATINGS} / {len(MONTHS)} + 1)) * (m.ends - m.starts)
            FROM generate_series(0, {RATINGS - 1}) g
            JOIN (VALUES {months}) m(n, period, starts, ends) ON m.n = g % {len(MONTHS)};
            INSERT INTO service_answers (rating_id, decision, reason, revision, author_id, answered_at)
            SELECT id, 'accepted', 'پاسخ دستگاه', 1, 1, rated_at + interval '3 days'
            FROM service_ratings WHERE comment IS NOT NULL AND id % 3 <> 0""")
        timed(c, "analyze", "ANALYZE")


def measure(engine, runs: int) -> dict:
    statements, started_at, slowest = [], [], {}

    def before(connection, cursor, statement, *args):
        statements.append(statement)
        started_at.append(time.perf_counter())

    def after(connection, cursor, statement, *args):
        # The statement's first words after SELECT name it well enough to find which one is slow.
        label = " ".join(statement.split())[:90]
        slowest[label] = max(slowest.get(label, 0.0), time.perf_counter() - started_at.pop())

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    years = range(indicators.jalali_year(FIRST), indicators.jalali_year(NOW) + 1)
    cold = []
    for _ in range(runs):
        statements.clear()
        with Session(engine) as session:
            started = time.perf_counter()
            dashboard = indicators.compute(session, SETTINGS, years)
            cold.append(time.perf_counter() - started)
    cold_statements = len(statements)
    indicators._cache.clear()
    with Session(engine) as session:
        indicators.cached_dashboard(session, SETTINGS, NOW)
        warm = []
        for _ in range(runs * 5):
            statements.clear()
            started = time.perf_counter()
            indicators.cached_dashboard(session, SETTINGS, NOW)
            warm.append(time.perf_counter() - started)
    ministry = dashboard.figures(None, "1403")
    return {"cold_s": [round(t, 3) for t in cold], "cold_median_s": round(statistics.median(cold), 3),
            "cold_statements": cold_statements, "warm_median_ms": round(statistics.median(warm) * 1000, 2),
            "warm_statements": len(statements),
            "check_1403": {name: ministry.get(name) for name in indicators.COLUMNS},
            "slowest_statements_s": {label: round(seconds, 3) for label, seconds in
                                     sorted(slowest.items(), key=lambda item: -item[1])[:8]}}


def rebuild_tallies(engine) -> float:
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        tallies.rebuild(session)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE comment_tallies, participation_presence, participation_headcounts")
    seconds = time.perf_counter() - started
    log(f"  tallies rebuilt: {seconds:.1f} s")
    return seconds


def measure_writes(engine, writes: int = 100) -> dict:
    """Median ms to write one comment (flush, then roll back), with the tallies' listeners and without them."""
    draft_id = 1

    def write(n):
        with Session(engine) as session:
            draft = session.get(Draft, draft_id)  # noqa: F841 (loaded, as the comment view has it with its context)
            started = time.perf_counter()
            now = datetime.now(timezone.utc)
            session.add(Comment(draft_id=draft_id, author_id=1 + (n * 7) % PEOPLE, body=f"نظر تازه {n}",
                                fingerprint=f"bench-write-{n}", state="visible", support_count=0, created_at=now,
                                updated_at=now))
            session.flush()
            seconds = time.perf_counter() - started
            session.rollback()
            return seconds

    listeners = (("before_flush", tallies.read_before), ("after_flush", tallies.add_after))
    kept = [write(n) for n in range(writes)]
    for name, listener in listeners:
        sa.event.remove(Session, name, listener)
    try:
        bare = [write(n) for n in range(writes)]
    finally:
        for name, listener in listeners:
            sa.event.listen(Session, name, listener)
    return {"comment_write_ms_with_tallies": round(statistics.median(kept) * 1000, 2),
            "comment_write_ms_without": round(statistics.median(bare) * 1000, 2)}


def measure_page(database_url: str, runs: int) -> dict:
    import webtest

    from eparticipation import main as make_app

    with tempfile.TemporaryDirectory() as files_dir:
        app = webtest.TestApp(make_app({}, **app_settings(database_url, files_dir)),
                              extra_environ={"HTTP_HOST": "example.com"})
        cold, warm = [], []
        for _ in range(runs):
            indicators._cache.clear()
            started = time.perf_counter()
            app.get("/transparency/?year=1403")
            cold.append(time.perf_counter() - started)
            started = time.perf_counter()
            app.get("/transparency/?year=1403&quarter=2")
            warm.append(time.perf_counter() - started)
    return {"page_cold_median_s": round(statistics.median(cold), 3),
            "page_warm_median_ms": round(statistics.median(warm) * 1000, 1)}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--comments", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="measure the data already there (no rebuild)")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    url = sa.engine.make_url(args.database_url)
    ensure_database(url)
    engine = get_engine({"sqlalchemy.url": args.database_url})
    if not args.keep:
        log("rebuilding the schema")
        rebuild_schema(engine)
        log("seeding")
        seed(engine, args.comments)
    rebuilt = {} if args.keep else {"tallies_rebuild_s": round(rebuild_tallies(engine), 1)}
    with engine.connect() as connection:
        comments = connection.scalar(sa.text("SELECT count(*) FROM comments"))
    results = {"comments": comments, **rebuilt, **measure(engine, args.runs), **measure_page(args.database_url, args.runs),
               **measure_writes(engine),
               "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    goals = {"cold ≤ 2 s": results["cold_median_s"] <= 2, "warm ≤ 100 ms": results["warm_median_ms"] <= 100,
             "memory < 500 MiB": results["peak_memory_mib"] < 500}
    if args.json:
        print(json.dumps({**results, "goals": goals}, ensure_ascii=False, indent=2))
    else:
        for key, value in results.items():
            print(f"{key}: {value}")
        for goal, met in goals.items():
            print(f"{goal}: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    sys.exit(main())
