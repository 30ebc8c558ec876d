"""Times telling everyone who took part when a consultation's outcome is published (W4, R3), on PostgreSQL.

Publishing writes, in its own transaction, one inbox message per participant and one outbox message per channel
they can be reached on (`responses.subscribers.announce_outcome` → `messaging.notify_all`). This fills a
database with one closed consultation and N participants (voters; a tenth also commented and were answered; a
quarter linked a Bale chat), then times that step alone, rolled back after each run, and counts its statements.

Usage: .venv/bin/python bench/publish.py [--database-url URL] [--people 1000 10000 100000] [--json]

Not a test: the name has no test_ prefix and the file lives outside tests/. See bench/README.md.
"""

import argparse
import json
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402
from pyramid.request import Request  # noqa: E402
from pyramid.scripting import prepare  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.draft_page import app_settings, ensure_database, rebuild_schema  # noqa: E402
from eparticipation import main as make_app  # noqa: E402
from eparticipation.agencies.models import Agency  # noqa: E402
from eparticipation.clock import FrozenClock  # noqa: E402
from eparticipation.consultations.models import DocumentType, Draft, DraftText, State  # noqa: E402
from eparticipation.responses.subscribers import announce_outcome  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/eparticipation_publish_bench"
NOW = datetime(2026, 11, 28, 8, 0, tzinfo=timezone.utc)


def log(message):
    print(message, file=sys.stderr, flush=True)


def seed(engine, people: int) -> int:
    """One closed consultation and `people` participants; returns the draft's id."""
    with Session(engine) as session, session.begin():
        agency = Agency(code="publish-bench", name_fa="دستگاه آزمون انتشار", name_en="Publishing benchmark")
        session.add(agency)
        session.flush()
        draft = Draft(agency_id=agency.id, document_type=DocumentType.bylaw, state=State.closed,
                      created_at=NOW - timedelta(days=60), updated_at=NOW - timedelta(days=5),
                      opens_at=NOW - timedelta(days=40), closes_at=NOW - timedelta(days=5),
                      closed_at=NOW - timedelta(days=5), listed_at=NOW - timedelta(days=40))
        draft.texts["fa"] = DraftText(language="fa", title="آیین‌نامه آزمون انتشار", summary="خلاصه", call="دعوت")
        draft.texts["en"] = DraftText(language="en", title="Publishing benchmark bylaw", summary="Summary",
                                      call="Call")
        session.add(draft)
        session.flush()
        draft_id = draft.id
    with engine.begin() as connection:
        def run(statement):  # no parameters: a "%" is the modulo operator, doubled for the driver
            connection.exec_driver_sql(statement.replace("%", "%%"))

        run(f"""INSERT INTO users (email, password_hash, display_name, locale, is_active, created_at)
                SELECT 'p' || n || '@publish.example.org', 'x', 'شرکت‌کننده ' || n,
                       CASE WHEN n % 5 = 0 THEN 'en' ELSE 'fa' END, true, '{NOW.isoformat()}'
                FROM generate_series(1, {people}) AS n""")
        run(f"""INSERT INTO votes (draft_id, user_id, choice, cast_at, updated_at)
                SELECT {draft_id}, id, (ARRAY['support','oppose','abstain'])[1 + id % 3],
                       '{NOW.isoformat()}', '{NOW.isoformat()}'
                FROM users WHERE email LIKE '%@publish.example.org'""")
        run(f"""INSERT INTO messenger_links (user_id, messenger, chat_id, linked_at)
                SELECT id, 'bale', (100000000 + id)::text, '{NOW.isoformat()}'
                FROM users WHERE email LIKE '%@publish.example.org' AND id % 4 = 0""")
        run(f"""INSERT INTO comments (draft_id, author_id, body, fingerprint, anonymous, state, support_count,
                                      created_at, updated_at)
                SELECT {draft_id}, id, 'نظر شماره ' || id, md5('c' || id), false, 'visible', 0,
                       '{(NOW - timedelta(days=20)).isoformat()}', '{(NOW - timedelta(days=20)).isoformat()}'
                FROM users WHERE email LIKE '%@publish.example.org' AND id % 10 = 0""")
        author = connection.scalar(sa.text("SELECT min(id) FROM users WHERE email LIKE '%@publish.example.org'"))
        response_id = connection.scalar(sa.text(
            "INSERT INTO responses (draft_id, created_by_id, created_at) VALUES (:d, :u, :at) RETURNING id"),
            {"d": draft_id, "u": author, "at": NOW})
        run(f"""INSERT INTO response_revisions (response_id, number, decision, reason, author_id, written_at)
                VALUES ({response_id}, 1, 'noted', 'ثبت شد', {author}, '{NOW.isoformat()}')""")
        run(f"""INSERT INTO response_comments (comment_id, response_id)
                SELECT id, {response_id} FROM comments WHERE draft_id = {draft_id}""")
        run("ANALYZE")
    return draft_id


