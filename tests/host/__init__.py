"""A host application that includes eparticipation under /participation (README, "Use it inside your own Pyramid
application", shows this main()): its own root, its own security policy (which answers the package's requests
with the package's policy), its own home page with its own permission."""

from pyramid.authorization import DENY_ALL, ACLHelper, Allow, Everyone
from pyramid.config import Configurator
from pyramid.response import Response
from pyramid.view import view_config

from eparticipation.mounting import is_ours
from eparticipation.security import POLICY_KEY

HOST_VIEW = "host:view"
HOST_USER_HEADER = "X-Host-User"  # the host's own sign-in, for the tests: a header its proxy would set


class HostRoot:
    __name__ = ""
    __parent__ = None
    __acl__ = [(Allow, "host:staff", HOST_VIEW), DENY_ALL]

    def __init__(self, request):
        self.request = request


class HostSecurityPolicy:
    """The host's own policy; for the package's requests (mounting.is_ours) it asks the package's."""

    def __init__(self):
        self.acl = ACLHelper()

    def ours(self, request):
        return request.registry[POLICY_KEY] if is_ours(request) else None

    def identity(self, request):
        ours = self.ours(request)
        return ours.identity(request) if ours else request.headers.get(HOST_USER_HEADER)

    def authenticated_userid(self, request):
        ours = self.ours(request)
        return ours.authenticated_userid(request) if ours else request.headers.get(HOST_USER_HEADER)

    def permits(self, request, context, permission):
        ours = self.ours(request)
        if ours:
            return ours.permits(request, context, permission)
        principals = [Everyone] + (["host:staff"] if request.headers.get(HOST_USER_HEADER) else [])
        return self.acl.permits(context, principals, permission)

    def remember(self, request, userid, **kw):
        ours = self.ours(request)
        return ours.remember(request, userid, **kw) if ours else []

    def forget(self, request, **kw):
        ours = self.ours(request)
        return ours.forget(request, **kw) if ours else []


@view_config(context=HostRoot, permission=HOST_VIEW)
def host_home(context, request):
    return Response(f"The ministry's portal, for {request.identity}", content_type="text/plain")


def main(global_config, **settings):
    with Configurator(settings=settings, root_factory=HostRoot) as config:
        config.set_security_policy(HostSecurityPolicy())  # the host's: it overrides the package's
        config.include("eparticipation", route_prefix="/participation")
        config.scan("tests.host")
    return config.make_wsgi_app()
