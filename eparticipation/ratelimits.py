"""Atomic rate limits: how many times one subject (a person, a client address, an account) may do one action
within a window, counted in the database so that the limit holds across parallel requests and processes.

Each (action, subject) has one counter row. A hit is one upsert that either starts a new window (the last one
has ended) or adds one to the current window, and returns the count: no read-then-write gap for parallel
requests to slip through. On PostgreSQL the upsert also holds the row's lock until the transaction ends, so
whatever the caller checks after it (a password, a count of rows) is checked by one request of that subject at
a time; SQLite takes its write lock at BEGIN, which serialises every writer anyway.

A window starts at the first hit after the previous window ended, and a subject may make `max_hits` hits in it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eparticipation.db import Base, UTCDateTime, dialect_insert
from eparticipation.i18n import _

SUBJECT_MAX = 300

# The actions limited per person, with their defaults (hits, minutes); each reads the settings
# `eparticipation.<action>_rate.max` and `eparticipation.<action>_rate.minutes`.
DEFAULTS = {
    "comment": (10, 10),
    "support": (30, 10),
    "report": (10, 10),
    "vote": (10, 10),
    "survey": (10, 10),
    "rating": (10, 10),
    # Comments on a forward-plan entry's intent, and following or unfollowing entries (planning/views.py).
    "plan_comment": (10, 10),
    "plan_follow": (30, 10),
    # The links sent by e-mail (accounts/views.py): asked per address and per client address (a visitor's), and
    # the confirmation link sent again per person; the mail to an address someone tried to register again.
    "password_reset": (3, 60),
    "password_reset_client": (10, 60),
    "verification_email": (3, 60),
    "registration_notice": (3, 60),
    # Following and unfollowing per person; a visitor's confirmation links per address and per client address.
    "subscription": (30, 10),
    "subscription_email": (3, 60),
    "subscription_client": (10, 60),
    # The open-data API's requests, per client address (api/views.py).
    "api": (300, 1),
}


class RateCounter(Base):
    """The hits of one subject on one action in its current window."""

    __tablename__ = "rate_counters"

    action: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(SUBJECT_MAX), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hits: Mapped[int]


@dataclass(frozen=True)
class Rule:
    action: str
    max_hits: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings, action: str) -> "Rule":
        default_max, default_minutes = DEFAULTS[action]
        return cls(
            action,
            int(settings.get(f"eparticipation.{action}_rate.max", default_max)),
            timedelta(minutes=int(settings.get(f"eparticipation.{action}_rate.minutes", default_minutes))),
        )

    @property
    def minutes(self) -> int:
        return int(self.window.total_seconds() // 60)


@dataclass(frozen=True)
class Count:
    """A counter after a hit: the hits in the current window (this one included) and when the window ends."""

    hits: int
    window_ends_at: datetime
    window: timedelta

    def left(self, now: datetime) -> float:
        # At most the window: a request that began a moment before the window's first hit waits no longer.
        return min((self.window_ends_at - now).total_seconds(), self.window.total_seconds())

    def seconds_left(self, now: datetime) -> int:
        return max(1, ceil(self.left(now)))

    def minutes_left(self, now: datetime) -> int:
        return max(1, ceil(self.left(now) / 60))


def hit(dbsession, action: str, subject: str, window: timedelta, now: datetime) -> Count:
    """Count one hit of `subject` on `action`, in one statement."""
    subject = subject[:SUBJECT_MAX]
    moment = sa.literal(now, UTCDateTime())
    ended = RateCounter.window_started_at <= sa.literal(now - window, UTCDateTime())
    statement = dialect_insert(dbsession, RateCounter).values(
        action=action, subject=subject, window_started_at=now, hits=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=[RateCounter.action, RateCounter.subject],
        set_={
            "hits": sa.case((ended, 1), else_=RateCounter.hits + 1),
            "window_started_at": sa.case((ended, moment), else_=RateCounter.window_started_at),
        },
    ).returning(RateCounter.hits, RateCounter.window_started_at)
    hits, started = dbsession.execute(statement).one()
    return Count(hits, started + window, window)


def clear(dbsession, action: str, subject: str):
    """The subject's counter starts again from nothing (a sign-in that succeeded clears its failures)."""
    dbsession.execute(
        sa.delete(RateCounter).where(RateCounter.action == action, RateCounter.subject == subject[:SUBJECT_MAX])
    )


def take_back(dbsession, action: str, subject: str):
    """One hit was not one that counts (a sign-in that succeeded is not a failure of its address)."""
    dbsession.execute(
        sa.update(RateCounter)
        .where(RateCounter.action == action, RateCounter.subject == subject[:SUBJECT_MAX], RateCounter.hits > 0)
        .values(hits=RateCounter.hits - 1)
    )


def longest_window(settings) -> timedelta:
    """The longest window of any limit: a counter whose window started longer ago than this has ended."""
    windows = [Rule.from_settings(settings, action).window for action in DEFAULTS]
    windows.append(timedelta(minutes=int(settings.get("eparticipation.login_throttle.window_minutes", 15))))
    return max(windows)


def forget_ended(dbsession, settings, now: datetime) -> int:
    """Delete the counters whose windows have ended (the tick does, so that the table holds only the
    current windows, however many addresses and accounts were tried); how many. Each action of DEFAULTS by its own
    window; the others (the sign-in throttle's) by the longest."""
    windows = {action: Rule.from_settings(settings, action).window for action in DEFAULTS}
    ended = sa.or_(
        *[sa.and_(RateCounter.action == action, RateCounter.window_started_at <= now - window)
          for action, window in windows.items()],
        sa.and_(RateCounter.action.not_in(list(windows)),
                RateCounter.window_started_at <= now - longest_window(settings)),
    )
    return dbsession.execute(sa.delete(RateCounter).where(ended)).rowcount


