"""The audit log (R4): every state change, append-only and hash-chained, and the auditors' pages."""

from eparticipation.audit.chain import record, verify

__all__ = ["record", "verify"]


def includeme(config):
    from eparticipation.audit.subscribers import workflow_transition
    from eparticipation.consultations.workflow import DraftTransitioned

    config.add_subscriber(workflow_transition, DraftTransitioned)
