"""/health/live and /health/ready: what a load balancer and monitoring are told, for each failing check."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
import webtest

from eparticipation import main
from eparticipation.messaging.models import Channel, OutboxMessage, OutboxStatus
from eparticipation.operations.health import HealthLimits
from eparticipation.reports.models import Report, ReportStatus

from ..conftest import NOW
from ..factories import make_agency, make_draft, make_user


def test_live_answers_without_the_database(testapp, query_counter):
    with query_counter() as counted:
        response = testapp.get("/health/live")
    assert response.json == {"status": "live"}
    assert counted.count == 0
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_ready_when_every_check_holds_in_two_statements(testapp, query_counter):
    with query_counter() as counted:
        response = testapp.get("/health/ready")
    body = response.json
    assert body["status"] == "ready" and body["failing"] == []
    assert body["migrations"]["database"] == body["migrations"]["code"] != []
    assert body["outbox_overdue"] == 0 and body["oldest_queued_report_minutes"] is None
    # The test's own SAVEPOINT aside (the application's transaction is one inside the test's).
    assert [s for s in counted.statements if not s.startswith("SAVEPOINT")] == [
        "SELECT version_num FROM alembic_version", counted.statements[-1]]
    assert counted.statements[-1].count("SELECT") == 3
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_a_database_behind_the_code_is_not_ready(testapp, dbsession):
    dbsession.execute(sa.text("UPDATE alembic_version SET version_num = 'f0older0001'"))
    response = testapp.get("/health/ready", status=503)
    assert response.json["failing"] == ["migrations"]
    assert response.json["migrations"]["database"] == ["f0older0001"]


def outbox_row(dbsession, user, due_at, status=OutboxStatus.pending, key="health-test"):
    dbsession.add(OutboxMessage(
        user_id=user.id, channel=Channel.email, address=user.email, key=key, subject="s", body="b", link="/",
        status=status, next_attempt_at=due_at, created_at=due_at, sent_at=due_at if status == "sent" else None,
    ))
    dbsession.flush()


def test_overdue_outbox_messages_beyond_the_limit_make_it_not_ready(testapp, dbsession, app, monkeypatch):
    limits = HealthLimits(outbox_overdue_minutes=30, outbox_overdue_max=3)
    monkeypatch.setitem(app.registry, "health_limits", limits)
    user = make_user(dbsession)
    overdue = NOW - timedelta(minutes=limits.outbox_overdue_minutes + 1)
    # Due, but not for long; sent; dead letters: none is the delivery worker falling behind.
    outbox_row(dbsession, user, NOW - timedelta(minutes=limits.outbox_overdue_minutes - 1), key="recent")
    outbox_row(dbsession, user, overdue, status=OutboxStatus.sent, key="sent")
    outbox_row(dbsession, user, overdue, status=OutboxStatus.dead, key="dead")
    for number in range(limits.outbox_overdue_max):
        outbox_row(dbsession, user, overdue, key=f"overdue-{number}")
    assert testapp.get("/health/ready").json["outbox_overdue"] == limits.outbox_overdue_max

    outbox_row(dbsession, user, overdue, key="one-too-many")
    response = testapp.get("/health/ready", status=503)
    assert response.json["failing"] == ["outbox"]
    assert response.json["outbox_overdue"] == limits.outbox_overdue_max + 1


def test_a_report_queued_too_long_makes_it_not_ready(testapp, dbsession, app):
    limits = app.registry["health_limits"]
    draft = make_draft(dbsession, make_agency(dbsession), state="closed")
    report = Report(draft_id=draft.id, status=ReportStatus.queued,
                    requested_at=NOW - timedelta(minutes=limits.report_queued_minutes))
    dbsession.add(report)
    dbsession.flush()
    assert testapp.get("/health/ready").json["oldest_queued_report_minutes"] == limits.report_queued_minutes

    report.requested_at = NOW - timedelta(minutes=limits.report_queued_minutes + 1)
    dbsession.flush()
    response = testapp.get("/health/ready", status=503)
    assert response.json["failing"] == ["reports"]
    assert response.json["oldest_queued_report_minutes"] == limits.report_queued_minutes + 1


def test_a_failed_report_is_not_a_queue(testapp, dbsession, app):
    draft = make_draft(dbsession, make_agency(dbsession), state="closed")
    dbsession.add(Report(draft_id=draft.id, status=ReportStatus.failed, requested_at=NOW - timedelta(days=3),
                         last_error="boom"))
    dbsession.flush()
    assert testapp.get("/health/ready").json["oldest_queued_report_minutes"] is None


def test_limits_come_from_the_settings(app_settings, engine):
    settings = dict(app_settings, **{
        "eparticipation.health.outbox_overdue_minutes": "5",
        "eparticipation.health.outbox_overdue_max": "0",
        "eparticipation.health.report_queued_minutes": "7",
    })
    limits = main({}, **settings).registry["health_limits"]
    assert (limits.outbox_overdue_minutes, limits.outbox_overdue_max, limits.report_queued_minutes) == (5, 0, 7)


def test_an_unreachable_database_is_not_ready_but_the_process_is_live(app_settings, database_url):
    if database_url.startswith("postgresql"):
        unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    else:
        unreachable = "sqlite:////nonexistent-folder/eparticipation.sqlite"
    app = webtest.TestApp(main({}, **dict(app_settings, **{"sqlalchemy.url": unreachable})))
    assert app.get("/health/live").json == {"status": "live"}
    response = app.get("/health/ready", status=503)
    assert response.json == {"status": "unavailable", "failing": ["database"]}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/health", "/health/", "/health/other", "/health/ready/more"])
def test_other_health_addresses_do_not_exist(testapp, path):
    testapp.get(path, status=404)


def test_health_is_read_only(testapp):
    testapp.post("/health/ready", status=404)
