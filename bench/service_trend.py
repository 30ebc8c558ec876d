#!/usr/bin/env python
"""Benchmark of a service's public trend page (/agencies/<code>/services/<id>/trend) on PostgreSQL.

    .venv/bin/python bench/service_trend.py [--ratings 100000] [--users 20000] [--requests 20] [--database-url URL]

It (re)builds its own database with Alembic, seeds one agency with one service rated by `--users` people with
varied profiles over 24 Jalali months (`--ratings` ratings, a third with a comment, a tenth of those answered),
then requests the page in process (fa and en) and reports the statements per request and the median and
worst time. It exits 0 when a goal is missed (printing MISSED), 1 when it cannot measure. See bench/README.md.

Not a test: the name has no test_ prefix and the file lives outside tests/, so pytest never collects it.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402
from webob import Request  # noqa: E402

from bench.draft_page import BenchError, app_settings, ensure_database, log, machine_facts, rebuild_schema  # noqa: E402
from eparticipation import main as make_app  # noqa: E402
from eparticipation.accounts.models import StakeholderCategory  # noqa: E402
from eparticipation.feedback.models import rating_period  # noqa: E402
from eparticipation.geography import residence_codes  # noqa: E402
from eparticipation.models import Base  # noqa: E402, F401  (every table in the metadata)

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1/eparticipation_bench_service"
CODE = "bench-agency"
GOAL_STATEMENTS = 8  # the page's own three, with the session, the identity and the traversal
GOAL_MEDIAN_MS = 500
START = datetime(2025, 1, 10, 8, 0, tzinfo=timezone.utc)


def seed(engine, users: int, ratings: int) -> int:
    """The agency, its service and the ratings (bulk inserts); the service's id."""
    rng = random.Random(1405)
    now = datetime.now(timezone.utc)
    provinces = residence_codes()
    with engine.begin() as connection:
        agency = connection.scalar(sa.text(
            "INSERT INTO agencies (code, name_fa, name_en, created_at) VALUES (:code, 'دستگاه', 'Agency', :now) "
            "RETURNING id"), {"code": CODE, "now": now})
        service = connection.scalar(sa.text(
            "INSERT INTO services (agency_id, name_fa, name_en, description_fa, description_en, created_at, "
            "updated_at) VALUES (:agency, 'خدمت', 'Service', '', '', :now, :now) RETURNING id"),
            {"agency": agency, "now": now})
        connection.execute(sa.text(
            "INSERT INTO users (email, display_name, password_hash, birth_year, gender, residence, "
            "stakeholder_category, created_at, is_active, locale) VALUES (:email, 'x', 'x', :year, :gender, "
            ":residence, :category, :now, true, 'fa')"),
            [{"email": f"u{n}@example.org", "year": rng.choice([None, *range(1945, 2010)]),
              "gender": rng.choice([None, "female", "male", "undisclosed"]), "residence": rng.choice(provinces),
              "category": rng.choice([None, *(c.value for c in StakeholderCategory)]), "now": now}
             for n in range(users)])
        ids = connection.scalars(sa.text("SELECT id FROM users ORDER BY id")).all()
        rows, seen = [], set()
        while len(rows) < ratings:
            user, month = rng.choice(ids), rng.randrange(24)
            at = START + timedelta(days=30 * month + rng.randrange(25))
            key = (user, rating_period(at))
            if key in seen:
                continue
            seen.add(key)
            rows.append({"service": service, "user": user, "score": rng.randint(1, 5),
                         "comment": "نظر" if rng.random() < 0.33 else None, "period": key[1], "at": at})
        connection.execute(sa.text(
            "INSERT INTO service_ratings (service_id, user_id, score, comment, period, rated_at) "
            "VALUES (:service, :user, :score, :comment, :period, :at)"), rows)
        connection.execute(sa.text(
            "INSERT INTO service_answers (rating_id, decision, reason, revision, answered_at) "
            "SELECT id, 'noted', 'پاسخ', 1, rated_at FROM service_ratings WHERE comment IS NOT NULL AND id % 10 = 0"))
        connection.exec_driver_sql("ANALYZE")
    return service


def run(args) -> dict:
    url = sa.make_url(args.database_url)
    ensure_database(url)
    engine = sa.create_engine(url)
    rebuild_schema(engine)
    log(f"seeding {args.users} people and {args.ratings} ratings")
    service = seed(engine, args.users, args.ratings)
    with tempfile.TemporaryDirectory() as files:
        app = make_app({}, **app_settings(args.database_url, files))
        counted = []  # every engine's statements: the app's is made inside it
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", lambda *a: counted.append(1))
        results = {}
        for language in ("fa", "en"):
            path = f"/agencies/{CODE}/services/{service}/trend?_LOCALE_={language}"
            times, statements = [], []
            for _ in range(args.requests + 2):
                counted.clear()
                started = time.perf_counter()
                response = Request.blank(path).get_response(app)
                times.append((time.perf_counter() - started) * 1000)
                statements.append(len(counted))
                if response.status_int != 200:
                    raise BenchError(f"{path} answered {response.status}")
            times, statements = times[2:], statements[2:]  # the first two warm the caches
            results[language] = {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
                                 "statements": max(statements)}
    worst = max(found["median_ms"] for found in results.values())
    most = max(found["statements"] for found in results.values())
    return {
        "machine": machine_facts(engine),
        "ratings": args.ratings, "users": args.users, "requests": args.requests,
        "pages": results,
        "goals": [
            {"goal": f"median ≤ {GOAL_MEDIAN_MS} ms", "value": worst, "met": worst <= GOAL_MEDIAN_MS},
            {"goal": f"≤ {GOAL_STATEMENTS} statements a request", "value": most, "met": most <= GOAL_STATEMENTS},
        ],
    }


def table(results) -> str:
    lines = [f"{results['ratings']} ratings by {results['users']} people, {results['requests']} requests each", "",
             f"{'page':6} {'median ms':>10} {'max ms':>8} {'statements':>11}"]
    for language, found in results["pages"].items():
        lines.append(f"{language:6} {found['median_ms']:10.1f} {found['max_ms']:8.1f} {found['statements']:11d}")
    lines.append("")
    for goal in results["goals"]:
        lines.append(f"{goal['goal']}: {goal['value']} {'met' if goal['met'] else 'MISSED'}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--ratings", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
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
