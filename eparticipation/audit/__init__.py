"""The audit log (R4): every state change, append-only and hash-chained, and the auditors' pages."""

from eparticipation.audit.chain import record, verify

__all__ = ["record", "verify"]


def includeme(config):
    from eparticipation.audit.signing import read_checkpoint_policy
    from eparticipation.audit.subscribers import message_outcome, workflow_transition
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.messaging import MessageDeadLettered, MessageDelivered, MessageUncertain

    config.scan()
    # Read at start-up: a site configured to sign checkpoints does not start without a usable key.
    config.registry["audit_checkpoints"] = read_checkpoint_policy(config.get_settings())
    config.add_subscriber(workflow_transition, DraftTransitioned)
    config.add_subscriber(message_outcome("message.delivered"), MessageDelivered)
    config.add_subscriber(message_outcome("message.dead"), MessageDeadLettered)
    config.add_subscriber(message_outcome("message.uncertain"), MessageUncertain)
