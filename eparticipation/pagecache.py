"""A cache of whole pages, in each application process: the draft page of anonymous visitors, and the draft
page that signed-in participants share.

Most visitors of a consultation read its draft page without signing in, and every one of them is shown
the same page. Rendering it costs several times what serving it from memory does, so the page is kept,
under a key that holds everything it depends on (see `draft_page_key`). Only visitors without a session
cookie use it: they have no identity, no flashed messages and no CSRF token, so their page is the same
for all of them; it is never shared between languages, addresses or signed-in people.

Signed-in participants without a role (most signed-in visitors) all have the same permissions on a draft,
so their pages differ only in a few personal parts: their page is rendered once in shared mode, with
those parts marked (personal.py), kept under the same key plus "participant", and each person's parts
are filled in when it is served (participation/overlay.py). Editors, coordinators, auditors and
administrators, and anyone with a flashed message waiting, get a page rendered for them.

The draft's `participation_version` moves in the transaction of every comment, edit, withdrawal, support,
hiding, restoring and vote, so a page is out of date in every process as soon as that commits. What the
key does not follow (a participant's new display name) is at most `eparticipation.page_cache.seconds` old.
Off unless `eparticipation.page_cache.entries` is above 0.
"""

import threading
import time
from collections import OrderedDict
from typing import Callable

from pyramid.renderers import render

from eparticipation.personal import SharedPage
from eparticipation.security import session_cookie_name
from eparticipation.templating import FLASH_QUEUES


class PageCache:
    """At most `entries` pages, the least recently used dropped first, each kept `seconds` at most."""

    def __init__(self, entries: int, seconds: float, clock=time.monotonic):
        self.entries, self.seconds, self.clock = entries, seconds, clock
        self.pages = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key) -> bytes | None:
        with self.lock:
            found = self.pages.get(key)
            if found is None:
                return None
            expires, body = found
            if expires <= self.clock():
                del self.pages[key]
                return None
            self.pages.move_to_end(key)
            return body

    def put(self, key, body: bytes):
        with self.lock:
            self.pages[key] = (self.clock() + self.seconds, body)
            self.pages.move_to_end(key)
            while len(self.pages) > self.entries:
                self.pages.popitem(last=False)


def page_cache_for(request) -> PageCache | None:
    """The cache, when this request may use it: enabled, a GET, and a visitor without a session."""
    cache = request.registry.get("page_cache")
    if cache is None or request.method not in ("GET", "HEAD") or session_cookie_name(request.registry) in request.cookies:
        return None
    return cache


def shared_page_cache_for(request) -> PageCache | None:
    """The cache, when this request may use a page shared by signed-in participants (personal.py): enabled,
    a GET, a signed-in person without any role (so their permissions are every participant's) and without a
    message flashed to them (which the shared page would not show)."""
    cache = request.registry.get("page_cache")
    if cache is None or request.method not in ("GET", "HEAD") or session_cookie_name(request.registry) not in request.cookies:
        return None
    user = request.identity
    if user is None or user.grants:
        return None
    session = request.session
    if any(session.peek_flash(queue) for queue in FLASH_QUEUES):
        return None
    return cache


def draft_page_key(request, draft) -> tuple:
    """Everything an anonymous visitor's draft page depends on: the draft and its participation, the
    agency's names, the day (days left) and whether it accepts participation now, the language, and the
    address asked for (host, path and query: page, filter and order of the comments)."""
    agency = draft.agency
    return (
        "draft", draft.id, draft.participation_version, draft.state, draft.updated_at, draft.opens_at,
        draft.closes_at, draft.original_file_key, agency.name_fa, agency.name_en,
        draft.days_left(request.now), draft.is_accepting(request.now),
        request.locale_name, request.host_url, request.path_qs,
    )


def serve_cached(request, key):
    """The page kept under `key`, or None; when None, the page about to be rendered is kept once it is."""
    cache = request.registry["page_cache"]
    body = cache.get(key)
    if body is not None:
        response = request.response
        response.body = body
        return response

    def keep(request, response):
        # A page that started a session (a form's CSRF token) belongs to that visitor alone.
        cookies = response.headers.getall("Set-Cookie")
        name = session_cookie_name(request.registry)
        started_session = any(cookie.startswith(name + "=") for cookie in cookies)
        if response.status_int == 200 and response.content_type == "text/html" and not started_session:
            cache.put(key, response.body)

    request.add_response_callback(keep)
    return None


def serve_shared(request, key, personalise: Callable[[SharedPage], bytes]):
    """The shared page kept under `key` as this person sees it (`personalise` fills it in), or None."""
    shared = request.registry["page_cache"].get(key)
    if shared is None:
        return None
    response = request.response
    response.body = personalise(shared)
    return response


def render_shared(request, key, renderer: str, values: dict, personalise: Callable[[SharedPage], bytes],
                  facts=None):
    """Render the page in shared mode, keep it under `key` with the `facts` its personal parts are chosen
    by, and answer with this person's own (in the view: the request's transaction is still open)."""
    shared = SharedPage.parse(render(renderer, {**values, "shared_page": True}, request), facts)
    request.registry["page_cache"].put(key, shared)
    response = request.response
    response.body = personalise(shared)
    return response


def includeme(config):
    settings = config.get_settings()
    entries = int(settings.get("eparticipation.page_cache.entries", 0))
    seconds = float(settings.get("eparticipation.page_cache.seconds", 60))
    if entries > 0:
        config.registry["page_cache"] = PageCache(entries, seconds)
