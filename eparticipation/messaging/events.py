"""Events the delivery worker sends with `registry.notify(...)`, in its own transaction, so a subscriber's
writes (an audit record, a counter) are committed with the message's new status or not at all.

The database session is `sqlalchemy.inspect(event.message).session`. A subscriber must not fail: its
exception would undo the new status of a message already handed to its channel, which would then be sent
again by the next worker."""


class MessageDelivered:
    """An outbox message was handed to its channel (status `sent`)."""

    def __init__(self, message, registry):
        self.message = message
        self.registry = registry


class MessageDeadLettered:
    """An outbox message failed its last allowed attempt (status `dead`); `message.last_error` says why."""

    def __init__(self, message, registry):
        self.message = message
        self.registry = registry
