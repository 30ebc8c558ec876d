"""The report worker as production runs it: `eparticipation.report.concurrent = true` (production.ini), on
PostgreSQL, where the participants' statement runs on a second connection that imports the worker
transaction's snapshot. That connection sees only committed rows, so these tests commit a real consultation
(and delete it afterwards) instead of working inside the suite's rolled-back transaction. And the worker tells
the truth: a failed build is counted as failed, logged with its ids, and makes `--once` exit with 1."""

import logging
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from eparticipation.accounts.models import User
from eparticipation.agencies.models import Agency
from eparticipation.consultations.models import Draft
from eparticipation.participation.models import CommentSupport, Vote, VoteChoice
from eparticipation.reports.breakdowns import breakdowns_of
from eparticipation.reports.models import Report, ReportStatus
from eparticipation.reports.services import ReportBuilder
from eparticipation.reports.statistics import DIMENSIONS, build_statistics
from eparticipation.scripts.reports import build_queued

from ..conftest import PROJECT, TEST_SIGNING_KEY
from ..factories import make_agency, make_comment, make_draft, make_user, recount

OPENS = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
CLOSES = datetime(2026, 11, 1, 20, 30, tzinfo=timezone.utc)
DURING = OPENS + timedelta(days=10)
PEOPLE = 12


