"""Benchmark: the leaderboards and a person's /me/points with 1,000,000 ledger entries over 200,000 people
(PostgreSQL), as the pages' statements and as whole requests through the application (server time: WSGI in
process, no network).

    .venv/bin/python -m bench.points [--database-url URL] [--runs 20] [--keep]

The database (eparticipation_points_bench by default) is rebuilt by Alembic and filled by generate_series: 200,000
people (one in ten opted into the boards), 40 published consultations of one agency, the ledger (half its entries on
the consultations, half on service ratings) and its totals per period and scope, as the application keeps them.

Not a test: the name has no test_ prefix and the file lives outside tests/. See bench/README.md.
"""

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import eparticipation.models  # noqa: E402, F401 (every mapper, for the relationships)
from bench.draft_page import app_settings, ensure_database, rebuild_schema  # noqa: E402
from eparticipation.accounts.services import hash_password  # noqa: E402
from eparticipation.db import get_engine  # noqa: E402
from eparticipation.incentives.models import LedgerEntry, PointsTotal  # noqa: E402
from eparticipation.incentives.public import board  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/eparticipation_points_bench"
PEOPLE, ENTRIES, DRAFTS = 200_000, 1_000_000, 40
PERSON = 12_345  # the one whose page is asked for: five entries, as each person has
PASSWORD = "bench password 1405"
YEAR, SEASON = "1405", "1405-s3"  # the boards' periods on the day measured (Azar 1405)

SEED = f"""
INSERT INTO agencies (id, code, name_fa, name_en, created_at) VALUES (1, 'bench', 'دستگاه', 'Agency', now());
INSERT INTO users (id, email, display_name, password_hash, locale, is_active, email_verified_at, created_at)
  SELECT g, 'bench' || g || '@example.org', 'شخص ' || g, 'x', 'fa', true, now(), now()
  FROM generate_series(1, {PEOPLE}) g;
SELECT setval(pg_get_serial_sequence('users', 'id'), {PEOPLE});
INSERT INTO drafts (id, agency_id, document_type, subject, state, created_at, updated_at, opens_at, closes_at,
                    closed_at, published_at, listed_at, search_text, participation_version)
  SELECT g, 1, 'bylaw', 'document', 'published', now() - interval '90 days', now(), now() - interval '90 days',
         now() - interval '60 days', now() - interval '60 days', now() - interval '30 days', now(), '', 1
  FROM generate_series(1, {DRAFTS}) g;
SELECT setval(pg_get_serial_sequence('drafts', 'id'), {DRAFTS});
INSERT INTO draft_texts (draft_id, language, title, summary, call)
  SELECT d, l, 'پیش‌نویس ' || d, 'خلاصه', 'فراخوان' FROM generate_series(1, {DRAFTS}) d, (VALUES ('fa'), ('en')) t(l);
INSERT INTO points_public (user_id, public_name, chosen_at)
  SELECT g, 'نام ' || g, now() FROM generate_series(1, {PEOPLE}, 10) g;
INSERT INTO points_ledger (user_id, agency_id, draft_id, act, object_id, points, basis, reason, act_at, at)
  SELECT (g % {PEOPLE}) + 1, 1, CASE WHEN g % 2 = 0 THEN 1 + g % {DRAFTS} END,
         CASE WHEN g % 2 = 0 THEN 'comment' ELSE 'rating' END, g, 1 + g % 7, 5, 'earned', now(), now()
  FROM generate_series(1, {ENTRIES}) g;
INSERT INTO points_totals (period, scope, user_id, points)
  SELECT p.period, s.scope, l.user_id, sum(l.points) FROM points_ledger l,
    (VALUES ('all'), ('{YEAR}'), ('{SEASON}')) p(period), (VALUES (0), (1)) s(scope)
  GROUP BY p.period, s.scope, l.user_id;
ANALYZE
"""


def log(message):
    print(message, file=sys.stderr, flush=True)


def timed(fn, runs: int) -> tuple[float, float, float]:
    """min, median and max in milliseconds; the first run (cold) is kept in the max."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return min(times), statistics.median(times), max(times)


def seed(engine):
    with engine.begin() as connection:
        for statement in SEED.split(";\n"):
            started = time.perf_counter()
            connection.exec_driver_sql(statement.replace("%", "%%"))
            log(f"  {' '.join(statement.split()[:3])[:40]}: {time.perf_counter() - started:.1f} s")
        connection.execute(sa.text("UPDATE users SET password_hash = :hash WHERE id = :id"),
                           {"hash": hash_password(PASSWORD), "id": PERSON})


def measure_statements(engine, runs: int) -> dict:
    with Session(engine) as session:
        def me():
            session.execute(sa.select(PointsTotal.period, PointsTotal.points).where(
                PointsTotal.user_id == PERSON, PointsTotal.scope == 0)).all()
            session.execute(sa.select(LedgerEntry).where(LedgerEntry.user_id == PERSON)
                            .order_by(LedgerEntry.id.desc()).limit(100)).all()

        return {"statements: site board, year": timed(lambda: board(session, YEAR), runs),
                "statements: agency board, year": timed(lambda: board(session, YEAR, 1), runs),
                "statements: /me/points totals and ledger": timed(me, runs)}


def measure_pages(database_url: str, runs: int) -> dict:
    import webtest

    from eparticipation import main as make_app

    with tempfile.TemporaryDirectory() as files_dir:
        app = webtest.TestApp(make_app({}, **app_settings(database_url, files_dir)),
                              extra_environ={"HTTP_HOST": "example.com"})
        form = app.get("/login").forms["login"]
        form["email"], form["password"] = f"bench{PERSON}@example.org", PASSWORD
        assert form.submit("login").status_int == 303, "the benchmark's person could not sign in"
        found = {}
        for label, path in (("page: /me/points/ (signed in)", "/me/points/"),
                            ("page: /leaderboard/ (site, year)", "/leaderboard/"),
                            ("page: /leaderboard/?period=season", f"/leaderboard/?period={SEASON}"),
                            ("page: /leaderboard/bench/ (agency)", "/leaderboard/bench/")):
            app.get(path, status=200)  # templates compiled, connection pool warm
            found[label] = timed(lambda: app.get(path, status=200), runs)
        return found


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="measure the data already there (no rebuild)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    ensure_database(sa.engine.make_url(args.database_url))
    engine = get_engine({"sqlalchemy.url": args.database_url})
    if not args.keep:
        log("rebuilding the schema")
        rebuild_schema(engine)
        log("seeding")
        seed(engine)
    results = {**measure_statements(engine, args.runs), **measure_pages(args.database_url, args.runs)}
    print(f"{'':48} {'min':>8} {'median':>8} {'max':>8}  (ms, {args.runs} runs)")
    for label, (low, middle, high) in results.items():
        print(f"{label:48} {low:8.1f} {middle:8.1f} {high:8.1f}")


if __name__ == "__main__":
    main()
