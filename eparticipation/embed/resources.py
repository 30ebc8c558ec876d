"""/embed/<code>/: the widget of an agency, found without reading the database (the view reads what it shows in
two statements, or nothing when its page is cached)."""

from pyramid.authorization import DENY_ALL, Allow, Everyone

from eparticipation.agencies.models import CODE_PATTERN
from eparticipation.permissions import Permissions


class EmbedArea:
    """/embed/: the agencies' widgets, each under its agency's code."""

    __name__ = "embed"

    def __init__(self, parent):
        self.__parent__ = parent
        self.request = parent.request

    def __acl__(self):
        return [(Allow, Everyone, Permissions.SiteView), DENY_ALL]

    def __getitem__(self, code):
        if not CODE_PATTERN.match(code):
            raise KeyError(code)
        return EmbedPage(code, self)


class EmbedPage:
    """/embed/<code>/: the agency whose code it is may not exist (the view answers 404 then)."""

    def __init__(self, code, parent):
        self.code = self.__name__ = code
        self.__parent__ = parent

    def __acl__(self):
        return [(Allow, Everyone, Permissions.SiteView), DENY_ALL]
