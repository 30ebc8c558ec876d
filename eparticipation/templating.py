"""Jinja2 pages: the `.jinja2` renderer, formatting filters, and the static assets they link to."""

from pyramid.csrf import get_csrf_token
from pyramid.security import NO_PERMISSION_REQUIRED

from eparticipation import i18n, personal
from eparticipation.messaging import unread_badge
from eparticipation.permissions import Permissions
from eparticipation.security import SESSION_COOKIE

FLASH_QUEUES = ("success", "danger", "")

JINJA2_FILTERS = """
datetime = eparticipation.i18n:datetime_filter
date = eparticipation.i18n:date_filter
number = eparticipation.i18n:number_filter
digits = eparticipation.i18n:digits_filter
"""


def template_globals(event):
    request = event.get("request")
    if request is None:
        return
    event["locale_name"] = request.locale_name
    event["text_direction"] = i18n.text_direction(request.locale_name)
    event["other_languages"] = [
        (code, i18n.LANGUAGE_NAMES.get(code, code))
        for code in i18n.available_languages(request.registry)
        if code != request.locale_name
    ]
    event["user"] = request.identity
    # Templates' _() translates like the Python code's: numbers and dates in the mapping in the page's
    # language, and translation strings in the mapping translated too.
    event["_"] = i18n.template_translator(request)
    event["Permissions"] = Permissions
    # A page shared by signed-in participants (personal.py) marks where each person's own values go.
    shared = isinstance(event.rendering_val, dict) and event.rendering_val.get("shared_page", False)
    event["shared_page"] = shared
    if shared:
        event["csrf_token"] = lambda: personal.value_marker(personal.CSRF)
        event["unread_badge"] = lambda: personal.value_marker(personal.UNREAD)
    else:
        # Called only by templates with a form, so anonymous readers of other pages get no session cookie.
        event["csrf_token"] = lambda: get_csrf_token(request)
        event["unread_badge"] = lambda: unread_badge(request, request.unread_messages)
    event["flash_messages"] = lambda: flash_messages(request)


def flash_messages(request) -> list[tuple[str, str]]:
    """The messages flashed to this visitor, as (queue, message), taken off their queues.

    A visitor without a session cookie has none, and their page neither creates a session nor sets a
    cookie, so it stays cacheable; a queue is popped (which rewrites the cookie) only when it holds some."""
    if SESSION_COOKIE not in request.cookies:
        return []
    session = request.session
    return [
        (queue, message)
        for queue in FLASH_QUEUES
        if session.peek_flash(queue)
        for message in session.pop_flash(queue)
    ]


def includeme(config):
    from pyramid.events import BeforeRender

    settings = config.get_settings()
    settings.setdefault("jinja2.i18n.domain", "eparticipation")
    settings.setdefault("jinja2.directories", "eparticipation:templates")
    settings.setdefault("jinja2.undefined", "strict")
    settings.setdefault("jinja2.autoescape", "true")
    settings.setdefault("jinja2.filters", JINJA2_FILTERS)
    settings.setdefault("jinja2.finalize", "eparticipation.i18n:finalize")
    config.include("pyramid_jinja2")
    config.add_jinja2_renderer(".jinja2")
    config.add_subscriber(template_globals, BeforeRender)
    # Our CSS and the vendored assets (copied from node_modules by `make assets`).
    config.add_static_view("static", "eparticipation:static", cache_max_age=3600, permission=NO_PERMISSION_REQUIRED)
    config.add_static_view("deform", "deform:static", cache_max_age=3600, permission=NO_PERMISSION_REQUIRED)
