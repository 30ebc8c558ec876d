"""The traversal tree (DESIGN §3): the Root and the containers that are not rows.

Rows that are resources (an Agency, a User seen by an admin) get their __parent__ when a
container hands them out, so every node chains up to the Root.

Every resource's ACL ends in DENY_ALL: a resource grants what its own views need and nothing is inherited
from above it (an administrator's grants on the Root do not reach an agency's drafts). The exceptions are
the parts of a draft, every resource under /consultations/<id>/: what may be done to its articles,
comments, votes, survey, report and responses is what its state allows on the draft
(consultations/workflow.py), whose ACL ends in DENY_ALL; a part may only add to it (a comment's author
edits it).
"""

import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, Allow, Authenticated, Everyone

from eparticipation.accounts.models import Role, User
from eparticipation.agencies.models import Agency
from eparticipation.consultations.models import Draft, State
from eparticipation.permissions import Permissions
from eparticipation.sections import child_of
from eparticipation.security import role_principal


def path_number(name: str) -> int:
    """The id a path segment names: ASCII digits, no larger than a database integer (a larger one names no row,
    and the database would refuse it); KeyError (404) otherwise."""
    from eparticipation.inputs import NUMBER_MAX

    if not (name.isascii() and name.isdigit()) or len(name) > len(str(NUMBER_MAX)) or int(name) > NUMBER_MAX:
        raise KeyError(name)
    return int(name)


def row_by_number(dbsession, model, name: str):
    """The row of `model` whose id is the path segment `name` (see path_number); KeyError (404) otherwise."""
    row = dbsession.get(model, path_number(name))
    if row is None:
        raise KeyError(name)
    return row


class Container:
    """A location-aware node whose children are looked up by name; unknown names raise KeyError."""

    __name__ = ""
    __parent__ = None

    def __init__(self, request, name="", parent=None):
        self.request = request
        self.__name__ = name
        self.__parent__ = parent

    def child(self, obj, name):
        obj.__name__ = name
        obj.__parent__ = self
        return obj


ADMIN = role_principal(Role.admin)
AUDITOR = role_principal(Role.auditor)
# What administrators do: people and their roles, agencies, the outbox, the reports' queue and the pushes to the
# national system. Not what an
# agency's own staff do (write drafts, run consultations, answer comments).
ADMIN_AREA_PERMISSIONS = (Permissions.AdminUsers, Permissions.AdminOutbox, Permissions.AdminReports,
                          Permissions.AdminSyndication)


def grants(*entries) -> list:
    """An ACL of (principal, permission or permissions) pairs, ending in DENY_ALL."""
    acl = []
    for principal, permissions in entries:
        if isinstance(permissions, str):
            permissions = (permissions,)
        acl.extend((Allow, principal, permission) for permission in permissions)
    acl.append(DENY_ALL)
    return acl


class Root(Container):
    def __acl__(self):
        return grants(
            (Everyone, (Permissions.SiteView, Permissions.AccountRegister)),
            (Authenticated, Permissions.AccountSelf),
            # The header's links to the administration and the audit log ask the Root.
            (ADMIN, (*ADMIN_AREA_PERMISSIONS, Permissions.AdminAgencies, Permissions.AuditView)),
            (AUDITOR, Permissions.AuditView),
        )

    def __getitem__(self, name):
        factory = {
            "consultations": ConsultationContainer,
            "agencies": AgencyContainer,
            "me": Me,
            "admin": AdminArea,
            "audit": AuditArea,
        }.get(name)
        if factory is None:
            return child_of(self, "root", name)  # what a domain or a host added (config.add_root_child)
        return factory(self.request, name, self)


class AgencyContainer(Container):
    """/agencies/<code>/"""

    def __acl__(self):
        return grants((Everyone, Permissions.SiteView), (ADMIN, Permissions.AdminAgencies))

    def __getitem__(self, code):
        agency = self.request.dbsession.scalar(sa.select(Agency).where(Agency.code == code))
        if agency is None:
            raise KeyError(code)
        agency.__parent__ = self
        return agency


