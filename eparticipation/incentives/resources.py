"""The places of points and recognition in the traversal tree."""

import sqlalchemy as sa
from pyramid.authorization import Authenticated, Everyone

from eparticipation.accounts.models import Role
from eparticipation.agencies.models import Agency
from eparticipation.permissions import Permissions
from eparticipation.resources import ADMIN, Container, grants
from eparticipation.security import agency_principal


def request_of(parent):
    """An agency (a row) holds no request: its container does."""
    return getattr(parent, "request", None) or parent.__parent__.request


class MyPoints(Container):
    """/me/points: the signed-in person's ledger, level and badges, and their choice to appear in public."""

    def __init__(self, parent):
        super().__init__(request_of(parent))

    def __acl__(self):
        return grants((Authenticated, Permissions.PointsSelf))


class Leaderboard(Container):
    """/leaderboard/: the site's; /leaderboard/<agency code>/: an agency's. Public."""

    agency = None

    def __init__(self, parent, agency=None):
        super().__init__(request_of(parent))
        self.agency = agency

    def __acl__(self):
        return grants((Everyone, Permissions.SiteView))

    def __getitem__(self, code):
        if self.agency is not None:
            raise KeyError(code)
        agency = self.request.dbsession.scalar(sa.select(Agency).where(Agency.code == code))
        if agency is None:
            raise KeyError(code)
        return self.child(Leaderboard(self, agency), code)


class PointsReview(Container):
    """/points-review/ (administrators: every agency) and /agencies/<code>/points-review (its editors)."""

    def __init__(self, parent):
        super().__init__(request_of(parent))
        self.agency = parent if isinstance(parent, Agency) else None

    def __acl__(self):
        if self.agency is None:
            return grants((ADMIN, Permissions.PointsReview))
        return grants((agency_principal(self.agency.id, Role.editor), Permissions.PointsReview),
                      (ADMIN, Permissions.PointsReview))


class ThankYouPage(Container):
    """/agencies/<code>/thanks: the agency's editors and coordinators choose and publish its thank-you list."""

    def __init__(self, parent):
        super().__init__(request_of(parent))
        self.agency = parent

    def __acl__(self):
        return grants((agency_principal(self.agency.id, Role.editor), Permissions.PointsThank),
                      (agency_principal(self.agency.id, Role.coordinator), Permissions.PointsThank))
