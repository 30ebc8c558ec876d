"""Times the report's statistics (`eparticipation.reports.statistics.build_statistics`, with suppression) on
the database that bench/report_data.py fills: the median of several runs against the goal of 3 s, the peak
memory of the process, and the time of each SQL statement of the last run (with --explain, their plans).

Usage: .venv/bin/python bench/report.py [--database-url URL] [--runs 3] [--k 5] [--explain] [--json]
       .venv/bin/python bench/report.py --whole   # the worker's whole build, through ReportBuilder (60 s goal)

Both measure in the report worker's transaction: REPEATABLE READ, its snapshot exported before the savepoint
the build runs in (--one-connection: no second connection, as on SQLite).

It exits 0 when the goal is missed (printing MISSED) and 1 when it cannot measure. See bench/README.md.
Not a test: the name has no test_ prefix and the file lives outside tests/.
"""

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.report_data import AGENCY_CODE, DEFAULT_URL  # noqa: E402
from eparticipation.agencies.models import Agency  # noqa: E402
from eparticipation.consultations.models import Draft  # noqa: E402
from eparticipation.db import get_engine  # noqa: E402
from eparticipation.models import Base  # noqa: E402, F401  (every table in the metadata)
from eparticipation.reports.statistics import build_statistics, export_snapshot  # noqa: E402

GOAL_SECONDS = 3.0
WHOLE_GOAL_SECONDS = 60.0
MEMORY_GOAL_MIB = 2048


def log(message):
    print(message, file=sys.stderr, flush=True)


class StatementTimer:
    """The SQL statements sent, each with the time from the cursor's execute to its return."""

    def __init__(self):
        self.statements = []

    def before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["started"] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((time.perf_counter() - conn.info.pop("started"), statement, parameters))


def measure(url: str, runs: int, k: int, explain: bool, concurrent: bool = True) -> dict:
    """`runs` builds of the statistics, each in a transaction laid out as the report worker's
    (ReportBuilder.build_one): REPEATABLE READ, its snapshot exported first, the statistics inside a savepoint."""
    engine = get_engine({"sqlalchemy.url": url})
    try:
        with Session(engine) as session:
            draft = session.scalar(sa.select(Draft).join(Agency).where(Agency.code == AGENCY_CODE))
            if draft is None:
                raise SystemExit(f"no benchmark draft in {sa.make_url(url).database}: run bench/report_data.py")
            counts = session.execute(sa.text(
                "SELECT (SELECT count(*) FROM comments WHERE draft_id = :d), "
                "(SELECT count(DISTINCT author_id) FROM comments WHERE draft_id = :d), "
                "(SELECT count(*) FROM users)"), {"d": draft.id}).one()
            server = session.scalar(sa.text("SHOW server_version"))
            session.rollback()
            timings, timer = [], None
            for run in range(runs):
                timer = StatementTimer()
                sa.event.listen(engine, "before_cursor_execute", timer.before)
                sa.event.listen(engine, "after_cursor_execute", timer.after)
                started = time.perf_counter()
                snapshot = None
                if concurrent:
                    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                    snapshot = export_snapshot(session)
                with session.begin_nested():
                    result = build_statistics(session, draft, k=k, concurrent=concurrent, snapshot=snapshot)
                timings.append(time.perf_counter() - started)
                sa.event.remove(engine, "before_cursor_execute", timer.before)
                sa.event.remove(engine, "after_cursor_execute", timer.after)
                session.rollback()  # a new transaction for each run, as a worker would have
                log(f"run {run + 1}: {timings[-1]:.2f} s, {len(timer.statements)} statements")
            plans = []
            if explain:
                for _, statement, parameters in timer.statements:
                    if not statement.lstrip().upper().startswith("SELECT") or "pg_export_snapshot" in statement:
                        continue  # SAVEPOINT, SET TRANSACTION SNAPSHOT, the export: nothing to plan
                    rows = session.connection().exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
                    plans.append("\n".join(row[0] for row in rows))
    finally:
        engine.dispose()
    median = statistics.median(timings)
    return {
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "postgresql": server, "load_average": os.getloadavg()},
        "data": {"comments": counts[0], "authors": counts[1], "users": counts[2]},
        "k": k,
        "concurrent": concurrent,
        "runs_seconds": [round(t, 3) for t in timings],
        "median_seconds": round(median, 3),
        "goal_seconds": GOAL_SECONDS,
        "goal": "met" if median <= GOAL_SECONDS else "MISSED",
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "statements": [{"seconds": round(seconds, 3), "sql": " ".join(statement.split())[:160]}
                       for seconds, statement, _ in timer.statements],
        "plans": plans,
        "output_bytes": len(json.dumps(result, ensure_ascii=False).encode("utf-8")),
    }


