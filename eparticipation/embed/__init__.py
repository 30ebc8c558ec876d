"""The agency's widget for its portal (DESIGN O2): its open consultations in a page that the origins the agency
configured may frame, and the snippets (an <iframe>, or a <script> that inserts and sizes it) its coordinator
copies onto the portal.

Settings (all optional):

    eparticipation.embed.max_age        seconds browsers and proxies may keep a widget page (300)
    eparticipation.embed.cache_entries  rendered widget pages kept in each process (500; 0 keeps none)
    eparticipation.embed.cache_seconds  at most this long, so a change made in another process shows (60)
"""

from eparticipation.permissions import Permissions


def drop_agency_pages(event):
    """A transition (opened, extended, closed, withdrawn, …) changes the agency's list."""
    from eparticipation.embed.services import drop_pages

    drop_pages(event.request, event.draft.agency.code)


def embed_section_data(agency, request) -> dict:
    from eparticipation.embed.views import embed_section_data

    return embed_section_data(agency, request)


def includeme(config):
    from eparticipation import settings as parse
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.embed.resources import EmbedArea
    from eparticipation.embed.services import EmbedCache

    settings = config.get_settings()
    max_age = parse.integer(settings, "eparticipation.embed.max_age", 300)
    entries = parse.integer(settings, "eparticipation.embed.cache_entries", 500)
    seconds = parse.number(settings, "eparticipation.embed.cache_seconds", 60)
    if max_age < 0 or entries < 0 or seconds < 0:
        raise parse.SettingError("eparticipation.embed.max_age, .cache_entries and .cache_seconds must not be "
                                 "negative")
    config.registry["embed_cache"] = EmbedCache(entries, seconds if entries else 0)
    config.scan()
    config.include("eparticipation.sections")
    config.add_root_child("embed", EmbedArea)
    config.add_agency_section("embed", "embed/agency_section.jinja2", order=60, permission=Permissions.EmbedManage,
                              data=embed_section_data)
    config.add_subscriber(drop_agency_pages, DraftTransitioned)