# What a person is told when over the limit of each action (they may try again in ${minutes} minutes).
MESSAGES = {
    "comment": _("You have sent ${count} comments in the last ${minutes} minutes; please wait a little."),
    "support": _("You have supported many comments in a short time; please try again in ${minutes} minutes."),
    "report": _("You have reported many comments in a short time; please try again in ${minutes} minutes."),
    "vote": _("You have voted many times in a short time; please try again in ${minutes} minutes."),
    "survey": _("You have sent your answers many times in a short time; please try again in ${minutes} minutes."),
    "rating": _("You have rated many services in a short time; please try again in ${minutes} minutes."),
    "plan_comment": _("You have sent many comments on the forward plan in a short time; please try again in "
                      "${minutes} minutes."),
    "plan_follow": _("You have changed what you follow many times in a short time; please try again in ${minutes} "
                     "minutes."),
    "password_reset": _("Many links were asked for this address in a short time; please try again in ${minutes} "
                        "minutes."),
    "password_reset_client": _("Many links were asked from your network in a short time; please try again in "
                               "${minutes} minutes."),
    "verification_email": _("The link was sent again a few times already; please check your mailbox (and its spam "
                            "folder) and try again in ${minutes} minutes."),
    "registration_notice": _("Please try again in ${minutes} minutes."),
    "subscription": _("You have changed what you follow many times in a short time; please try again in ${minutes} "
                      "minutes."),
    "subscription_email": _("Many confirmation links were asked for this address in a short time; please check your "
                            "mailbox (and its spam folder) and try again in ${minutes} minutes."),
    "subscription_client": _("Many confirmation links were asked from your network in a short time; please try "
                             "again in ${minutes} minutes."),
    "api": _("Too many requests to the API from this client: at most ${count} are answered in each window. Please "
             "wait ${seconds} seconds and try again."),
}


class RateLimited(Exception):
    """Over the limit: `seconds` until the window ends, for the Retry-After header."""

    def __init__(self, rule: Rule, count: Count, now: datetime):
        super().__init__(rule.action)
        self.rule = rule
        self.count = count
        self.seconds = count.seconds_left(now)
        self.minutes = count.minutes_left(now)

    @property
    def message(self):
        # The comments' message names the limit and its window; the others, the minutes left.
        minutes = self.rule.minutes if self.rule.action == "comment" else self.minutes
        return _(MESSAGES[self.rule.action], mapping={"minutes": minutes, "count": self.rule.max_hits,
                                                      "seconds": self.seconds})


def take(request, action: str) -> Rule:
    """One hit of the signed-in person on `action`; RateLimited when it is over the action's limit."""
    rule = Rule.from_settings(request.registry.settings, action)
    count = hit(request.dbsession, action, str(request.identity.id), rule.window, request.now)
    if count.hits > rule.max_hits:
        raise RateLimited(rule, count, request.now)
    return rule


def take_for(request, action: str, subject: str) -> Rule:
    """`take` for a subject other than the signed-in person (an address asked about, a client address)."""
    rule = Rule.from_settings(request.registry.settings, action)
    count = hit(request.dbsession, action, subject, rule.window, request.now)
    if count.hits > rule.max_hits:
        raise RateLimited(rule, count, request.now)
    return rule


class LocalCounters:
    """The same windows, counted in this process's memory instead of the database: for limits checked on every
    request of a read-only API, where a write per request would cost more than the answer. Each process counts
    apart (a site of N processes lets a client make up to N × max_hits hits per window). Thread-safe; it forgets
    ended windows once it holds `capacity` subjects, and refuses nobody for being one subject too many."""

    def __init__(self, capacity: int = 100_000):
        import threading

        self.capacity = capacity
        self.windows: dict[tuple[str, str], list] = {}  # (action, subject) -> [window_started_at, hits]
        self.lock = threading.Lock()

    def hit(self, action: str, subject: str, window: timedelta, now: datetime) -> Count:
        key = (action, subject[:SUBJECT_MAX])
        with self.lock:
            counter = self.windows.get(key)
            if counter is None or counter[0] <= now - window:
                if counter is None and len(self.windows) >= self.capacity:
                    self.forget_ended(window, now)
                counter = self.windows[key] = [now, 0]
            counter[1] += 1
            return Count(counter[1], counter[0] + window, window)

    def forget_ended(self, window: timedelta, now: datetime):
        ended = [key for key, (started, _) in self.windows.items() if started <= now - window]
        for key in ended:
            del self.windows[key]
        if len(self.windows) >= self.capacity:  # all current: start again rather than grow without end
            self.windows.clear()


def take_local(request, counters: LocalCounters, action: str, subject: str) -> Rule:
    """`take_for`, counted in this process (LocalCounters); RateLimited past the action's limit."""
    rule = Rule.from_settings(request.registry.settings, action)
    count = counters.hit(action, subject, rule.window, request.now)
    if count.hits > rule.max_hits:
        raise RateLimited(rule, count, request.now)
    return rule


def retry_after(response, seconds: int):
    """A 429 says when to come back (RFC 9110 §10.2.3), in whole seconds."""
    response.status_int = 429
    response.headers["Retry-After"] = str(int(seconds))
    return response
