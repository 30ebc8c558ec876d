"""Sharing a consultation: plain share links to messengers and networks (no script of theirs on our pages), and the
Open Graph and Twitter card tags that make a shared link show the call's title, summary and image.

Each network's link is a template with `{url}` and `{text}` (both URL-encoded here); a site may change any with
`eparticipation.outreach.share.<network> = <template>` (README, "Sharing"). Rubika and Soroush publish no share
address of their own: their defaults take the form of Telegram's documented one, as Bale and Eitaa do.
"""

from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from eparticipation.consultations import draft_url
from eparticipation.consultations.models import Draft, State
from eparticipation.i18n import _

# The states in which a draft's page is public (consultations/acl.py: Everyone may view it).
PUBLIC_STATES = (State.consultation, State.closed, State.published)


@dataclass(frozen=True)
class Network:
    name: str
    label: object  # the accessible name: "Share on Telegram"
    template: str


NETWORKS = (
    Network("bale", _("Share on Bale"), "https://ble.ir/share/url?url={url}&text={text}"),
    Network("eitaa", _("Share on Eitaa"), "https://eitaa.com/share/url?url={url}&text={text}"),
    Network("rubika", _("Share on Rubika"), "https://rubika.ir/share/url?url={url}&text={text}"),
    Network("soroush", _("Share on Soroush"), "https://splus.ir/share/url?url={url}&text={text}"),
    Network("telegram", _("Share on Telegram"), "https://t.me/share/url?url={url}&text={text}"),
    Network("whatsapp", _("Share on WhatsApp"), "https://wa.me/?text={text}%20{url}"),
    Network("x", _("Share on X"), "https://twitter.com/intent/tweet?url={url}&text={text}"),
    Network("linkedin", _("Share on LinkedIn"), "https://www.linkedin.com/sharing/share-offsite/?url={url}"),
    Network("email", _("Share by e-mail"), "mailto:?subject={text}&body={url}"),
)
NETWORK_NAMES = {
    "bale": _("Bale"), "eitaa": _("Eitaa"), "rubika": _("Rubika"), "soroush": _("Soroush"),
    "telegram": _("Telegram"), "whatsapp": _("WhatsApp"), "x": _("X"), "linkedin": _("LinkedIn"),
    "email": _("E-mail"),
}


def share_templates(settings) -> dict[str, str]:
    """Each network's link template, a site's own where it gave one."""
    templates = {}
    for network in NETWORKS:
        template = settings.get(f"eparticipation.outreach.share.{network.name}", network.template).strip()
        if "{url}" not in template:
            from eparticipation.settings import SettingError

            raise SettingError(f"eparticipation.outreach.share.{network.name} must hold {{url}}: {template!r}")
        templates[network.name] = template
    return templates


def share_link(template: str, url: str, text: str) -> str:
    """The template with the address and the text percent-encoded (UTF-8, spaces as %20, nothing left unsafe)."""
    return template.replace("{url}", quote(url, safe="")).replace("{text}", quote(text, safe=""))


def draft_address(request, draft) -> str:
    """The draft's page in the visitor's language (Persian, the default, needs no parameter)."""
    language = request.locale_name
    return draft_url(request, draft, query={"_LOCALE_": language} if language != "fa" else None)


def share_data(draft, request) -> dict:
    """The draft page's share section: a link per network, and the poster's and feeds' addresses."""
    language = request.locale_name
    text = draft.text(language)
    title = text.title if text else ""
    address = draft_address(request, draft)
    templates = request.registry["outreach_share_templates"]
    query = {"lang": language} if language != "fa" else None
    return {
        "share_links": [
            {"name": network.name, "label": network.label, "network": NETWORK_NAMES[network.name],
             "href": share_link(templates[network.name], address, title)}
            for network in NETWORKS
        ],
        "poster_url": request.resource_url(draft, "poster.pdf", query=query),
        "share_image_url": request.resource_url(draft, "share.png", query=query),
        "agency_feed_url": request.resource_url(request.root, "feeds", draft.agency.code, "opened.atom", query=query),
        "calendar_url": request.resource_url(request.root, "feeds", "consultations.ics", query=query),
    }


