#!/usr/bin/env python
"""Benchmark: on SQLite, do page views queue behind a burst of votes?

    .venv/bin/python bench/sqlite_reads.py [--seconds 8] [--readers 4] [--writers 4] [--runs 3] [--json]

A new SQLite file (in a temporary directory) is migrated and seeded as bench/draft_page.py seeds PostgreSQL;
the application is served by waitress in this process. Reader clients load the anonymous draft page, alone and
then beside writer threads that write votes as fast as they can, each vote in a transaction that holds the write
lock for a couple of milliseconds, as the vote request does. Each vote moves the draft's participation version,
so the page cache never answers: every page view reads the database.

Two ways the application may begin a page view's transaction are compared, in the same run:
  deferred   (the application) a request that only reads begins DEFERRED, on its snapshot of the write-ahead log
  immediate  (before) every transaction begins IMMEDIATE, so page views wait for the write lock like the writes
Numbers: readers' requests per second and their median/p95 latency, the writers' votes per second; min, median and
max over --runs runs. Not a test: pytest never collects bench/.
"""

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402

from bench.draft_page import app_settings, hammer, log, rebuild_schema, seed, serve  # noqa: E402
from eparticipation import db  # noqa: E402
from eparticipation import main as make_app  # noqa: E402

HOLD_SECONDS = 0.002  # what a vote request does while it holds the lock (its reads, its writes, its audit)


def vote_burst(engine, draft_id, user_ids, stop, counts, index):
    """Votes as fast as one request thread can write them, until `stop` is set."""
    chance = random.Random(index)
    upsert = sa.text(
        "INSERT INTO votes (draft_id, user_id, choice, cast_at, updated_at) "
        "VALUES (:draft, :user, :choice, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) "
        "ON CONFLICT (draft_id, user_id) DO UPDATE SET choice = excluded.choice, updated_at = excluded.updated_at"
    )
    bump = sa.text("UPDATE drafts SET participation_version = participation_version + 1 WHERE id = :draft")
    while not stop.is_set():
        with engine.begin() as connection:  # BEGIN IMMEDIATE, as every writing request
            connection.execute(upsert, {"draft": draft_id, "user": chance.choice(user_ids),
                                        "choice": chance.choice(["support", "oppose", "abstain"])})
            connection.execute(bump, {"draft": draft_id})
            time.sleep(HOLD_SECONDS)
        counts[index] += 1


def load(port, path, seconds, readers, engine=None, draft_id=None, user_ids=(), writers=0):
    stop, counts = threading.Event(), [0] * writers
    threads = [threading.Thread(target=vote_burst, args=(engine, draft_id, user_ids, stop, counts, i), daemon=True)
               for i in range(writers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    latencies, busy, _, _ = hammer(port, path, (), seconds, readers)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = sorted(x for client in latencies for x in client)
    return {
        "reads_per_s": sum(len(c) / b for c, b in zip(latencies, busy) if b > 0),
        "median_ms": 1000 * statistics.median(flat),
        "p95_ms": 1000 * flat[int(0.95 * (len(flat) - 1))],
        "votes_per_s": sum(counts) / elapsed if writers else 0.0,
    }


def one_run(mode, args, directory):
    url = f"sqlite:///{directory}/{mode}.sqlite"
    engine = db.get_engine({"sqlalchemy.url": url})
    rebuild_schema(engine)
    seeded = seed(engine)
    with engine.connect() as connection:
        user_ids = list(connection.scalars(sa.text("SELECT id FROM users")))
    original = db.reading_engine
    if mode == "immediate":
        db.reading_engine = lambda e: e  # as before: page views begin IMMEDIATE too
    try:
        app = make_app({}, **app_settings(url, str(Path(directory) / f"{mode}-files")))
    finally:
        db.reading_engine = original
    server, port = serve(app, args.server_threads)
    path = f"/consultations/{seeded.draft_id}/"
    try:
        load(port, path, 1, args.readers)  # warm up
        quiet = load(port, path, args.seconds, args.readers)
        burst = load(port, path, args.seconds, args.readers, engine, seeded.draft_id, user_ids, args.writers)
    finally:
        server.close()
        engine.dispose()
    return {"quiet": quiet, "burst": burst}


def spread(values):
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    runs = {"deferred": [], "immediate": []}
    with tempfile.TemporaryDirectory() as directory:
        for number in range(args.runs):
            for mode in runs:
                log(f"run {number + 1}/{args.runs}: {mode}")
                runs[mode].append(one_run(mode, args, f"{directory}"))
    results = {
        mode: {phase: {key: spread([r[phase][key] for r in found]) for key in found[0][phase]}
               for phase in ("quiet", "burst")}
        for mode, found in runs.items()
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'mode':<10} {'phase':<6} {'reads/s min/med/max':<24} {'median ms':<10} {'p95 ms':<10} votes/s (med)")
    for mode, phases in results.items():
        for phase, figures in phases.items():
            r = figures["reads_per_s"]
            print(f"{mode:<10} {phase:<6} {r['min']:>6.0f} {r['median']:>6.0f} {r['max']:>6.0f}       "
                  f"{figures['median_ms']['median']:>8.1f}   {figures['p95_ms']['median']:>8.1f}   "
                  f"{figures['votes_per_s']['median']:>6.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
