"""Reading the audit log in tests. Tests that commit for real (the delivery worker's) leave entries nobody
can delete, so a test reads the entries written after the log's head when it started."""

import sqlalchemy as sa

from eparticipation.audit.models import AuditEntry


def head(dbsession) -> int:
    """The number of the last entry before the test."""
    return dbsession.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEntry.seq), 0)))


def actions(dbsession, after=0) -> list[str]:
    return dbsession.scalars(sa.select(AuditEntry.action).where(AuditEntry.seq > after).order_by(AuditEntry.seq)).all()


def audit_entries(dbsession, after=0) -> list[AuditEntry]:
    return dbsession.scalars(sa.select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq)).all()