OG_LOCALES = {"fa": "fa_IR", "en": "en_US"}


def open_graph_tags(context, request) -> Markup | None:
    """On a public draft's page: Open Graph and Twitter card tags in the page's language, with the share image."""
    if not isinstance(context, Draft) or request.view_name or context.state not in PUBLIC_STATES:
        return None
    from eparticipation.i18n import translate

    language = request.locale_name
    text = context.text(language)
    title = text.title if text else ""
    description = (text.summary if text else "")[:300]
    image = request.resource_url(context, "share.png", query={"lang": language} if language != "fa" else None)
    alternate = [code for code in OG_LOCALES if code != language and code in context.texts]
    site_name = translate(request, _("Public consultation"))
    tags = [
        ("property", "og:type", "article"),
        ("property", "og:site_name", site_name),
        ("property", "og:title", title),
        ("property", "og:description", description),
        ("property", "og:url", draft_address(request, context)),
        ("property", "og:locale", OG_LOCALES.get(language, language)),
        *(("property", "og:locale:alternate", OG_LOCALES[code]) for code in alternate),
        ("property", "og:image", image),
        ("property", "og:image:type", "image/png"),
        ("property", "og:image:width", "1200"),
        ("property", "og:image:height", "630"),
        ("property", "og:image:alt", title),
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:title", title),
        ("name", "twitter:description", description),
        ("name", "twitter:image", image),
        ("name", "twitter:image:alt", title),
    ]
    return Markup("\n  ").join(Markup('<meta {}="{}" content="{}">').format(kind, name, value)
                               for kind, name, value in tags)


def feed_links(context, request) -> Markup | None:
    """On the listing and on an agency's page: the Atom feeds (and the calendar) for feed readers to find."""
    from eparticipation.agencies.models import Agency
    from eparticipation.i18n import translate
    from eparticipation.outreach.feeds import KINDS
    from eparticipation.resources import ConsultationContainer

    if request.view_name:
        return None
    language = request.locale_name
    query = {"lang": language} if language != "fa" else None
    if isinstance(context, ConsultationContainer):
        base, agency_name = (request.root, "feeds"), None
    elif isinstance(context, Agency):
        base, agency_name = (request.root, "feeds", context.code), context.name(language)
    else:
        return None
    links = []
    for name, kind in KINDS.items():
        title = kind.title if agency_name is None else _(kind.agency_title, mapping={"agency": agency_name})
        links.append(Markup('<link rel="alternate" type="application/atom+xml" title="{}" href="{}">').format(
            translate(request, title), request.resource_url(*base, f"{name}.atom", query=query)))
    links.append(Markup('<link rel="alternate" type="text/calendar" title="{}" href="{}">').format(
        translate(request, _("Consultation periods")), request.resource_url(*base, "consultations.ics", query=query)))
    return Markup("\n  ").join(links)


def listing_feeds(context, request) -> dict:
    """The listing's section: `feeds_of(agency code or None, document type or "")` gives (label, address, type) of
    each feed of that selection, in the page's language."""
    from eparticipation.outreach.feeds import KINDS

    language = request.locale_name

    def feeds_of(agency_code, document_type):
        query = {"lang": language} if language != "fa" else {}
        if document_type:
            query["type"] = document_type
        base = (request.root, "feeds", agency_code) if agency_code else (request.root, "feeds")
        links = [(kind.title, request.resource_url(*base, f"{name}.atom", query=query or None),
                  "application/atom+xml") for name, kind in KINDS.items()]
        links.append((_("Consultation periods (calendar)"),
                      request.resource_url(*base, "consultations.ics", query=query or None), "text/calendar"))
        links.append((_("All feeds"), request.resource_url(*base, ""), None))
        return links

    return {"feeds_of": feeds_of}