@pytest.fixture
def on_postgresql(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("the concurrent build imports an exported snapshot, which only PostgreSQL has; on SQLite "
                    "the statements run one after the other on one connection, as the rest of the suite tests")


@pytest.fixture
def committed_consultation(engine):
    """A closed consultation whose report is queued, committed: twelve people who each commented (a third on
    the whole draft), supported the next one's comment and voted."""
    with Session(engine) as session:
        agency = make_agency(session)
        draft = make_draft(session, agency, state="closed", articles=2, opens_at=OPENS, closes_at=CLOSES)
        people = [make_user(session, birth_year=1950 + 4 * n, gender="female" if n % 3 else "male",
                            residence=DIMENSIONS["province"][n % 5], stakeholder_category="individual")
                  for n in range(PEOPLE)]
        comments = [make_comment(session, draft, person, body=f"نظر {n} دربارهٔ مهلت اجرای این پیش‌نویس",
                                 article=draft.consulted_articles[n % 2] if n % 3 else None, created_at=DURING)
                    for n, person in enumerate(people)]
        for n, comment in enumerate(comments):
            session.add(CommentSupport(comment_id=comment.id, user_id=people[(n + 1) % PEOPLE].id,
                                       supported_at=DURING))
            session.add(Vote(draft_id=draft.id, user_id=people[n].id, choice=list(VoteChoice)[n % 3],
                             cast_at=DURING, updated_at=DURING))
        session.add(Report(draft_id=draft.id, status=ReportStatus.queued, requested_at=CLOSES, summary={}))
        session.commit()
        ids = {"draft": draft.id, "agency": agency.id, "people": [p.id for p in people]}
    yield ids
    with Session(engine) as session:
        session.execute(sa.delete(Draft).where(Draft.id == ids["draft"]))  # its report, comments, votes with it
        session.execute(sa.delete(User).where(User.id.in_(ids["people"])))
        session.execute(sa.delete(Agency).where(Agency.id == ids["agency"]))
        recount(session)
        session.commit()


@pytest.fixture
def production_concurrency(app, monkeypatch):
    """The app's registry with production.ini's value (the suite's conftest turns it off for its open
    transactions)."""
    monkeypatch.setitem(app.registry.settings, "eparticipation.report.concurrent", True)
    return app.registry


def stored_report(engine, draft_id) -> Report:
    with Session(engine, expire_on_commit=False) as session:
        return session.scalar(sa.select(Report).where(Report.draft_id == draft_id))


def one_connection_statistics(engine, draft_id, generated_at) -> dict:
    """The statistics and their breakdowns (survey answers and ratings by who) as the worker stores them."""
    with Session(engine) as session:
        draft = session.get(Draft, draft_id)
        statistics = build_statistics(session, draft, now=generated_at)
        statistics["breakdowns"] = breakdowns_of(session, draft, statistics)
        return statistics


def test_the_worker_builds_the_report_concurrently_on_committed_data(
        on_postgresql, engine, committed_consultation, production_concurrency):
    app_engine = production_concurrency["db_engine"]
    sent = []

    def record(conn, cursor, statement, *args):
        sent.append(statement)

    sa.event.listen(app_engine, "before_cursor_execute", record)
    try:
        outcomes = ReportBuilder(production_concurrency).drain()
    finally:
        sa.event.remove(app_engine, "before_cursor_execute", record)
    report = stored_report(engine, committed_consultation["draft"])
    assert [(o.report_id, o.status, o.error) for o in outcomes] == [(report.id, ReportStatus.ready, None)]
    assert (report.status, report.last_error, report.attempts) == (ReportStatus.ready, None, 1)
    assert any("pg_export_snapshot" in statement for statement in sent)
    assert any("SET TRANSACTION SNAPSHOT" in statement for statement in sent)  # the second connection ran
    totals = report.statistics["totals"]
    assert (totals["participants"], totals["comments"], totals["supports"], totals["votes"]) == (12, 12, 12, 12)
    # 4 comments on the whole draft, below k = 5, and the 8 on articles: the draft page shows them to anyone, so
    # the report publishes them too (suppression's rule 3) and protects the breakdowns against them.
    assert (totals["draft_comments"], totals["article_comments"]) == (4, 8)
    # The same numbers as the one-connection way, table by table.
    alone = one_connection_statistics(engine, committed_consultation["draft"],
                                      datetime.fromisoformat(report.statistics["generated_at"]))
    assert report.statistics == alone
    assert report.themes


def test_eparticipation_reports_once_with_production_ini(on_postgresql, engine, database_url, committed_consultation):
    """The console script, run as an operator runs it: production.ini, its secrets from the environment."""
    environment = dict(
        os.environ, DATABASE_URL=database_url, SESSION_SECRET="report-worker-test-only-hXzfAuDyV-TyWFk-xiS3A",
        MESSAGING_EMAIL_PASSWORD="unused", MESSAGING_BALE_TOKEN="unused", MESSAGING_BALE_WEBHOOK_SECRET="unused",
        MESSAGING_EITAA_TOKEN="unused", AUDIT_SIGNING_KEY=TEST_SIGNING_KEY, PYTHONWARNINGS="ignore",
    )
    script = Path(sys.executable).parent / "eparticipation-reports"  # the console script beside this Python
    worker = subprocess.run([str(script), str(PROJECT / "production.ini"), "--once"], env=environment,
                            capture_output=True, text=True, timeout=120)
    assert (worker.returncode, worker.stdout) == (0, "Built 1 report(s), 0 failed.\n"), worker.stderr
    report = stored_report(engine, committed_consultation["draft"])
    assert report.status == ReportStatus.ready
    assert report.statistics["totals"]["participants"] == 12


# --- failures are told (both databases: the suite's own transaction, one connection) -------------------------


@pytest.fixture
def queued(dbsession, clock):
    agency = make_agency(dbsession)
    draft = make_draft(dbsession, agency, state="closed", opens_at=OPENS, closes_at=CLOSES)
    author = make_user(dbsession)
    make_comment(dbsession, draft, author, created_at=DURING)
    report = Report(draft_id=draft.id, status=ReportStatus.queued, requested_at=CLOSES, summary={})
    dbsession.add(report)
    dbsession.flush()
    return report


def builder_in(app, dbsession) -> ReportBuilder:
    sessions = lambda: Session(bind=dbsession.connection(), join_transaction_mode="create_savepoint")  # noqa: E731
    return ReportBuilder(app.registry, session_factory=sessions)


def broken_themes(*args, **kwargs):
    raise RuntimeError("the themes' model is missing")


def test_a_failed_build_is_counted_logged_and_exits_with_1(app, dbsession, queued, monkeypatch, capsys, caplog):
    monkeypatch.setattr("eparticipation.reports.themes.propose_themes", broken_themes)
    with caplog.at_level(logging.ERROR, logger="eparticipation.reports"):
        status = build_queued(builder_in(app, dbsession))
    assert status == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Built 0 report(s), 1 failed."
    assert f"report {queued.id} (draft {queued.draft_id}): RuntimeError: the themes' model is missing" in out
    [logged] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"report {queued.id} of draft {queued.draft_id}: build failed" in logged.getMessage()
    dbsession.expire_all()
    assert (queued.status, queued.attempts, queued.statistics) == (ReportStatus.failed, 1, None)
    assert queued.last_error == "RuntimeError: the themes' model is missing"


def test_a_built_report_is_counted_and_exits_with_0(app, dbsession, queued, capsys):
    assert build_queued(builder_in(app, dbsession)) == 0
    assert capsys.readouterr().out == "Built 1 report(s), 0 failed.\n"
    assert build_queued(builder_in(app, dbsession)) == 0
    assert capsys.readouterr().out == "Built 0 report(s), 0 failed.\n"


def test_the_long_running_worker_logs_each_failure_with_its_ids(app, dbsession, queued, monkeypatch, caplog):
    from eparticipation.scripts.reports import keep_building

    monkeypatch.setattr("eparticipation.reports.themes.propose_themes", broken_themes)
    with caplog.at_level(logging.INFO, logger="eparticipation"):
        assert keep_building(builder_in(app, dbsession)) == 1
    messages = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert (logging.ERROR, f"report {queued.id} of draft {queued.draft_id}: build failed (attempt 1)") in messages
    assert (logging.WARNING, "built 0 report(s), 1 failed") in messages


def test_a_claim_that_loses_a_race_looks_again(on_postgresql, engine, committed_consultation,
                                               production_concurrency):
    """REPEATABLE READ: a queued row that another transaction changed after the worker's moment cannot be
    locked ("could not serialize access"); the worker starts a new transaction and claims it then."""
    factory = production_concurrency["dbsession_factory"]
    raced = []

    def first_session():
        session = factory()
        if not raced:
            @sa.event.listens_for(session, "after_begin")
            def meanwhile(session, transaction, connection):
                connection.exec_driver_sql("SELECT 1")  # the worker's moment
                with engine.begin() as other:  # an editor asks again, committed after that moment
                    other.execute(sa.update(Report).where(Report.draft_id == committed_consultation["draft"])
                                  .values(requested_at=CLOSES + timedelta(days=1)))
                raced.append(True)
        return session

    [outcome] = ReportBuilder(production_concurrency, session_factory=first_session).drain()
    assert raced and outcome.status == ReportStatus.ready
    report = stored_report(engine, committed_consultation["draft"])
    assert (report.status, report.attempts, report.requested_at) == (ReportStatus.ready, 1,
                                                                     CLOSES + timedelta(days=1))
