"""Atom feeds and an iCalendar of consultations, site-wide or of one agency, of every document type or one.

Three Atom feeds: the consultations opened (newest first), those closing soon (within
`eparticipation.outreach.closing_soon_days`, the soonest first) and the outcomes published (newest first), each in
Persian or English (`?lang=fa|en`, Persian by default), each entry with the call's title, summary, agency, document
type, dates and a link to its page. The calendar holds each consultation's period as an all-day event, from its
first to its last day in Tehran, titled in Persian (and in English too with `?lang=en`), with the dates in the
Jalali calendar (and the Gregorian with `?lang=en`) in its description.

Only what the public sees is in them: a draft not yet opened (or whose opening is still ahead) is in none. A
withdrawn consultation stays in the feed of those opened, its entry saying it was withdrawn (its page stays
public too), and leaves the feed of those closing soon.

Every feed is one statement (drafts with their agency and texts) plus, for an agency's, the agency's own lookup.
Built feeds are kept (FeedCache) for `eparticipation.outreach.feed_seconds`, and forgotten in
the process that committed a transition; every answer has an ETag and `Cache-Control`, and a request whose
`If-None-Match` names the ETag is answered 304.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from eparticipation.consultations import draft_url
from eparticipation.consultations.models import DocumentType, Draft, State, Subject
from eparticipation.consultations.schemas import DOCUMENT_TYPE_LABELS, SUBJECT_LABELS, kind_label
from eparticipation.i18n import DISPLAY_TIMEZONE, _, format_date, reader_in, translate

FEED_LANGUAGES = ("fa", "en")
ATOM = "application/atom+xml"
ICALENDAR = "text/calendar"


@dataclass(frozen=True)
class FeedKind:
    name: str  # the view name's stem: opened.atom, closing.atom, outcomes.atom
    title: object
    agency_title: object


KINDS = {
    "opened": FeedKind("opened", _("Consultations opened"), _("Consultations opened by ${agency}")),
    "closing": FeedKind("closing", _("Consultations closing soon"), _("Consultations of ${agency} closing soon")),
    "outcomes": FeedKind("outcomes", _("Outcomes published"), _("Outcomes published by ${agency}")),
}
CALENDAR_TITLE = _("Consultation periods")
CALENDAR_AGENCY_TITLE = _("Consultation periods of ${agency}")
WITHDRAWN_NOTE = _("Withdrawn: ${reason}")


class FeedCache:
    """At most `entries` built feeds, each kept `seconds` at most, the least recently used dropped first."""

    def __init__(self, entries: int, seconds: float, clock=time.monotonic):
        self.entries, self.seconds, self.clock = entries, seconds, clock
        self.feeds = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.feeds.get(key)
            if found is None:
                return None
            if found[0] <= self.clock():
                del self.feeds[key]
                return None
            self.feeds.move_to_end(key)
            return found[1]

    def put(self, key, value):
        with self.lock:
            self.feeds[key] = (self.clock() + self.seconds, value)
            self.feeds.move_to_end(key)
            while len(self.feeds) > self.entries:
                self.feeds.popitem(last=False)

    def clear(self):
        with self.lock:
            self.feeds.clear()


@dataclass(frozen=True)
class BuiltFeed:
    body: bytes
    content_type: str
    etag: str


def feed_language(request) -> str:
    language = request.params.get("lang", "fa")
    return language if language in FEED_LANGUAGES else "fa"


def feed_document_type(request) -> DocumentType | None:
    value = request.params.get("type", "")
    return DocumentType(value) if value in DocumentType.__members__ else None


def feed_subject(request) -> Subject | None:
    """?subject=service (document, process, action): the feed of one subject's consultations."""
    value = request.params.get("subject", "")
    return Subject(value) if value in Subject.__members__ else None


def public_drafts(request, kind: str, agency=None, document_type=None, limit=None) -> list[Draft]:
    """The drafts of one feed, in one statement: opened ones only (their page is public), with agency and texts."""
    now = request.now
    limit = limit or request.registry.settings["eparticipation.outreach.feed_entries"]
    query = (
        sa.select(Draft)
        .where(Draft.state != State.draft, Draft.opens_at <= now)
        .options(joinedload(Draft.texts))
        .limit(limit)
    )
    if agency is not None:
        query = query.where(Draft.agency_id == agency.id)
    if document_type is not None:
        query = query.where(Draft.document_type == document_type)
    subject = feed_subject(request)
    if subject is not None:
        query = query.where(Draft.subject == subject)
    if kind == "opened":
        query = query.order_by(Draft.opens_at.desc(), Draft.id.desc())
    elif kind == "closing":
        days = request.registry.settings["eparticipation.outreach.closing_soon_days"]
        query = query.where(Draft.state == State.consultation, Draft.closes_at > now,
                            Draft.closes_at <= now + timedelta(days=days)).order_by(Draft.closes_at, Draft.id)
    elif kind == "outcomes":
        query = query.where(Draft.state == State.published).order_by(Draft.published_at.desc(), Draft.id.desc())
    elif kind == "calendar":
        query = query.order_by(Draft.opens_at.desc(), Draft.id.desc())
    else:
        raise ValueError(kind)
    return request.dbsession.scalars(query).unique().all()


