"""Benchmark: the leaderboard and one person's totals with 1,000,000 ledger entries over 200,000 people (PostgreSQL).

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/ep_points .venv/bin/python -m bench.points

Rows are made by generate_series in one transaction that is rolled back; the statements timed are the pages' own
(incentives.public.board, and the ledger page and totals of /me/points), three runs each.
"""

import os
import statistics
import time

import sqlalchemy as sa
from sqlalchemy.orm import Session

import eparticipation.models  # noqa: F401 (every mapper, for the relationships)
from eparticipation.incentives.models import LedgerEntry, PointsTotal
from eparticipation.incentives.public import board

SEED = """
INSERT INTO users (id, email, display_name, password_hash, locale, is_active, created_at)
  SELECT 1000000 + g, 'bench' || g || '@example.org', 'p' || g, 'x', 'fa', true, now() FROM generate_series(1, 200000) g;
INSERT INTO points_public (user_id, public_name, chosen_at)
  SELECT 1000000 + g, 'p' || g, now() FROM generate_series(1, 200000, 10) g;
INSERT INTO points_ledger (user_id, agency_id, draft_id, act, object_id, points, basis, reason, act_at, at)
  SELECT 1000000 + (g % 200000) + 1, :agency, NULL, 'rating', g, 1 + g % 7, 1, 'earned', now(), now()
  FROM generate_series(1, 1000000) g;
INSERT INTO points_totals (period, scope, user_id, points)
  SELECT p.period, s.scope, l.user_id, sum(l.points) FROM points_ledger l,
    (VALUES ('all'), ('1405'), ('1405-s3')) p(period), (VALUES (0), (:agency)) s(scope)
  GROUP BY p.period, s.scope, l.user_id;
ANALYZE points_ledger; ANALYZE points_totals; ANALYZE points_public;
"""


def timed(fn):
    times = []
    for _ in range(3):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times), max(times)


def main():
    engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"])
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        agency = connection.execute(sa.text(
            "INSERT INTO agencies (code, name_fa, name_en, created_at) VALUES ('bench', 'b', 'b', now()) RETURNING id")).scalar()
        for statement in SEED.split(";\n"):
            if statement.strip():
                connection.execute(sa.text(statement), {"agency": agency})
        person = 1000000 + 12345

        def me():
            session.execute(sa.select(PointsTotal.period, PointsTotal.points).where(
                PointsTotal.user_id == person, PointsTotal.scope == 0)).all()
            session.execute(sa.select(LedgerEntry).where(LedgerEntry.user_id == person)
                            .order_by(LedgerEntry.id.desc()).limit(100)).all()

        print("leaderboard (site, 1405): min %.1f / median %.1f / max %.1f ms" % timed(lambda: board(session, "1405")))
        print("leaderboard (agency): min %.1f / median %.1f / max %.1f ms" % timed(lambda: board(session, "1405", agency)))
        print("/me/points statements: min %.1f / median %.1f / max %.1f ms" % timed(me))
        transaction.rollback()


if __name__ == "__main__":
    main()
