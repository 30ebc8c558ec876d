"""An injectable clock: every "now" in the application comes from here, so tests and demos can move time."""

from datetime import datetime, timedelta, timezone


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock:
    """A clock that stands still until told to move (tests, demos)."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta) -> datetime:
        self.at += timedelta(**delta)
        return self.at


def get_clock(registry):
    return registry["clock"]


def includeme(config):
    config.registry["clock"] = SystemClock()
    config.add_request_method(lambda request: get_clock(request.registry).now(), "now", reify=True)
