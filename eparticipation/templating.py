"""Jinja2 pages: the `.jinja2` renderer, formatting filters, and the static assets they link to."""

from markupsafe import Markup
from pyramid.csrf import get_csrf_token
from pyramid.security import NO_PERMISSION_REQUIRED

from eparticipation import i18n, personal, sections
from eparticipation.permissions import Permissions
from eparticipation.security import session_cookie_name

FLASH_QUEUES = ("success", "danger", "")

JINJA2_FILTERS = """
datetime = eparticipation.i18n:datetime_filter
date = eparticipation.i18n:date_filter
number = eparticipation.i18n:number_filter
digits = eparticipation.i18n:digits_filter
bdi = eparticipation.i18n:bdi_filter
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
    # A page's sections (sections.py): `{{ section(shown) }}`, and the macros of per-item sections.
    event["section"] = sections.render_section
    event["section_macros"] = sections.section_macros
    # What the domains add to the page's <head> (sections.add_head_part).
    event["head_parts"] = lambda: sections.render_head_parts(request)
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
    if session_cookie_name(request.registry) not in request.cookies:
        return []
    session = request.session
    return [
        (queue, message)
        for queue in FLASH_QUEUES
        if session.peek_flash(queue)
        for message in session.pop_flash(queue)
    ]


def compose_environment(config):
    """Our filters and finalize in the .jinja2 environment, whoever created it; a host's environment that does not
    autoescape would let people's text into pages as HTML: the site does not start with it."""
    from pyramid.exceptions import ConfigurationError
    from pyramid.settings import aslist

    environment = config.get_jinja2_environment(".jinja2")
    if environment is None:
        return
    if not environment.autoescape:
        raise ConfigurationError("the .jinja2 environment must autoescape (jinja2.autoescape = true)")
    for line in aslist(JINJA2_FILTERS, flatten=False):
        name, spec = (part.strip() for part in line.split("="))
        environment.filters.setdefault(name, config.maybe_dotted(spec.replace(":", ".")))
    if environment.finalize is None:
        from eparticipation.i18n import finalize

        environment.finalize = finalize


def includeme(config):
    from pyramid.events import ApplicationCreated, BeforeRender

    from pyramid_jinja2 import EXTRAS_CONFIG_PHASE

    settings = config.get_settings()
    host_templates = "jinja2.directories" in settings
    settings.setdefault("jinja2.i18n.domain", "eparticipation")
    settings.setdefault("jinja2.directories", "eparticipation:templates")
    settings.setdefault("jinja2.undefined", "strict")
    settings.setdefault("jinja2.autoescape", "true")
    settings.setdefault("jinja2.filters", JINJA2_FILTERS)
    settings.setdefault("jinja2.finalize", "eparticipation.i18n:finalize")
    # Compiled templates kept on disk (a private folder of the temporary directory; recompiled when a template
    # changes): a restarted process loads the 80-odd templates in ~50 ms instead of compiling them for ~1.2 s.
    settings.setdefault("jinja2.bytecode_caching", "true")
    config.include("pyramid_jinja2")
    # A host that adds its own .jinja2 renderer in its main() keeps it (the including configuration wins): our
    # templates, filters and finalize are then added to its environment, which must autoescape.
    config.add_jinja2_renderer(".jinja2")
    if host_templates:
        config.add_jinja2_search_path("eparticipation:templates", name=".jinja2")
    config.action(None, lambda: compose_environment(config), order=EXTRAS_CONFIG_PHASE)
    config.add_subscriber(template_globals, BeforeRender)
    config.add_subscriber(warm_up, ApplicationCreated)
    # Our CSS and the vendored assets (copied from node_modules by `make assets`).
    config.add_static_view("static", "eparticipation:static", cache_max_age=3600, permission=NO_PERMISSION_REQUIRED)
    config.add_static_view("deform", "deform:static", cache_max_age=3600, permission=NO_PERMISSION_REQUIRED)


def warm_up(event):
    """Before the first request: the mappers configured, every template of ours compiled (or loaded from the
    bytecode cache) and the catalogues read, so the first visitor after a start waits ~10 ms, not ~1.5 s."""
    from importlib.resources import files
    from pathlib import Path

    from pyramid_jinja2 import IJinja2Environment
    from sqlalchemy.orm import configure_mappers

    registry = event.app.registry
    configure_mappers()
    environment = registry.queryUtility(IJinja2Environment, name=".jinja2")
    root = Path(str(files("eparticipation").joinpath("templates")))
    for path in sorted(root.rglob("*.jinja2")):
        environment.get_template(path.relative_to(root).as_posix())
    for language in i18n.available_languages(registry):
        i18n.localizer_for(registry, language)


def unread_badge(request, count: int | None) -> Markup:
    """The header's badge of unread messages after "Inbox": empty when there are none."""
    if not count:
        return Markup("")
    unread = i18n.translate(request, i18n._("unread"))
    return Markup(' <span class="badge rounded-pill text-bg-danger">{}<span class="visually-hidden"> {}</span></span>'
                  ).format(i18n.format_number(count, request.locale_name), unread)
