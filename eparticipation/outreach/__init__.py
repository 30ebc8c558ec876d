"""Outreach (DESIGN O2): a consultation reaches people where they are. Atom feeds of the consultations opened,
closing soon and published, and an iCalendar of their periods, site-wide and per agency, per document type, in
Persian and English (feeds.py); share links to the domestic messengers and the networks, Open Graph and Twitter
card tags with a share image drawn on the server (share.py, image.py); a printable poster with a QR code
(poster.py)."""

import re

from pyramid.authorization import DENY_ALL, Allow, Everyone

AGENCY_CODE = re.compile(r"[a-z][a-z0-9-]{1,31}")


class Feeds:
    """/feeds/, the whole site's feeds, and /feeds/<agency code>/, one agency's: public, like the listing. An agency's
    is looked up only when its feed is built (a kept feed is served without the database); a code that names no
    agency is a 404 then."""

    __parent__ = None

    def __init__(self, request, agency_code: str | None = None):
        self.request = request
        self.agency_code = agency_code
        self.__name__ = agency_code or "feeds"

    def __acl__(self):
        from eparticipation.permissions import Permissions

        return [(Allow, Everyone, Permissions.SiteView), DENY_ALL]

    def __getitem__(self, name):
        # An agency's code: lower-case Latin letters, digits and hyphens (no dot: the feeds' names have one).
        if self.agency_code is not None or not AGENCY_CODE.fullmatch(name):
            raise KeyError(name)
        child = Feeds(self.request, name)
        child.__parent__ = self
        return child

    @property
    def agency(self):
        """The agency of /feeds/<code>/ (looked up once), None for the site's; HTTPNotFound when there is none."""
        if self.agency_code is None:
            return None
        if not hasattr(self, "_agency"):
            import sqlalchemy as sa
            from pyramid.httpexceptions import HTTPNotFound

            from eparticipation.agencies.models import Agency

            self._agency = self.request.dbsession.scalar(sa.select(Agency).where(Agency.code == self.agency_code))
            if self._agency is None:
                raise HTTPNotFound()
        return self._agency


def read_settings(settings: dict) -> None:
    from eparticipation import settings as parse
    from eparticipation.outreach.share import share_templates

    # A consultation is "closing soon" in its last days: the feed of those closing soon holds them.
    parse.integer(settings, "eparticipation.outreach.closing_soon_days", 7)
    # How long a built feed, share image or poster is kept (and `Cache-Control: max-age`).
    parse.integer(settings, "eparticipation.outreach.feed_seconds", 300)
    parse.integer(settings, "eparticipation.outreach.cache_entries", 500)
    # Share images and posters kept (some 50 KB each).
    parse.integer(settings, "eparticipation.outreach.file_cache_entries", 100)
    # The entries of an Atom feed (the newest, or the soonest to close), and the calendar's events (the periods of
    # the consultations opened last).
    parse.integer(settings, "eparticipation.outreach.feed_entries", 20)
    parse.integer(settings, "eparticipation.outreach.calendar_entries", 100)
    settings["eparticipation.outreach.share_templates"] = share_templates(settings)


def includeme(config):
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.outreach.feeds import FeedCache, forget_feeds
    from eparticipation.outreach.share import PUBLIC_STATES, feed_links, listing_feeds, open_graph_tags, share_data

    settings = config.get_settings()
    read_settings(settings)
    config.registry["outreach_share_templates"] = settings["eparticipation.outreach.share_templates"]
    entries, seconds = settings["eparticipation.outreach.cache_entries"], settings["eparticipation.outreach.feed_seconds"]
    config.registry["outreach_feed_cache"] = FeedCache(entries, seconds)
    config.registry["outreach_file_cache"] = FeedCache(settings["eparticipation.outreach.file_cache_entries"], seconds)
    config.scan()
    config.include("eparticipation.sections")
    config.add_root_child("feeds", lambda root: Feeds(root.request))
    # The draft page: share links, the poster and the feeds, wherever the page is public.
    config.add_draft_section("share", "outreach/share_section.jinja2", order=90, states=PUBLIC_STATES,
                             data=share_data)
    # The agency page: its feeds and calendar.
    config.add_agency_section("feeds", "outreach/agency_section.jinja2", order=90)
    # The listing: the feeds of what it shows (its agency and document type).
    config.add_listing_section("feeds", "outreach/listing_section.jinja2", order=90, data=listing_feeds)
    config.add_head_part("open-graph", open_graph_tags, order=10)
    config.add_head_part("feed-links", feed_links, order=20)
    config.add_subscriber(forget_feeds, DraftTransitioned)
