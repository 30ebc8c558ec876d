"""The audit log (R4): every state change, append-only and hash-chained, and the auditors' pages."""

from eparticipation.audit.chain import record, verify

__all__ = ["record", "verify"]


def includeme(config):
    from eparticipation.audit.subscribers import message_outcome, workflow_transition
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.messaging import MessageDeadLettered, MessageDelivered

    config.add_subscriber(workflow_transition, DraftTransitioned)
    config.add_subscriber(message_outcome("message.delivered"), MessageDelivered)
    config.add_subscriber(message_outcome("message.dead"), MessageDeadLettered)
