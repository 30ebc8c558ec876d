"""Who the user is (a session identity) and what they may do (ACLs on the traversal tree).

Principals:
    u:<id>                        the signed-in user
    role:auditor, role:admin      system-wide roles
    agency:<id>:editor            an agency role; it only ever matches ACEs of that agency's resources
    agency:<id>:coordinator
plus Pyramid's Everyone and Authenticated.
"""

from functools import cache

import sqlalchemy as sa
from pyramid.authentication import SessionAuthenticationHelper
from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.request import RequestLocalCache
from pyramid.security import Denied
from sqlalchemy.orm import joinedload, undefer

from eparticipation.permissions import Permissions

SESSION_COOKIE = "session"


def user_principal(user_id: int) -> str:
    return f"u:{user_id}"


def role_principal(role) -> str:
    return f"role:{role}"


def agency_principal(agency_id: int, role) -> str:
    return f"agency:{agency_id}:{role}"


def principals_for(user) -> list[str]:
    principals = [Everyone]
    if user is None:
        return principals
    principals += [Authenticated, user_principal(user.id)]
    for grant in user.grants:
        if grant.agency_id is None:
            principals.append(role_principal(grant.role))
        else:
            principals.append(agency_principal(grant.agency_id, grant.role))
    return principals


@cache
def identity_statement():
    """The signed-in person, with their role grants and unread messages in the same statement: every page asks
    for the visitor's principals and shows the count in its header (messaging/models.py). Built once: only the
    id changes from one request to the next."""
    from eparticipation.accounts.models import User

    return (
        sa.select(User).where(User.id == sa.bindparam("user_id"))
        .options(joinedload(User.grants), undefer(User.unread_messages))
    )


class SecurityPolicy:
    def __init__(self):
        self.helper = SessionAuthenticationHelper()
        self.identity_cache = RequestLocalCache(self._load_identity)
        self.acl = ACLHelper()

    def _load_identity(self, request):
        user_id = self.helper.authenticated_userid(request)
        if user_id is None:
            return None
        user = request.dbsession.execute(identity_statement(), {"user_id": user_id}).unique().scalar_one_or_none()
        if user is None or not user.is_active:
            return None
        return user

    def identity(self, request):
        return self.identity_cache.get_or_create(request)

    def authenticated_userid(self, request):
        user = self.identity(request)
        return None if user is None else user.id

    def permits(self, request, context, permission):
        user = self.identity(request)
        if request.method not in SAFE_METHODS and is_read_only(user) and permission != Permissions.AccountSelf:
            # Auditors read everything and change nothing: no unsafe request of theirs is allowed, whatever
            # else their account could do, except their own account's (profile, sign-out).
            return Denied("auditors change nothing")
        return self.acl.permits(context, principals_for(user), permission)

    def remember(self, request, userid, **kw):
        self.identity_cache.clear(request)
        return self.helper.remember(request, userid, **kw)

    def forget(self, request, **kw):
        self.identity_cache.clear(request)
        return self.helper.forget(request, **kw)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_read_only(user) -> bool:
    """An auditor who is not also an administrator."""
    from eparticipation.accounts.models import Role

    return user is not None and user.has_role(Role.auditor) and not user.has_role(Role.admin)


def includeme(config):
    from pyramid.session import SignedCookieSessionFactory

    settings = config.get_settings()
    secret = settings.get("eparticipation.session_secret")
    if not secret:
        raise ValueError("eparticipation.session_secret is not set (SESSION_SECRET in production)")
    secure = settings["eparticipation.secure_cookies"]
    config.set_session_factory(
        SignedCookieSessionFactory(
            secret,
            cookie_name=SESSION_COOKIE,
            secure=secure,
            httponly=True,
            samesite="Lax",
            max_age=None,
            timeout=8 * 3600,
            reissue_time=600,
        )
    )
    config.set_security_policy(SecurityPolicy())
    # A view that forgets its permission is not public: it needs one that no ACL grants.
    config.set_default_permission(Permissions.Unassigned)
    config.set_default_csrf_options(require_csrf=True)
