"""Entries for changes that other parts of the system announce as events."""

import sqlalchemy as sa

from eparticipation.audit.chain import append, record
from eparticipation.audit.signing import checkpoint_policy
from eparticipation.clock import get_clock

# Transitions after which the head is checkpointed whatever its number: a published outcome is the moment
# the public is told what was heard and done, so the log up to it is signed at once.
CHECKPOINTED_TRANSITIONS = frozenset({"publish"})


def workflow_transition(event):
    draft, step = event.draft, event.event
    record(
        event.request, f"draft.{step.transition}", draft, draft=draft, actor_id=step.actor_id,
        before={"state": step.from_state},
        after={"state": step.to_state, "reason": step.reason, **(step.details or {})},
        checkpoint_reason=step.transition if step.transition in CHECKPOINTED_TRANSITIONS else None,
    )


def message_outcome(action: str):
    """Deliveries are the worker's: no request, no person; the entry is written in the worker's transaction,
    so it is committed with the message's new status."""

    def subscriber(event):
        message = event.message
        append(
            sa.inspect(message).session, at=get_clock(event.registry).now(), actor_id=None, action=action,
            object_type="OutboxMessage", object_id=message.id,
            after={"user_id": message.user_id, "channel": message.channel, "key": message.key,
                   "attempts": message.attempts, "error": message.last_error},
            checkpoints=checkpoint_policy(event.registry),
        )

    return subscriber
