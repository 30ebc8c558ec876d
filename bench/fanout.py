"""Times opening a consultation that 100,000 people follow (O3), on PostgreSQL: the coordinator's request, which
only records that a fan-out is due, and the delivery worker's task that writes the followers' messages.

It fills a database with one agency, its coordinator, a few drafts ready to open and N followers (by default
100,000: nine in ten with an account, a fifth of them in English, a quarter with a linked Bale chat they chose,
following the site, the agency or the document type, some two of them; one in ten a visitor by e-mail alone,
confirmed). Then:

1. request: the coordinator opens each draft through the application (WebTest, a real transaction committed by
   pyramid_tm, the session signed in through /login); the median and the slowest of the POSTs. Goal < 100 ms.
2. worker: the subscriptions' worker task (`services.fan_out`, its own transaction) writes the first opening's
   messages: inbox, e-mail (account and visitor) and Bale. Goal <= 30 s. It runs a second time and a third (in
   parallel with nothing left to do) to show that nothing more is written.

Usage: .venv/bin/python bench/fanout.py [--database-url URL] [--followers 100000] [--drafts 5] [--json]

Not a test: the name has no test_ prefix and the file lives outside tests/. See bench/README.md.
"""

import argparse
import json
import os
import statistics
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
import webtest  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.draft_page import app_settings, ensure_database, rebuild_schema  # noqa: E402
from eparticipation import main as make_app  # noqa: E402
from eparticipation.accounts.models import Role, RoleGrant, User  # noqa: E402
from eparticipation.accounts.services import hash_password  # noqa: E402
from eparticipation.agencies.models import Agency  # noqa: E402
from eparticipation.consultations.models import Article, DocumentType, Draft, DraftText  # noqa: E402
from eparticipation.consultations.workflow import local_date  # noqa: E402
from eparticipation.db import utcnow  # noqa: E402
from eparticipation.subscriptions import services  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/eparticipation_fanout_bench"
PASSWORD = "fan-out bench password 7Qm"
COORDINATOR = "coordinator@fanout.example.org"


def log(message):
    print(message, file=sys.stderr, flush=True)