def page_address(request, draft, language: str) -> str:
    """The draft's page in the feed's language (Persian is the default, so its address needs no parameter)."""
    return draft_url(request, draft, query={"_LOCALE_": language} if language != "fa" else None)


def first_day(draft):
    return draft.opens_at.astimezone(DISPLAY_TIMEZONE).date()


def entry_updated(draft, now: datetime) -> datetime:
    """When the entry last changed for its reader: its opening, extension, closing or publishing."""
    moments = [m for m in (draft.opens_at, draft.updated_at, draft.closed_at, draft.published_at) if m is not None]
    return min(max(moments), now)


def entry_details(reader, draft) -> list[tuple[str, str]]:
    """The entry's facts as (label, value), in the reader's language."""
    language = reader.locale_name
    details = [
        (translate(reader, _("Agency")), draft.agency.name(language)),
        (translate(reader, _("Document type") if draft.document_type else _("Subject")),
         translate(reader, kind_label(draft))),
        (translate(reader, _("Open from")), format_date(first_day(draft), language)),
        (translate(reader, _("Open until")), format_date(draft.last_day(), language)),
    ]
    if draft.published_at is not None:
        details.append((translate(reader, _("Outcome published")), format_date(draft.published_at, language)))
    return details


def atom_feed(request, kind: str, agency=None, document_type=None) -> bytes:
    """The Atom feed `kind` in the request's feed language."""
    from feedgen.feed import FeedGenerator
    from markupsafe import Markup

    language = feed_language(request)
    reader = reader_in(request.registry, language)
    drafts = public_drafts(request, kind, agency, document_type)
    feed_kind = KINDS[kind]
    if agency is None:
        title = translate(reader, feed_kind.title)
    else:
        title = translate(reader, _(feed_kind.agency_title, mapping={"agency": agency.name(language)}))
    if document_type is not None:
        title = f"{title} — {translate(reader, DOCUMENT_TYPE_LABELS[document_type])}"
    subject = feed_subject(request)
    if subject is not None:
        title = f"{title} — {translate(reader, SUBJECT_LABELS[subject])}"
    self_url = canonical_address(request, language, document_type)
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(title)
    feed.language(language)
    feed.author({"name": translate(reader, _("Ministry of Economic Affairs and Finance"))})
    feed.link(href=self_url, rel="self", type=ATOM)
    feed.link(href=listing_address(request, agency, document_type, language), rel="alternate", type="text/html")
    feed.generator("eparticipation")
    now = request.now
    feed.updated(max((entry_updated(d, now) for d in drafts), default=now))
    for draft in reversed(drafts):  # feedgen puts each new entry first
        text = draft.text(language)
        address = page_address(request, draft, language)
        entry = feed.add_entry()
        entry.id(address)
        entry.title(text.title if text else "")
        entry.link(href=address, rel="alternate", type="text/html")
        entry.published(draft.opens_at)
        entry.updated(entry_updated(draft, now))
        summary = text.summary if text else ""
        if draft.withdrawal_reason:
            summary = f"{translate(reader, _(WITHDRAWN_NOTE, mapping={'reason': draft.withdrawal_reason}))}\n\n{summary}"
        entry.summary(summary)
        details = Markup("").join(Markup("<dt>{}</dt><dd>{}</dd>").format(label, value)
                                  for label, value in entry_details(reader, draft))
        direction = "rtl" if language == "fa" else "ltr"
        content = Markup('<div dir="{}"><p>{}</p><dl>{}</dl></div>').format(direction, summary, details)
        entry.content(str(content), type="html")
        entry.category(term=draft.document_type.value if draft.document_type else draft.subject.value,
                       label=translate(reader, kind_label(draft)))
        entry.author({"name": draft.agency.name(language)})
    return feed.atom_str(pretty=False)


def canonical_address(request, language: str, document_type) -> str:
    """The feed's own address with only the parameters it is built from (a kept feed is served to every query)."""
    query = {}
    if language != "fa":
        query["lang"] = language
    if document_type is not None:
        query["type"] = document_type.value
    if feed_subject(request) is not None:
        query["subject"] = feed_subject(request).value
    return request.path_url + (f"?{urlencode(query)}" if query else "")


