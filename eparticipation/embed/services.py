"""What the widget shows, read in two statements, and the cache of its rendered pages.

A widget page (eparticipation/embed/views.py) depends on: the agency (its names, its origins), its open
consultations (their ids, titles in the page's language, document types, end dates), the page's options
(language, theme, one consultation), the day in Tehran (days left) and the site's address. A page is
rendered once and kept in this process's `EmbedCache`, under the agency's code, the options and the address,
until the first of:

- a transition of one of the agency's drafts (opened, extended, closed, withdrawn, …) or a change of its
  origins in this process, which drop the agency's pages at once and again once committed (`drop_pages`);
- the moment a listed consultation ends, one not yet open opens, or the day changes in Tehran;
- `eparticipation.embed.cache_seconds` (60 by default): how long another process's change may take to show.

A consultation's title cannot change while it is open (its texts are edited before opening only), so the
transitions are what change the list.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from eparticipation.agencies.models import Agency
from eparticipation.consultations.models import Draft, DraftText, State
from eparticipation.embed.models import EmbedSettings
from eparticipation.i18n import DISPLAY_TIMEZONE

LANGUAGES = ("fa", "en")
THEMES = ("light", "dark")
# At most this many consultations on one widget, the soonest to close first.
MAX_LISTED = 50


@dataclass(frozen=True)
class Options:
    language: str = "fa"
    theme: str = "light"
    consultation: int | None = None

    def query(self) -> dict:
        """The widget address's query."""
        query = {"lang": self.language, "theme": self.theme}
        if self.consultation is not None:
            query["consultation"] = str(self.consultation)
        return query


@dataclass(frozen=True)
class Listed:
    """One consultation as the widget shows it."""

    id: int
    title: str
    title_language: str
    document_type: str | None
    subject: str
    closes_at: datetime
    days_left: int


@dataclass(frozen=True)
class Widget:
    agency_id: int
    code: str
    name_fa: str
    name_en: str
    origins: tuple[str, ...]
    consultations: tuple[Listed, ...]
    # When the list changes by itself (a consultation ends or opens, or the day changes), whichever is first.
    changes_at: datetime

    def name(self, language: str) -> str:
        return self.name_fa if language == "fa" else self.name_en


@dataclass(frozen=True)
class Page:
    """A rendered widget page with what its response needs."""

    body: bytes
    etag: str
    origins: tuple[str, ...]
    changes_at: datetime  # the widget's: from then on the page is out of date


def days_left(closes_at: datetime, now: datetime) -> int:
    """Whole days until the end, a part of a day counting as a day (as Draft.days_left)."""
    return max(0, -((now - closes_at) // timedelta(days=1)))


def next_midnight(now: datetime) -> datetime:
    local = now.astimezone(DISPLAY_TIMEZONE)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=DISPLAY_TIMEZONE)
    return midnight


def load_widget(dbsession, code: str, options: Options, now: datetime) -> Widget | None:
    """The agency `code` with its origins (one statement), and its open consultations with their titles in the
    page's language or else Persian (one more); None when there is no such agency."""
    agency = dbsession.execute(
        sa.select(Agency.id, Agency.code, Agency.name_fa, Agency.name_en, EmbedSettings.origins)
        .outerjoin(EmbedSettings, EmbedSettings.agency_id == Agency.id)
        .where(Agency.code == code)
    ).first()
    if agency is None:
        return None
    languages = sorted({options.language, "fa"})
    query = (
        sa.select(Draft.id, Draft.document_type, Draft.subject, Draft.opens_at, Draft.closes_at, DraftText.language, DraftText.title)
        .join(DraftText, DraftText.draft_id == Draft.id)
        .where(Draft.agency_id == agency.id, Draft.state == State.consultation, Draft.closes_at > now,
               DraftText.language.in_(languages))
        .order_by(Draft.closes_at, Draft.id)
        .limit(MAX_LISTED * len(languages))
    )
    if options.consultation is not None:
        query = query.where(Draft.id == options.consultation)
    titles, drafts, changes_at = {}, {}, next_midnight(now)
    for row in dbsession.execute(query):
        if row.opens_at > now:  # put to the public at a later moment: shown from then
            changes_at = min(changes_at, row.opens_at)
            continue
        changes_at = min(changes_at, row.closes_at)
        drafts[row.id] = row
        if row.title and (row.language == options.language or row.id not in titles):
            titles[row.id] = (row.title, row.language)
    listed = tuple(
        Listed(id=draft.id, title=titles.get(draft.id, ("", "fa"))[0], title_language=titles.get(draft.id, ("", "fa"))[1],
               document_type=draft.document_type, subject=draft.subject, closes_at=draft.closes_at, days_left=days_left(draft.closes_at, now))
        for draft in drafts.values()
    )
    return Widget(agency_id=agency.id, code=agency.code, name_fa=agency.name_fa, name_en=agency.name_en,
                  origins=tuple(agency.origins or ()), consultations=listed, changes_at=changes_at)


def etag_of(body: bytes, origins) -> str:
    """Changes with the page and with who may frame it (the response's header)."""
    digest = hashlib.sha256(body)
    digest.update("\n".join(origins).encode())
    return digest.hexdigest()[:32]


class EmbedCache:
    """At most `entries` pages, the least recently used dropped first, each kept until its own moment."""

    def __init__(self, entries: int, seconds: float, clock=time.monotonic):
        self.entries, self.seconds, self.clock = entries, seconds, clock
        self.pages: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key) -> Page | None:
        with self.lock:
            found = self.pages.get(key)
            if found is None:
                return None
            expires, page = found
            if expires <= self.clock():
                del self.pages[key]
                return None
            self.pages.move_to_end(key)
            return page

    def put(self, key, page: Page):
        """Kept `seconds` at most (and never once the moment its list changes by itself has come: the view
        asks `page.changes_at` of the site's clock)."""
        seconds = self.seconds
        with self.lock:
            self.pages[key] = (self.clock() + seconds, page)
            self.pages.move_to_end(key)
            while len(self.pages) > self.entries:
                self.pages.popitem(last=False)

    def drop(self, code: str):
        """Every page of the agency `code` (the first part of each key)."""
        with self.lock:
            for key in [key for key in self.pages if key[0] == code]:
                del self.pages[key]

    def clear(self):
        with self.lock:
            self.pages.clear()


def embed_cache(registry) -> EmbedCache:
    return registry["embed_cache"]


def drop_pages(request, code: str):
    """The agency's kept pages are out of date: dropped now, and again once the change is committed (a request
    in between would have kept a page rendered from what was there before)."""
    from transaction.interfaces import NoTransaction

    cache = embed_cache(request.registry)
    cache.drop(code)
    manager = getattr(request, "tm", None)
    try:
        current = manager.get() if manager is not None else None
    except NoTransaction:  # a script's request outside a transaction: nothing is kept for it anyway
        current = None
    if current is not None:
        current.addAfterCommitHook(lambda committed: committed and cache.drop(code))


def settings_of(dbsession, agency) -> EmbedSettings | None:
    return dbsession.get(EmbedSettings, agency.id)


def open_consultations(dbsession, agency, language: str, now: datetime) -> tuple[Listed, ...]:
    """The agency's open consultations as its widget lists them (for the choice of one on the snippet's form)."""
    widget = load_widget(dbsession, agency.code, Options(language=language), now)
    return widget.consultations if widget is not None else ()