def seed(engine, followers: int, drafts: int) -> tuple[int, list[int]]:
    """The agency, its coordinator, `drafts` drafts ready to open and `followers` followers."""
    now = utcnow()
    with Session(engine) as session, session.begin():
        agency = Agency(code="fanout", name_fa="دستگاه آزمون", name_en="Fan-out benchmark agency")
        session.add(agency)
        session.flush()
        coordinator = User(email=COORDINATOR, password_hash=hash_password(PASSWORD), display_name="هماهنگ‌کننده",
                           email_verified_at=now)
        coordinator.grants.append(RoleGrant(role=Role.coordinator, agency_id=agency.id))
        session.add(coordinator)
        ids = []
        for n in range(drafts):
            draft = Draft(agency_id=agency.id, document_type=DocumentType.bylaw)
            draft.texts["fa"] = DraftText(language="fa", title=f"آیین‌نامه آزمون {n}", summary="خلاصه", call="دعوت")
            draft.texts["en"] = DraftText(language="en", title=f"Benchmark bylaw {n}", summary="Summary", call="Call")
            draft.articles = [Article(number=str(i), position=i, heading=f"ماده {i}", text="متن", notes=[])
                              for i in range(1, 4)]
            session.add(draft)
            session.flush()
            ids.append(draft.id)
        agency_id = agency.id
    accounts = followers - followers // 10
    visitors = followers // 10
    stamp = now.isoformat()
    with engine.begin() as connection:
        def run(statement):  # no parameters: a "%" is the modulo operator, doubled for the driver
            connection.exec_driver_sql(statement.replace("%", "%%"))

        run(f"""INSERT INTO users (email, password_hash, display_name, locale, is_active, created_at)
                SELECT 'f' || n || '@fanout.example.org', 'x', 'دنبال‌کننده ' || n,
                       CASE WHEN n % 5 = 0 THEN 'en' ELSE 'fa' END, true, '{stamp}'
                FROM generate_series(1, {accounts}) AS n""")
        run(f"""INSERT INTO subscribers (user_id, locale, unsubscribe_token, created_at)
                SELECT id, locale, md5('u' || id), '{stamp}' FROM users WHERE email LIKE 'f%@fanout.example.org'""")
        run(f"""INSERT INTO subscribers (email, locale, unsubscribe_token, created_at)
                SELECT 'v' || n || '@visitor.example.org', CASE WHEN n % 3 = 0 THEN 'en' ELSE 'fa' END,
                       md5('v' || n), '{stamp}'
                FROM generate_series(1, {visitors}) AS n""")
        run("""INSERT INTO subscriber_channels (subscriber_id, channel)
               SELECT s.id, c.channel FROM subscribers s CROSS JOIN (VALUES ('inbox'), ('email')) AS c(channel)
               WHERE s.user_id IS NOT NULL""")
        run(f"""INSERT INTO messenger_links (user_id, messenger, chat_id, linked_at)
                SELECT id, 'bale', (100000000 + id)::text, '{stamp}'
                FROM users WHERE email LIKE 'f%@fanout.example.org' AND id % 4 = 0""")
        run("""INSERT INTO subscriber_channels (subscriber_id, channel)
               SELECT s.id, 'bale' FROM subscribers s JOIN messenger_links l ON l.user_id = s.user_id""")
        # A third follow the site, a third the agency, a third the type; one in seven a second target too.
        run(f"""INSERT INTO subscriptions (subscriber_id, target, agency_id, created_at, confirmed_at)
                SELECT id, CASE id % 3 WHEN 0 THEN 'site' WHEN 1 THEN 'agency:{agency_id}' ELSE 'type:bylaw' END,
                       CASE WHEN id % 3 = 1 THEN {agency_id} END, '{stamp}', '{stamp}'
                FROM subscribers""")
        run(f"""INSERT INTO subscriptions (subscriber_id, target, created_at, confirmed_at)
                SELECT id, 'site', '{stamp}', '{stamp}' FROM subscribers WHERE id % 7 = 0 AND id % 3 <> 0""")
        run("ANALYZE")
    return agency_id, ids


def expected_messages(engine, registry) -> dict:
    with engine.connect() as connection:
        count = lambda sql: connection.scalar(sa.text(sql))  # noqa: E731
        return {
            "people": count("SELECT count(*) FROM subscribers"),
            "inbox": count("SELECT count(*) FROM subscriber_channels WHERE channel = 'inbox'"),
            "outbox": count("SELECT count(*) FROM subscriber_channels WHERE channel IN ('email', 'bale')")
            + count("SELECT count(*) FROM subscribers WHERE user_id IS NULL"),
        }


def written(engine) -> dict:
    with engine.connect() as connection:
        return {
            "inbox": connection.scalar(sa.text("SELECT count(*) FROM inbox_messages WHERE key LIKE 'subscriptions:%'")),
            "outbox": connection.scalar(sa.text(
                "SELECT count(*) FROM outbox_messages WHERE key LIKE 'subscriptions:%'")),
        }


