"""The feeds (Atom, iCalendar) and their index, the share image and the poster of a consultation."""

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from eparticipation.consultations.models import DocumentType, Draft
from eparticipation.consultations.schemas import DOCUMENT_TYPE_LABELS
from eparticipation.outreach import Feeds
from eparticipation.outreach.feeds import (
    ATOM,
    FEED_LANGUAGES,
    ICALENDAR,
    KINDS,
    atom_feed,
    built,
    calendar,
    feed_document_type,
    serve_feed,
)
from eparticipation.outreach.share import PUBLIC_STATES
from eparticipation.permissions import Permissions


@view_config(context=Feeds, renderer="outreach/feeds.jinja2", permission=Permissions.SiteView, request_method="GET")
def feeds_index(context, request):
    """/feeds/ and /feeds/<agency code>/: every feed there is, by language and document type."""
    agency = context.agency
    return {
        "agency": agency,
        "kinds": KINDS,
        "languages": FEED_LANGUAGES,
        "document_types": list(DocumentType),
        "type_labels": DOCUMENT_TYPE_LABELS,
        "feed_url": lambda name, **query: request.resource_url(context, name, query=query or None),
    }


def atom_view(kind):
    def view(context, request):
        document_type = feed_document_type(request)
        return serve_feed(request, f"{kind}.atom",
                          lambda: built(atom_feed(request, kind, context.agency, document_type), ATOM),
                          context.agency_code)

    view.__name__ = f"{kind}_feed"
    return view


def atom_view_config(kind):
    return view_config(context=Feeds, name=f"{kind}.atom", permission=Permissions.SiteView, request_method="GET")


# Module attributes, so that the scan finds them.
opened_feed = atom_view_config("opened")(atom_view("opened"))
closing_feed = atom_view_config("closing")(atom_view("closing"))
outcomes_feed = atom_view_config("outcomes")(atom_view("outcomes"))


@view_config(context=Feeds, name="consultations.ics", permission=Permissions.SiteView, request_method="GET")
def calendar_feed(context, request):
    document_type = feed_document_type(request)
    return serve_feed(request, "consultations.ics",
                      lambda: built(calendar(request, context.agency, document_type), ICALENDAR), context.agency_code)


def cached_file(request, draft, name: str, content_type: str, make):
    """A file made from the draft (its image, its poster), kept until the draft changes, with its ETag."""
    from eparticipation.outreach.feeds import feed_language

    if draft.state not in PUBLIC_STATES:
        raise HTTPNotFound()
    language = feed_language(request)
    key = (name, draft.id, draft.state, draft.updated_at, draft.opens_at, draft.closes_at, draft.published_at,
           draft.agency.name_fa, draft.agency.name_en, language, request.host_url)
    return serve_feed(request, name, lambda: built(make(language), content_type), cache_key=key,
                      cache_name="outreach_file_cache")


@view_config(context=Draft, name="share.png", permission=Permissions.DraftView, request_method="GET")
def share_image_view(context, request):
    from eparticipation.outreach.image import share_image

    return cached_file(request, context, "share.png", "image/png",
                       lambda language: share_image(request.registry, context, language))


@view_config(context=Draft, name="poster.pdf", permission=Permissions.DraftView, request_method="GET")
def poster_view(context, request):
    from eparticipation.outreach.poster import render_poster

    response = cached_file(request, context, "poster.pdf", "application/pdf",
                           lambda language: render_poster(request, context))
    response.content_disposition = f'inline; filename="consultation-{context.id}-poster.pdf"'
    return response
