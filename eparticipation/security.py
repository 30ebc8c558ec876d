"""Who the user is (a session identity) and what they may do (ACLs on the traversal tree).

Principals:
    u:<id>                        the signed-in user
    role:auditor, role:admin      system-wide roles
    agency:<id>:editor            an agency role; it only ever matches ACEs of that agency's resources
    agency:<id>:coordinator
    agency:<id>:abstains          an editor or coordinator of that agency, who does not take part in its own
                                  consultations (unless eparticipation.participation.staff_of_agency_may_take_part)
plus Pyramid's Everyone and Authenticated.
"""

from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.request import RequestLocalCache
from pyramid.security import Denied
from sqlalchemy.orm import joinedload, undefer

from eparticipation.accounts.principals import VERIFIED
from eparticipation.permissions import Permissions

# The package's own policy, also when a host keeps its own (which then delegates the package's requests to it).
POLICY_KEY = "eparticipation.security_policy"

SESSION_COOKIE = "session"
# Over HTTPS (secure cookies) the name carries the __Host- prefix: browsers then keep the cookie only if it is
# Secure, for the whole site and this host alone (no Domain), so no other host under the domain can set or shadow it.
SECURE_SESSION_COOKIE = "__Host-session"


def session_cookie_name(registry) -> str:
    return registry["session_cookie_name"]


def user_principal(user_id: int) -> str:
    return f"u:{user_id}"


def role_principal(role) -> str:
    return f"role:{role}"


def agency_principal(agency_id: int, role) -> str:
    return f"agency:{agency_id}:{role}"


STAFF_MAY_TAKE_PART = "eparticipation.participation.staff_of_agency_may_take_part"


def abstention_principal(agency_id: int) -> str:
    """Its ACLs deny taking part in the agency's consultations and rating its services."""
    return f"agency:{agency_id}:abstains"


# The session key holding the id of the second factor this session checked (accounts/second_factor.py): once that
# factor is removed, reset or replaced, no session of the person holds their roles on its strength.
SECOND_FACTOR_DONE = "second_factor"


def grants_count(request, user) -> bool:
    """Whether the person's role grants count in this request: staff hold their roles only in a session that
    passed their second factor (unless the site does not require one of staff)."""
    if not user.grants or not request.registry.settings.get("eparticipation.mfa.required_for_staff", True):
        return True
    factor = user.second_factor
    return factor is not None and request.session.get(SECOND_FACTOR_DONE) == factor.id


def effective_grants(request) -> list:
    """The signed-in person's role grants that count now (none before their second factor)."""
    user = request.identity
    return [] if user is None or not grants_count(request, user) else user.grants


def principals_for(user, with_grants: bool = True, staff_may_take_part: bool = False) -> list[str]:
    principals = [Everyone]
    if user is None:
        return principals
    principals += [Authenticated, user_principal(user.id)]
    principals += [VERIFIED] if user.email_verified_at is not None else []
    for grant in user.grants:
        # Staff abstain from their agency's consultations whether or not their second factor let their roles count.
        if grant.agency_id is not None and not staff_may_take_part:
            if abstention_principal(grant.agency_id) not in principals:
                principals.append(abstention_principal(grant.agency_id))
        if not with_grants:
            continue
        if grant.agency_id is None:
            principals.append(role_principal(grant.role))
        else:
            principals.append(agency_principal(grant.agency_id, grant.role))
    return principals


@cache
def identity_statement():
    """The signed-in person and their session (accounts/sessions.py), with their role grants, second factor and
    unread messages, in one statement: every page asks for the visitor's principals and shows the count in its
    header (messaging/models.py). Built once: only the token's hash changes from one request to the next."""
    from eparticipation.accounts.models import AccountSession, User

    return (
        sa.select(User, AccountSession)
        .join(AccountSession, AccountSession.user_id == User.id)
        .where(AccountSession.token_hash == sa.bindparam("token_hash"))
        .options(joinedload(User.grants), joinedload(User.second_factor), undefer(User.unread_messages))
    )


class SignedIn(NamedTuple):
    user: object
    session: object


def current_session(request):
    """The signed-in person's session row (accounts.models.AccountSession), or None."""
    signed_in = request.registry[POLICY_KEY].signed_in(request)
    return None if signed_in is None else signed_in.session


class SecurityPolicy:
    def __init__(self):
        self.identity_cache = RequestLocalCache(self._load_identity)
        self.acl = ACLHelper()

    def _load_identity(self, request) -> SignedIn | None:
        from eparticipation.accounts import sessions

        token = sessions.token_of(request)
        if token is None:
            return None
        found = request.dbsession.execute(
            identity_statement(), {"token_hash": sessions.token_hash(token)}
        ).unique().one_or_none()
        if found is None:
            return None
        user, session = found
        if not user.is_active or not sessions.still_valid(request, session):
            return None
        return SignedIn(user, session)

    def signed_in(self, request) -> SignedIn | None:
        return self.identity_cache.get_or_create(request)

    def identity(self, request):
        signed_in = self.signed_in(request)
        return None if signed_in is None else signed_in.user

    def authenticated_userid(self, request):
        user = self.identity(request)
        return None if user is None else user.id

    def permits(self, request, context, permission):
        user = self.identity(request)
        if request.method not in SAFE_METHODS and is_read_only(user) and permission != Permissions.AccountSelf:
            # Auditors read everything and change nothing: no unsafe request of theirs is allowed, whatever
            # else their account could do, except their own account's (profile, sign-out).
            return Denied("auditors change nothing")
        staff_may_take_part = request.registry.settings.get(STAFF_MAY_TAKE_PART, False)
        with_grants = user is not None and grants_count(request, user)
        return self.acl.permits(context, principals_for(user, with_grants, staff_may_take_part), permission)

    def remember(self, request, userid, **kw):
        """A new server-side session for the person (accounts/sessions.py); its token travels in the cookie."""
        from eparticipation.accounts import sessions

        self.identity_cache.clear(request)
        sessions.begin(request, userid)
        return []

    def forget(self, request, **kw):
        """Ends this browser's session: its row, and the token in its cookie."""
        from eparticipation.accounts import sessions

        session = current_session(request)
        if session is not None:
            sessions.end(request.dbsession, session.user_id, only=session.id)
        request.session.pop(sessions.TOKEN, None)
        self.identity_cache.clear(request)
        return []


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_read_only(user) -> bool:
    """An auditor who is not also an administrator."""
    from eparticipation.accounts.models import Role

    return user is not None and user.has_role(Role.auditor) and not user.has_role(Role.admin)


def includeme(config):
    from pyramid.settings import asbool

    settings = config.get_settings()
    settings[STAFF_MAY_TAKE_PART] = asbool(settings.get(STAFF_MAY_TAKE_PART, False))
    config.include("eparticipation.accounts.sessions")  # the session factory: an encrypted cookie
    # What a host application sets itself in its main() (policy, session factory, default permission, CSRF
    # options) overrides these: Pyramid lets the including configuration win. A host's own policy must answer
    # the package's requests with ours (README, "Use it inside your own Pyramid application").
    config.registry[POLICY_KEY] = policy = SecurityPolicy()
    config.set_security_policy(policy)
    # A view that forgets its permission is not public: it needs one that no ACL grants.
    config.set_default_permission(Permissions.Unassigned)
    config.set_default_csrf_options(require_csrf=True)