@contextmanager
def request_on(app, connection):
    """A request of the app on a session bound to `connection` (whose transaction the caller rolls back)."""
    registry = app.registry
    registry["clock"] = FrozenClock(NOW)
    env = prepare(request=Request.blank("/", base_url="https://eparticipation.example.ir"), registry=registry)
    request = env["request"]
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    request.environ["app.dbsession"] = session
    request.root = env["root"]
    try:
        yield request
    finally:
        session.close()
        env["closer"]()


def time_announcement(app, engine, draft_id: int) -> dict:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with engine.connect() as connection:
        outer = connection.begin()
        try:
            with request_on(app, connection) as request:
                draft = request.dbsession.get(Draft, draft_id)
                sa.event.listen(engine, "before_cursor_execute", count)
                started, cpu = time.perf_counter(), time.process_time()
                announce_outcome(request, draft)
                request.dbsession.flush()
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                sa.event.remove(engine, "before_cursor_execute", count)
                inbox = request.dbsession.scalar(sa.text("SELECT count(*) FROM inbox_messages"))
                outbox = request.dbsession.scalar(sa.text("SELECT count(*) FROM outbox_messages"))
        finally:
            outer.rollback()
    return {"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "statements": len(statements),
            "inbox": inbox, "outbox": outbox}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--people", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    url = sa.make_url(args.database_url)
    ensure_database(url)
    settings = app_settings(url.render_as_string(hide_password=False), tempfile.mkdtemp(prefix="publish-bench-"))
    # E-mail and Bale, as production.ini; nothing is sent here (the worker sends), the folders stay empty.
    outbox_folder = tempfile.mkdtemp(prefix="publish-bench-outbox-")
    settings.update({
        "eparticipation.messaging.channels": "email bale",
        "eparticipation.messaging.email.adapter": "folder",
        "eparticipation.messaging.email.folder": outbox_folder,
        "eparticipation.messaging.bale.adapter": "folder",
        "eparticipation.messaging.bale.folder": outbox_folder,
        "eparticipation.messaging.bale.bot": "@publish_bench_bot",
    })
    app = make_app({}, **settings)
    engine = app.registry["db_engine"]
    results = []
    for people in args.people:
        log(f"rebuilding the schema and seeding {people} participants")
        rebuild_schema(engine)
        draft_id = seed(engine, people)
        log("telling them (rolled back)")
        measured = time_announcement(app, engine, draft_id)
        results.append({"people": people, **measured})
        log(f"  {results[-1]}")
    engine.dispose()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{'people':>8} {'seconds':>8} {'CPU s':>7} {'statements':>10} {'inbox':>8} {'outbox':>8}")
        for r in results:
            print(f"{r['people']:>8} {r['seconds']:>8} {r['cpu_seconds']:>7} {r['statements']:>10} "
                  f"{r['inbox']:>8} {r['outbox']:>8}")


if __name__ == "__main__":
    main()
