"""The widget an agency's portal embeds (DESIGN O2), and the page where its coordinator sets it up.

    /embed/<code>/?lang=fa|en&theme=light|dark&consultation=<id>
                                  the agency's open consultations: a small page of its own (no Bootstrap, its own
                                  stylesheet), framed only by the agency's origins, cached (ETag, Cache-Control)
    /embed.js                     the script that puts the widget where its <script> tag is, and sizes it
    /agencies/<code>/embed-settings
                                  the snippets and the origins' form (EmbedManage: the agency's coordinators and
                                  administrators; the agency page shows the same as a section)
"""

from importlib.resources import files

from pyramid.httpexceptions import HTTPNotFound, HTTPNotModified, HTTPSeeOther
from pyramid.renderers import render
from pyramid.response import Response
from pyramid.view import view_config

from eparticipation.agencies.models import Agency
from eparticipation.audit import record
from eparticipation.consultations import draft_url
from eparticipation.consultations.schemas import DOCUMENT_TYPE_LABELS, SUBJECT_LABELS
from eparticipation.embed.models import EmbedSettings
from eparticipation.embed.origins import parse_origins
from eparticipation.embed.resources import EmbedPage
from eparticipation.embed.schemas import OriginsSchema
from eparticipation.embed.services import (
    LANGUAGES,
    THEMES,
    Options,
    Page,
    drop_pages,
    embed_cache,
    etag_of,
    load_widget,
    open_consultations,
    settings_of,
)
from eparticipation.forms import FormView
from eparticipation.headers import allow_framing
from eparticipation.i18n import _, flash, localizer_for, text_direction
from eparticipation.inputs import integer_param
from eparticipation.permissions import Permissions
from eparticipation.resources import Root

LOADER = files("eparticipation").joinpath("static/embed/embed.js").read_bytes()


def widget_options(params, prefix="") -> Options:
    """The widget's options from a query: an unknown language or theme is the default one (a hand-edited
    snippet still shows something); a consultation that is not a number is refused (400)."""
    language = params.get(prefix + "lang")
    theme = params.get(prefix + "theme")
    return Options(
        language=language if language in LANGUAGES else LANGUAGES[0],
        theme=theme if theme in THEMES else THEMES[0],
        consultation=integer_param(params, prefix + "consultation"),
    )


def in_language(request, language: str):
    """The page is in the widget's language, whatever the visitor chose on the site."""
    request.locale_name = language
    request.localizer = localizer_for(request.registry, language)


def render_widget(request, widget, options: Options) -> Page:
    in_language(request, options.language)
    language = options.language
    body = render("embed/page.jinja2", {
        "widget": widget,
        "options": options,
        "agency_name": widget.name(language),
        "direction": text_direction(language),
        "document_type_labels": DOCUMENT_TYPE_LABELS,
        "subject_labels": SUBJECT_LABELS,
        "consultation_url": lambda listed, anchor=None: draft_url(request, listed, anchor=anchor,
                                                                   query={"_LOCALE_": language}),
        "listing_url": request.resource_url(request.root, "consultations", "",
                                            query={"agency": widget.code, "_LOCALE_": language}),
    }, request).encode()
    return Page(body=body, etag=etag_of(body, widget.origins), origins=widget.origins, changes_at=widget.changes_at)


@view_config(context=EmbedPage, permission=Permissions.SiteView, request_method=("GET", "HEAD"))
def widget_page(context, request):
    """Served from the cache without reading the database; rendered from two statements otherwise."""
    options = widget_options(request.GET)
    cache = embed_cache(request.registry)
    key = (context.code, options, request.application_url)
    page = cache.get(key)
    if page is None or page.changes_at <= request.now:
        widget = load_widget(request.dbsession, context.code, options, request.now)
        if widget is None:
            raise HTTPNotFound()
        page = render_widget(request, widget, options)
        cache.put(key, page)
    return widget_response(request, page)


def not_shared_with_a_cookie(request, response):
    """The page is everyone's, but a response that renews a visitor's session cookie is theirs alone: no proxy
    may keep it and hand the cookie to someone else."""
    if "Set-Cookie" in response.headers:
        response.headers["Cache-Control"] = "private, no-cache"