def listing_address(request, agency, document_type, language) -> str:
    """The page the feed is the feed of: the listing, filtered alike."""
    query = {}
    if agency is not None:
        query["agency"] = agency.code
    if document_type is not None:
        query["type"] = document_type.value
    if feed_subject(request) is not None:
        query["subject"] = feed_subject(request).value
    if language != "fa":
        query["_LOCALE_"] = language
    return request.resource_url(request.root, "consultations", "", query=query or None)


def calendar(request, agency=None, document_type=None) -> bytes:
    """The consultations' periods as all-day events (Tehran), titled in Persian (and English with lang=en)."""
    from icalendar import Calendar, Event

    language = feed_language(request)
    readers = {code: reader_in(request.registry, code) for code in ("fa", language)}
    drafts = public_drafts(request, "calendar", agency, document_type, limit=request.registry.settings[
        "eparticipation.outreach.calendar_entries"])
    reader = readers[language]
    if agency is None:
        name = translate(reader, CALENDAR_TITLE)
    else:
        name = translate(reader, _(CALENDAR_AGENCY_TITLE, mapping={"agency": agency.name(language)}))
    cal = Calendar()
    cal.add("prodid", "-//eparticipation//consultations//FA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", str(DISPLAY_TIMEZONE))
    stamp = request.now
    for draft in drafts:
        persian = draft.text("fa")
        title = persian.title if persian else ""
        lines = [f"{label}: {value}" for label, value in entry_details(readers["fa"], draft)]
        if language != "fa":
            english = draft.text(language)
            if english is not None and english.language == language:
                title = f"{title} / {english.title}"
            lines.append("")
            lines.extend(f"{label}: {value}" for label, value in entry_details(reader, draft))
        if draft.withdrawal_reason:
            lines.insert(0, translate(readers["fa"], _(WITHDRAWN_NOTE, mapping={"reason": draft.withdrawal_reason})))
        address = page_address(request, draft, language)
        lines.extend(["", address])
        event = Event()
        event.add("uid", f"consultation-{draft.id}@{request.host.split(':')[0]}")
        event.add("summary", title)
        event.add("dtstart", first_day(draft))
        event.add("dtend", draft.last_day() + timedelta(days=1))  # all-day: the end is the day after the last
        event.add("dtstamp", stamp)
        event.add("last-modified", entry_updated(draft, stamp))
        event.add("description", "\n".join(lines))
        event.add("url", address)
        event.add("transp", "TRANSPARENT")
        if draft.withdrawal_reason:
            event.add("status", "CANCELLED")
        cal.add_component(event)
    return cal.to_ical()


def feed_cache_key(request, name: str, agency_code=None) -> tuple:
    """What a feed depends on besides the drafts: which, in which language and for which type, at which address."""
    return (name, agency_code, feed_language(request),
            request.params.get("type", "") if feed_document_type(request) else "",
            request.params.get("subject", "") if feed_subject(request) else "", request.host_url, request.path)


def built(body: bytes, content_type: str) -> BuiltFeed:
    return BuiltFeed(body, content_type, hashlib.sha256(body).hexdigest()[:32])


def serve_feed(request, name: str, build, agency_code=None, cache_key=None, cache_name="outreach_feed_cache"):
    """The feed (or file) `name`, from the cache or built (and kept), answered with its ETag (304 when it
    matches) and `Cache-Control`."""
    cache = request.registry[cache_name]
    key = cache_key or feed_cache_key(request, name, agency_code)
    feed = cache.get(key)
    if feed is None:
        feed = build()
        cache.put(key, feed)
    response = request.response
    response.content_type = feed.content_type
    if feed.content_type in (ATOM, ICALENDAR):
        response.charset = "utf-8"
    response.etag = feed.etag
    seconds = int(request.registry.settings["eparticipation.outreach.feed_seconds"])
    response.cache_control = f"public, max-age={seconds}"
    if feed.etag in request.if_none_match:
        response.status = 304
        del response.headers["Content-Type"]  # a 304 has no body to describe
        return response
    response.body = feed.body
    return response


def forget_feeds(event):
    """A transition changes what feeds show: once its transaction commits, this process builds them anew."""
    registry = event.request.registry
    cache = registry.get("outreach_feed_cache")
    if cache is None:
        return
    import transaction
    from transaction.interfaces import NoTransaction

    def forget(committed):
        if committed:
            cache.clear()

    manager = getattr(event.request, "tm", None) or transaction.manager
    try:
        current = manager.get()
    except NoTransaction:  # no transaction to wait for (a script's own session): forget now
        cache.clear()
        return
    current.addAfterCommitHook(forget)
