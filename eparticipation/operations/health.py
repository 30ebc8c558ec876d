"""The readiness checks: a couple of statements, whatever the size of the tables (both counts read partial
indexes: ix_outbox_messages_due and ix_reports_queued)."""

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from eparticipation.messaging.models import OutboxMessage, OutboxStatus
from eparticipation.reports.models import Report, ReportStatus

PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass(frozen=True)
class HealthLimits:
    # A pending message due longer ago than this is overdue: the delivery workers are behind or stopped.
    outbox_overdue_minutes: int = 30
    # More overdue messages than this and the site is not ready (a large publication may briefly queue many).
    outbox_overdue_max: int = 1000
    # A report queued longer ago than this: the report workers are behind or stopped.
    report_queued_minutes: int = 30

    @classmethod
    def from_settings(cls, settings):
        prefix = "eparticipation.health."
        return cls(**{
            name: int(settings.get(prefix + name, default))
            for name, default in (
                ("outbox_overdue_minutes", cls.outbox_overdue_minutes),
                ("outbox_overdue_max", cls.outbox_overdue_max),
                ("report_queued_minutes", cls.report_queued_minutes),
            )
        })


def migration_heads() -> frozenset[str]:
    """The Alembic heads of the code that runs (several while parallel branches await their merge)."""
    return frozenset(ScriptDirectory(os.path.join(PROJECT, "migrations")).get_heads())


def readiness(dbsession, heads: frozenset[str], limits: HealthLimits, now: datetime, retrying: bool = False) -> dict:
    """What /health/ready answers: `failing` names each check that does not hold (empty when ready).

    A connection lost in the middle (`retrying`: the request will be run again) is raised, as on every page:
    the next attempt tells whether the database answers."""
    failing = []
    try:
        revisions = frozenset(dbsession.scalars(sa.text("SELECT version_num FROM alembic_version")))
        overdue, oldest_queued = dbsession.execute(
            sa.select(
                sa.select(sa.func.count())
                .where(OutboxMessage.status == OutboxStatus.pending,
                       OutboxMessage.next_attempt_at < now - timedelta(minutes=limits.outbox_overdue_minutes))
                .scalar_subquery(),
                sa.select(sa.func.min(Report.requested_at))
                .where(Report.status == ReportStatus.queued)
                .scalar_subquery(),
            )
        ).one()
    except sa.exc.SQLAlchemyError as error:
        if retrying and getattr(error, "connection_invalidated", False):
            raise
        return {"status": "unavailable", "failing": ["database"]}
    if revisions != heads:
        failing.append("migrations")
    if overdue > limits.outbox_overdue_max:
        failing.append("outbox")
    queued_minutes = None if oldest_queued is None else int((now - oldest_queued).total_seconds() // 60)
    if queued_minutes is not None and queued_minutes > limits.report_queued_minutes:
        failing.append("reports")
    return {
        "status": "unavailable" if failing else "ready",
        "failing": failing,
        "migrations": {"database": sorted(revisions), "code": sorted(heads)},
        "outbox_overdue": overdue,
        "oldest_queued_report_minutes": queued_minutes,
    }