def widget_response(request, page: Page):
    allow_framing(request, page.origins)
    request.add_response_callback(not_shared_with_a_cookie)
    headers = [("Cache-Control", f"public, max-age={request.registry.settings['eparticipation.embed.max_age']}"),
               ("ETag", f'"{page.etag}"')]
    if page.etag in request.if_none_match:
        return HTTPNotModified(headerlist=headers)
    headers.append(("Content-Type", "text/html; charset=utf-8"))
    return Response(body=page.body, headerlist=headers)


@view_config(context=Root, name="embed.js", permission=Permissions.SiteView, request_method=("GET", "HEAD"))
def loader_script(context, request):
    response = request.response
    response.content_type = "text/javascript"
    response.charset = "utf-8"
    response.body = LOADER
    response.headers["Cache-Control"] = f"public, max-age={request.registry.settings['eparticipation.embed.max_age']}"
    return response


# --- the coordinator's part ----------------------------------------------------------------------------------


def snippets(request, agency, options: Options) -> dict:
    """The two ways to put the widget on the portal: an <iframe>, and a <script> that inserts one and sizes it."""
    in_widget_language = localizer_for(request.registry, options.language)
    title = in_widget_language.translate(_("Open consultations of ${agency}",
                                           mapping={"agency": agency.name(options.language)}))
    url = request.resource_url(request.root, "embed", agency.code, "", query=options.query())
    script = request.resource_url(request.root, "embed.js")
    consultation = f' data-consultation="{options.consultation}"' if options.consultation is not None else ""
    quoted_title = title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    iframe = (f'<iframe src="{url.replace("&", "&amp;")}" title="{quoted_title}" width="100%" height="480" '
              f'style="border:0;max-width:40rem" loading="lazy"></iframe>')
    inserted = (f'<script src="{script}" data-agency="{agency.code}" data-lang="{options.language}" '
                f'data-theme="{options.theme}"{consultation} data-title="{quoted_title}" async></script>\n'
                f'<noscript><a href="{url.replace("&", "&amp;")}">{quoted_title}</a></noscript>')
    return {"iframe": iframe, "script": inserted, "url": url}


def embed_section_data(agency, request) -> dict:
    """The agency page's widget section, also the settings page: the snippets for the chosen options, the
    consultations one may choose, the origins and their form."""
    options = widget_options(request.GET, prefix="embed-")
    settings = settings_of(request.dbsession, agency)
    view = EmbedSettingsView(agency, request)
    return {
        "embed_options": options,
        "embed_snippets": snippets(request, agency, options),
        "embed_consultations": open_consultations(request.dbsession, agency, request.locale_name, request.now),
        "embed_origins": settings.origins if settings is not None else [],
        "embed_form": view.form().render(view.appstruct()),
        "embed_languages": LANGUAGES,
        "embed_themes": THEMES,
    }


@view_config(context=Agency, name="embed-settings", renderer="embed/settings.jinja2",
             permission=Permissions.EmbedManage)
class EmbedSettingsView(FormView):
    """The origins whose pages may frame the widget. A refused line is named with its reason; the text stays
    as typed."""

    schema = OriginsSchema
    formid = "embed-origins"
    buttons = (("save", _("Save the origins")),)

    def form(self):
        form = super().form()
        form.action = self.request.resource_url(self.context, "embed-settings")
        return form

    def appstruct(self):
        settings = settings_of(self.request.dbsession, self.context)
        return {"origins": "\n".join(settings.origins) if settings is not None else ""}

    def page(self, rendered_form, **extra):
        if self.request.method == "GET":
            return {"agency": self.context, **embed_section_data(self.context, self.request)}
        data = embed_section_data(self.context, self.request)
        return {"agency": self.context, **data, "embed_form": rendered_form, **extra}

    def save(self, appstruct):
        request, agency = self.request, self.context
        origins, _wrong = parse_origins(appstruct["origins"])
        settings = settings_of(request.dbsession, agency)
        before = list(settings.origins) if settings is not None else []
        if settings is None:
            settings = EmbedSettings(agency_id=agency.id)
            request.dbsession.add(settings)
        settings.origins = origins
        settings.updated_at = request.now
        settings.updated_by_id = request.identity.id
        request.dbsession.flush()
        record(request, "embed.origins", settings, agency_id=agency.id, object_id=agency.id,
               before={"origins": before}, after={"origins": origins})
        drop_pages(request, agency.code)
        flash(request, _("The origins are saved: the widget may be shown on their pages."), "success")
        return HTTPSeeOther(request.resource_url(agency, "embed-settings"))