class ConsultationContainer(Container):
    """/consultations/<id>/: a draft not yet opened does not exist for those who may not see it (404)."""

    def __acl__(self):
        return grants((Everyone, Permissions.SiteView))

    def __getitem__(self, name):
        from eparticipation.consultations.workflow import close_if_ended

        draft = row_by_number(self.request.dbsession, Draft, name)
        draft.__parent__ = self
        if draft.state == State.draft and not self.request.has_permission(Permissions.DraftView, draft):
            raise KeyError(name)
        close_if_ended(draft, self.request)
        return draft


class DraftRows:
    """A container of a draft's rows of one model, by number (/consultations/<id>/comments/<n>/): a row of
    another draft does not exist here."""

    model = None
    __name__ = ""
    __parent__ = None

    def __init__(self, draft):
        self.draft = draft

    def __getitem__(self, name):
        row = row_by_number(sa.inspect(self.draft).session, self.model, name)
        if row.draft_id != self.draft.id:
            raise KeyError(name)
        row.__parent__ = self
        return row


class ArticleContainer(Container):
    """/consultations/<id>/articles/<number>/"""

    def __getitem__(self, number):
        draft = self.__parent__
        article = next((a for a in draft.articles if a.number == number), None)
        if article is None:
            raise KeyError(number)
        article.__name__ = number
        article.__parent__ = self
        return article


class Me(Container):
    """/me/: the signed-in user's own pages."""

    def __acl__(self):
        return grants((Authenticated, Permissions.AccountSelf))

    @property
    def user(self):
        return self.request.identity

    def __getitem__(self, name):
        if name == "security":
            return SecuritySettings(self.request, name, self)
        return child_of(self, "me", name)  # config.add_me_child


class SecuritySettings(Container):
    """/me/security/: how the signed-in person signs in (their second factor and recovery codes)."""

    def __acl__(self):
        return grants((Authenticated, Permissions.AccountSelf))


class AuditArea(Container):
    """/audit/: the log; /audit/drafts/<id>/: one draft's response history. Auditors and admins only (the
    own grants), except the public checkpoints; nothing here changes anything."""

    def __acl__(self):
        return grants((AUDITOR, Permissions.AuditView), (ADMIN, Permissions.AuditView))

    def __getitem__(self, name):
        if name == "drafts":
            return AuditDrafts(self.request, name, self)
        if name == "checkpoints":
            return AuditCheckpoints(self.request, name, self)
        raise KeyError(name)


class AuditCheckpoints(Container):
    """/audit/checkpoints: the log's signed checkpoints, and /audit/checkpoints/public-key.pem, for anyone
    (their views need only site:view)."""

    def __acl__(self):
        return grants((Everyone, Permissions.SiteView))


class AuditDrafts(Container):
    __acl__ = AuditArea.__acl__

    def __getitem__(self, name):
        return AuditedDraft(self.request, name, self, row_by_number(self.request.dbsession, Draft, name))


class AuditedDraft(Container):
    __acl__ = AuditArea.__acl__

    def __init__(self, request, name, parent, draft):
        super().__init__(request, name, parent)
        self.draft = draft


class AdminArea(Container):
    """/admin/: its views need admin:* permissions, which only administrators have."""

    def __acl__(self):
        return grants((ADMIN, ADMIN_AREA_PERMISSIONS))

    def __getitem__(self, name):
        if name == "users":
            return UserContainer(self.request, name, self)
        raise KeyError(name)


class UserContainer(Container):
    """/admin/users/<id>/"""

    __acl__ = AdminArea.__acl__

    def __getitem__(self, name):
        return UserResource(self.request, name, self, row_by_number(self.request.dbsession, User, name))


class UserResource(Container):
    __acl__ = AdminArea.__acl__

    def __init__(self, request, name, parent, user):
        super().__init__(request, name, parent)
        self.user = user


def root_factory(request):
    return Root(request)
