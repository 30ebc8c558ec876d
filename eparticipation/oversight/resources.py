"""/oversight/: the ministry's compliance dashboard, for auditors and administrators (the audit log's own
permission, audit:view); /transparency/: the same indicators for anyone, without personal data."""

from pyramid.authorization import DENY_ALL, Allow, Everyone

from eparticipation.accounts.models import Role
from eparticipation.permissions import Permissions
from eparticipation.security import role_principal


class OversightArea:
    __name__ = "oversight"

    def __init__(self, parent):
        self.__parent__ = parent
        self.request = parent.request

    def __acl__(self):
        return [(Allow, role_principal(Role.auditor), Permissions.AuditView),
                (Allow, role_principal(Role.admin), Permissions.AuditView), DENY_ALL]


class TransparencyArea:
    __name__ = "transparency"

    def __init__(self, parent):
        self.__parent__ = parent
        self.request = parent.request

    def __acl__(self):
        return [(Allow, Everyone, Permissions.SiteView), DENY_ALL]
