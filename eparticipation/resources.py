"""The traversal tree (DESIGN §3): the Root and the containers that are not rows.

Rows that are resources (an Agency, a User seen by an admin) get their __parent__ when a
container hands them out, so every node chains up to the Root and inherits its grants.
"""

import sqlalchemy as sa
from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Everyone

from eparticipation.accounts.models import Role, User
from eparticipation.agencies.models import Agency
from eparticipation.consultations.models import Draft, State
from eparticipation.permissions import Permissions
from eparticipation.security import role_principal


def row_by_number(dbsession, model, name: str):
    """The row of `model` whose id is the path segment `name` (ASCII digits only); KeyError (404) otherwise."""
    if not (name.isascii() and name.isdigit()):
        raise KeyError(name)
    row = dbsession.get(model, int(name))
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


class Root(Container):
    def __acl__(self):
        return [
            (Allow, role_principal(Role.admin), ALL_PERMISSIONS),
            # Auditors read every agency's internal pages; their grants change nothing.
            (Allow, role_principal(Role.auditor), Permissions.AgencyStaff),
            (Allow, role_principal(Role.auditor), Permissions.AuditView),
            (Allow, Everyone, Permissions.SiteView),
            (Allow, Everyone, Permissions.AccountRegister),
            (Allow, Authenticated, Permissions.AccountSelf),
        ]

    def __getitem__(self, name):
        factory = {
            "consultations": ConsultationContainer,
            "agencies": AgencyContainer,
            "me": Me,
            "admin": AdminArea,
            "audit": AuditArea,
        }[name]
        return factory(self.request, name, self)


class AgencyContainer(Container):
    """/agencies/<code>/"""

    def __getitem__(self, code):
        agency = self.request.dbsession.scalar(sa.select(Agency).where(Agency.code == code))
        if agency is None:
            raise KeyError(code)
        agency.__parent__ = self
        return agency


class ConsultationContainer(Container):
    """/consultations/<id>/: a draft not yet opened does not exist for those who may not see it (404)."""

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

    @property
    def user(self):
        return self.request.identity


class AuditArea(Container):
    """/audit/: the log; /audit/drafts/<id>/: one draft's response history. Auditors and admins only (the
    Root's grants); nothing here changes anything."""

    def __getitem__(self, name):
        if name == "drafts":
            return AuditDrafts(self.request, name, self)
        raise KeyError(name)


class AuditDrafts(Container):
    def __getitem__(self, name):
        return AuditedDraft(self.request, name, self, row_by_number(self.request.dbsession, Draft, name))


class AuditedDraft(Container):
    def __init__(self, request, name, parent, draft):
        super().__init__(request, name, parent)
        self.draft = draft


class AdminArea(Container):
    """/admin/: its views need admin:* permissions, which only the Root's admin grant gives."""

    def __getitem__(self, name):
        if name == "users":
            return UserContainer(self.request, name, self)
        raise KeyError(name)


class UserContainer(Container):
    """/admin/users/<id>/"""

    def __getitem__(self, name):
        return UserResource(self.request, name, self, row_by_number(self.request.dbsession, User, name))


class UserResource(Container):
    def __init__(self, request, name, parent, user):
        super().__init__(request, name, parent)
        self.user = user


def root_factory(request):
    return Root(request)
