"""Entries for changes that other parts of the system announce as events."""

from eparticipation.audit.chain import record


def workflow_transition(event):
    draft, step = event.draft, event.event
    record(
        event.request, f"draft.{step.transition}", draft, draft=draft, actor_id=step.actor_id,
        before={"state": step.from_state},
        after={"state": step.to_state, "reason": step.reason, **(step.details or {})},
    )
