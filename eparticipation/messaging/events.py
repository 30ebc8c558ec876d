"""Events the delivery worker sends with `registry.notify(...)`, in its own transaction, so a subscriber's
writes (an audit record, a counter) are committed with the message's new status or not at all."""


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