def measure_whole(url: str, k: int, concurrent: bool = True) -> dict:
    """What the report worker does for one draft, through its own code: the draft's report is queued, then
    `ReportBuilder.build_one` claims it, builds the statistics and the themes and stores them (in the
    benchmark database), timed as a whole and with the statistics' share."""
    from pyramid.registry import Registry

    from eparticipation.clock import SystemClock
    from eparticipation.db import get_session_factory
    from eparticipation.reports import statistics as report_statistics
    from eparticipation.reports.models import Report
    from eparticipation.reports.services import ReportBuilder, request_build

    engine = get_engine({"sqlalchemy.url": url})
    registry = Registry("bench")
    registry.settings = {"eparticipation.report.k": k, "eparticipation.report.max_themes": 8,
                         "eparticipation.report.concurrent": concurrent}
    registry["clock"] = SystemClock()
    spent = {}
    original = report_statistics.build_statistics

    def timed_statistics(*args, **kwargs):  # build() looks it up at each call: time the statistics' share
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent["statistics"] = time.perf_counter() - started

    try:
        with Session(engine) as session:
            draft = session.scalar(sa.select(Draft).join(Agency).where(Agency.code == AGENCY_CODE))
            if draft is None:
                raise SystemExit(f"no benchmark draft in {sa.make_url(url).database}: run bench/report_data.py")
            report_id = request_build(session, draft, registry["clock"].now()).id
            session.commit()
        report_statistics.build_statistics = timed_statistics
        started = time.perf_counter()
        built = ReportBuilder(registry, session_factory=get_session_factory(engine)).build_one()
        finished = time.perf_counter()
        with Session(engine) as session:
            themes = session.scalars(sa.select(Report).where(Report.id == built.report_id)).one().themes
            themes = [{"size": t.size, "terms": t.top_terms[:5]} for t in themes]
    finally:
        report_statistics.build_statistics = original
        engine.dispose()
    if built is None or built.report_id != report_id or built.failed:
        raise SystemExit(f"the worker did not build the benchmark's report: {built}")
    total = finished - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "load_average": os.getloadavg(),
        "concurrent": concurrent,
        "status": built.status.value,
        "statistics_seconds": round(spent["statistics"], 2),
        "themes_and_storing_seconds": round(total - spent["statistics"], 2),
        "total_seconds": round(total, 2),
        "goal": "met" if total <= WHOLE_GOAL_SECONDS else "MISSED",
        "statistics_goal": "met" if spent["statistics"] <= GOAL_SECONDS else "MISSED",
        "peak_memory_mib": round(peak, 1),
        "memory_goal": "met" if peak < MEMORY_GOAL_MIB else "MISSED",
        "themes": themes,
    }


def report(results: dict) -> str:
    lines = [
        f"data: {results['data']['comments']:,} comments from {results['data']['authors']:,} authors, "
        f"{results['data']['users']:,} users; k = {results['k']}",
        f"machine: {results['machine']['cores']} cores, {results['machine']['platform']}, Python "
        f"{results['machine']['python']}, PostgreSQL {results['machine']['postgresql']}, load average "
        + " ".join(f"{v:.1f}" for v in results["machine"]["load_average"]),
        f"build_statistics ({'concurrent' if results['concurrent'] else 'one connection'}): runs "
        f"{', '.join(f'{t:.2f}' for t in results['runs_seconds'])} s; "
        f"median {results['median_seconds']:.2f} s (goal ≤ {results['goal_seconds']:.0f} s: {results['goal']})",
        f"peak memory of the process (ru_maxrss): {results['peak_memory_mib']} MiB; "
        f"output {results['output_bytes']:,} bytes of JSON",
        "statements of the last run:",
    ]
    lines += [f"  {s['seconds']:7.3f} s  {s['sql']}" for s in results["statements"]]
    for plan in results["plans"]:
        lines += ["", plan]
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each statement")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--one-connection", action="store_true",
                        help="all statements on one connection (the worker runs the longest on a second one)")
    parser.add_argument("--whole", action="store_true",
                        help="time the worker's whole build (statistics and themes) once, against 60 s and 2 GB")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.whole:
        results = measure_whole(args.database_url, args.k, not args.one_connection)
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    try:
        results = measure(args.database_url, args.runs, args.k, args.explain, not args.one_connection)
    except sa.exc.OperationalError as error:
        log(f"cannot reach PostgreSQL: {error.orig}")
        return 1
    print(json.dumps(results, ensure_ascii=False, indent=2) if args.json else report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
