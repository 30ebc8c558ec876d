"""Events the delivery worker sends with `registry.notify(...)`, in the transaction that records a message's new
status, so a subscriber's writes (an audit record, a counter) are committed with that status or not at all.

The database session is `sqlalchemy.inspect(event.message).session`. A subscriber must not fail: its
exception would undo the new status of a message already handed to its channel, which would then stay
`sending` until its lease runs out and wait, uncertain, for an administrator."""


class MessageEvent:
    def __init__(self, message, registry):
        self.message = message
        self.registry = registry


class MessageDelivered(MessageEvent):
    """An outbox message was handed to its channel (status `sent`)."""


class MessageDeadLettered(MessageEvent):
    """An outbox message failed its last allowed attempt (status `dead`); `message.last_error` says why."""


class MessageUncertain(MessageEvent):
    """The lease of the worker sending an outbox message ran out before it said whether the message was sent
    (status `uncertain`): it waits for an administrator to send it again or drop it."""
