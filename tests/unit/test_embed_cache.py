"""The widget's cache of rendered pages: bounded, expiring, dropped per agency, and again after the commit."""

from datetime import datetime, timezone
from types import SimpleNamespace

import transaction

from eparticipation.embed.services import EmbedCache, Page, days_left, drop_pages, next_midnight

AT = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)


def page(body=b"<p>x</p>"):
    return Page(body=body, etag="e", origins=(), changes_at=AT)


def test_bounded_and_expiring():
    now = [0.0]
    cache = EmbedCache(entries=2, seconds=60, clock=lambda: now[0])
    cache.put(("tax", 1), page())
    cache.put(("tax", 2), page())
    cache.get(("tax", 1))
    cache.put(("customs", 1), page())  # the least recently used, ("tax", 2), goes
    assert cache.get(("tax", 2)) is None and cache.get(("tax", 1)) is not None
    now[0] = 61
    assert cache.get(("tax", 1)) is None


def test_dropped_per_agency():
    cache = EmbedCache(entries=10, seconds=60)
    cache.put(("tax", "fa"), page())
    cache.put(("tax", "en"), page())
    cache.put(("customs", "fa"), page())
    cache.drop("tax")
    assert list(cache.pages) == [("customs", "fa")]


def test_dropped_again_once_committed():
    """A page kept by a request between the change and its commit was rendered from the old rows."""
    cache = EmbedCache(entries=10, seconds=60)
    manager = transaction.TransactionManager(explicit=True)
    request = SimpleNamespace(registry={"embed_cache": cache}, tm=manager)
    manager.begin()
    cache.put(("tax", "fa"), page())
    drop_pages(request, "tax")
    assert cache.get(("tax", "fa")) is None
    cache.put(("tax", "fa"), page())  # another request, before the commit
    manager.commit()
    assert cache.get(("tax", "fa")) is None
    drop_pages(SimpleNamespace(registry={"embed_cache": cache}, tm=manager), "tax")  # no transaction: no error


def test_days_left_and_midnight_in_tehran():
    assert days_left(datetime(2026, 11, 28, 20, 30, tzinfo=timezone.utc), AT) == 2
    assert days_left(AT, AT) == 0
    assert next_midnight(AT) == datetime(2026, 11, 27, 20, 30, tzinfo=timezone.utc)


def test_days_left_as_the_draft_counts_them():
    from datetime import timedelta

    from eparticipation.consultations.models import Draft, State

    for hours in (1, 23, 24, 25, 24 * 30, 24 * 30 + 1):
        closes_at = AT + timedelta(hours=hours)
        assert days_left(closes_at, AT) == Draft(state=State.consultation, closes_at=closes_at).days_left(AT)
