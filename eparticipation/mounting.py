"""Mounting the traversal tree under a host application's route prefix.

    config.include("eparticipation", route_prefix="/participation")

adds one route, "eparticipation", `/participation/*traverse`, whose factory hands out the tree's Root, and whose
requests find the package's views (registered without a route: use_global_views). The Root is then located under
the prefix: its __name__ is the prefix's last segment, its __parent__ a bare node for each segment before it, so
that every request.resource_url / resource_path (draft_url, agency_url, the links in messages) yields
/participation/…; the static views take the prefix from the include themselves.

Standalone (no prefix) nothing is mounted: main() sets the Root as the site's root factory.
"""

from pyramid.httpexceptions import HTTPFound
from pyramid.security import NO_PERMISSION_REQUIRED

from eparticipation import ROUTE_NAME


class Location:
    """A segment of the prefix above the Root: a name and a parent, nothing to traverse (the route does)."""

    def __init__(self, name, parent):
        self.__name__ = name
        self.__parent__ = parent


def location_of(prefix: str):
    """The node the Root hangs from, and the Root's name, for a prefix such as "/ministry/participation"."""
    segments = [segment for segment in prefix.split("/") if segment]
    parent = Location("", None)
    for segment in segments[:-1]:
        parent = Location(segment, parent)
    return parent, segments[-1]


def prefixed_root_factory(prefix: str):
    from eparticipation.resources import Root

    parent, name = location_of(prefix)

    def root_factory(request):
        return Root(request, name, parent)

    return root_factory


class OurRequest:
    """View predicate `eparticipation_request=True`, on the package's exception views (not found, forbidden, …):
    inside a host they answer only the requests under the prefix, and leave the host's own requests to the host's
    views (or Pyramid's). Standalone every request is ours."""

    def __init__(self, value, config):
        self.value = bool(value)

    def text(self):
        return f"eparticipation_request = {self.value}"

    phash = text

    def __call__(self, context, request):
        return is_ours(request) is self.value


def is_ours(request) -> bool:
    """Whether a request is the package's: always standalone; under a prefix, one that matched its route or one
    of its static views."""
    prefix = request.registry.get("eparticipation.route_prefix")
    if not prefix:
        return True
    route = getattr(request, "matched_route", None)
    return route is not None and (route.name == ROUTE_NAME or route.name.startswith(f"__{prefix}/"))


def locate(request):
    """A request made outside the router (a console command's, pyramid.paster.bootstrap) gets the root of the
    application's root factory: the host's, inside a host. Its root becomes the package's Root, located under the
    prefix, so that the links it builds (the messages' links) are /participation/…. Standalone nothing changes."""
    prefix = request.registry.get("eparticipation.route_prefix")
    if prefix:
        request.root = prefixed_root_factory(prefix)(request)
    return request


def mount(config):
    prefix = (config.route_prefix or "").strip("/")
    config.registry["eparticipation.route_prefix"] = prefix
    config.add_view_predicate("eparticipation_request", OurRequest)
    if not prefix:
        return
    config.add_route(ROUTE_NAME, "/*traverse", factory=prefixed_root_factory(prefix), use_global_views=True)
    # /participation (no slash) is the home page's address typed short: sent on to /participation/.
    config.add_route(f"{ROUTE_NAME}.bare", "", inherit_slash=True)
    config.add_view(to_home, route_name=f"{ROUTE_NAME}.bare", permission=NO_PERMISSION_REQUIRED)


def to_home(request):
    return HTTPFound(location=request.route_url(ROUTE_NAME, traverse=()))