def open_requests(app, draft_ids: list[int]) -> list[float]:
    browser = webtest.TestApp(app, extra_environ={"HTTP_HOST": "eparticipation.example.ir"})
    form = browser.get("/login").forms["login"]
    form["email"], form["password"] = COORDINATOR, PASSWORD
    form.submit("login", status=303)
    today = local_date(utcnow())
    timings = []
    for draft_id in draft_ids:
        form = browser.get(f"/consultations/{draft_id}/open").forms["transition"]
        form["start"], form["end"] = today.isoformat(), (today + timedelta(days=31)).isoformat()
        started = time.perf_counter()
        form.submit("confirm", status=303)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def run(args) -> dict:
    url = sa.engine.make_url(args.database_url)
    ensure_database(url)
    engine = sa.create_engine(url)
    log(f"rebuilding the schema of {url.render_as_string(hide_password=True)}")
    rebuild_schema(engine)
    log(f"seeding {args.followers} followers")
    started = time.perf_counter()
    _agency_id, draft_ids = seed(engine, args.followers, args.drafts)
    log(f"seeded in {time.perf_counter() - started:.1f} s")
    files = tempfile.mkdtemp(prefix="fanout-bench-")
    settings = app_settings(args.database_url, files) | {
        "eparticipation.mfa.required_for_staff": "false",
        "eparticipation.messaging.channels": "email bale",
        "eparticipation.messaging.email.adapter": "folder",
        "eparticipation.messaging.email.folder": os.path.join(files, "email"),
        "eparticipation.messaging.bale.adapter": "folder",
        "eparticipation.messaging.bale.folder": os.path.join(files, "bale"),
    }
    app = make_app({}, **settings)
    registry = app.registry

    log(f"opening {len(draft_ids)} consultations through the coordinator's requests")
    timings = open_requests(app, draft_ids)
    with engine.begin() as connection:  # only the first opening's fan-out is written; the others wait
        connection.execute(sa.text("UPDATE subscription_fanouts SET due_at = due_at + interval '1 year' "
                                   "WHERE draft_id <> :first"), {"first": draft_ids[0]})
    expected = expected_messages(engine, registry)

    log("the worker writes the first opening's messages")
    started = time.perf_counter()
    told = services.fan_out(registry)
    worker_seconds = time.perf_counter() - started
    first = written(engine)
    started = time.perf_counter()
    again = services.fan_out(registry)
    second_seconds = time.perf_counter() - started
    # Run again as if claimed twice (the unique keys alone keep it once).
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE subscription_fanouts SET done_at = NULL WHERE draft_id = :first"),
                           {"first": draft_ids[0]})
    started = time.perf_counter()
    services.fan_out(registry)
    rerun_seconds = time.perf_counter() - started
    after = written(engine)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "followers": args.followers,
        "load_average": load,
        "request_ms": {"each": [round(t, 1) for t in timings], "median": round(statistics.median(timings), 1),
                       "max": round(max(timings), 1), "goal": "< 100", "met": max(timings) < 100},
        "worker": {"people_told": told, "seconds": round(worker_seconds, 2), "messages": first,
                   "expected": expected, "goal": "<= 30 s", "met": worker_seconds <= 30
                   and first == {"inbox": expected["inbox"], "outbox": expected["outbox"]}},
        "second_run": {"told": again, "seconds": round(second_seconds, 3)},
        "rerun_unclaimed": {"seconds": round(rerun_seconds, 2), "messages_after": after,
                            "unchanged": after == first},
    }


def table(results: dict) -> str:
    request, worker = results["request_ms"], results["worker"]
    lines = [
        f"followers: {results['followers']:,}   load average: {results['load_average']}",
        f"coordinator's request (open): median {request['median']} ms, slowest {request['max']} ms "
        f"(goal < 100 ms) {'met' if request['met'] else 'MISSED'}",
        f"worker: {worker['people_told']:,} people told, {worker['messages']['inbox']:,} inbox + "
        f"{worker['messages']['outbox']:,} outbox messages in {worker['seconds']} s (goal <= 30 s) "
        f"{'met' if worker['met'] else 'MISSED'}; expected {worker['expected']}",
        f"second run: {results['second_run']['told']} told in {results['second_run']['seconds']} s",
        f"re-run of a fan-out taken again: {results['rerun_unclaimed']['seconds']} s, messages "
        f"{'unchanged' if results['rerun_unclaimed']['unchanged'] else 'CHANGED'}",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--drafts", type=int, default=5, help="consultations opened (their requests timed)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        results = run(args)
    except sa.exc.OperationalError as error:
        log(f"cannot reach PostgreSQL: {error.orig}")
        return 1
    print(json.dumps(results, ensure_ascii=False, indent=2) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
