"""/admin/: users and their roles. Admins only (the Root grants them every permission)."""

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.view import view_config

from eparticipation.audit import record
from eparticipation.accounts import second_factor as mfa
from eparticipation.accounts import sessions
from eparticipation.accounts.events import AccountClosed, AllSessionsEnded, SecondFactorChanged
from eparticipation.accounts.models import Role, RoleGrant, User
from eparticipation.accounts.schemas import ROLE_LABELS
from eparticipation.admin.schemas import GrantSchema
from eparticipation.agencies.models import Agency
from eparticipation.forms import FormView, keyset_param
from eparticipation.i18n import _, flash
from eparticipation.permissions import Permissions
from eparticipation.resources import AdminArea, UserContainer, UserResource

USERS_PER_PAGE = 50


@view_config(context=AdminArea, renderer="admin/index.jinja2", permission=Permissions.AdminUsers)
def admin_index(context, request):
    count = request.dbsession.scalar
    return {
        "user_count": count(sa.select(sa.func.count(User.id))),
        "agency_count": count(sa.select(sa.func.count(Agency.id))),
        "grant_count": count(sa.select(sa.func.count(RoleGrant.id))),
    }


@view_config(context=UserContainer, renderer="admin/users.jinja2", permission=Permissions.AdminUsers)
def user_list(context, request):
    """Users by e-mail or name, paged by id (keyset), so deep pages stay as fast as the first."""
    query_text = request.params.get("q", "").strip()[:100]
    after = keyset_param(request, "after")
    query = sa.select(User).order_by(User.id).limit(USERS_PER_PAGE + 1)
    if query_text:
        pattern = f"%{query_text.lower()}%"
        query = query.where(sa.or_(User.email.like(pattern), sa.func.lower(User.display_name).like(pattern)))
    if after is not None:
        query = query.where(User.id > after)
    users = request.dbsession.scalars(query).all()
    return {
        "users": users[:USERS_PER_PAGE],
        "next_after": users[USERS_PER_PAGE - 1].id if len(users) > USERS_PER_PAGE else None,
        "q": query_text,
        "role_labels": ROLE_LABELS,
    }


@view_config(context=UserResource, renderer="admin/user.jinja2", permission=Permissions.AdminUsers)
class UserGrantsView(FormView):
    """A user's account (never their demographics) and roles, with the form to grant another."""

    schema = GrantSchema
    buttons = (("grant", _("Grant the role")),)
    formid = "grant"

    def page(self, rendered_form, **extra):
        account = self.context.user
        return super().page(rendered_form, account=account, role_labels=ROLE_LABELS,
                            open_sessions=len(sessions.open_sessions(self.request, account)), **extra)

    def save(self, appstruct):
        user = self.context.user
        grant = RoleGrant(
            role=Role(appstruct["role"]),
            agency_id=appstruct["agency_id"],
            granted_by_id=self.request.identity.id,
            granted_at=self.request.now,
        )
        user.grants.append(grant)
        self.request.dbsession.flush()
        record(self.request, "role.grant", grant, agency_id=grant.agency_id,
               after={"user_id": user.id, "role": grant.role, "agency_id": grant.agency_id})
        flash(self.request, _("The role is granted."), "success")
        return HTTPSeeOther(self.request.resource_url(self.context))


@view_config(context=UserResource, name="revoke", request_method="POST", permission=Permissions.AdminUsers)
def revoke_grant(context, request):
    grant_id = request.POST.get("grant_id", "")
    grant = next((g for g in context.user.grants if str(g.id) == grant_id), None)
    if grant is None:
        raise HTTPBadRequest(request.localizer.translate(_("This role grant does not exist.")))
    if grant.role == Role.admin and grant.user_id == request.identity.id:
        flash(request, _("You cannot take your own administrator role away."), "danger")
        return HTTPSeeOther(request.resource_url(context))
    record(request, "role.revoke", grant, agency_id=grant.agency_id,
           before={"user_id": grant.user_id, "role": grant.role, "agency_id": grant.agency_id})
    context.user.grants.remove(grant)
    flash(request, _("The role is revoked."), "success")
    return HTTPSeeOther(request.resource_url(context))


@view_config(context=UserResource, name="access", request_method="POST", permission=Permissions.AdminUsers)
def account_access(context, request):
    """Close an account (its owner can no longer sign in, any session of theirs ends at its next request, and
    nothing more is sent to them outside the site), or open it again. Nothing of theirs is deleted."""
    user, closing = context.user, request.POST.get("access") == "close"
    if request.POST.get("access") not in ("close", "open"):
        raise HTTPBadRequest(request.localizer.translate(_("Say whether to close or open the account.")))
    if closing and user.id == request.identity.id:
        flash(request, _("You cannot close your own account."), "danger")
        return HTTPSeeOther(request.resource_url(context))
    if user.is_active == closing:
        record(request, "account.close" if closing else "account.open", user, object_type="User",
               before={"is_active": user.is_active}, after={"is_active": not closing})
        user.is_active = not closing
        if closing:
            request.registry.notify(AccountClosed(request, user))
    flash(request, _("The account is closed.") if closing else _("The account is open again."), "success")
    return HTTPSeeOther(request.resource_url(context))


@view_config(context=UserResource, name="second-factor-reset", request_method="POST", permission=Permissions.AdminUsers)
def reset_second_factor(context, request):
    """For a person who lost their authenticator app and their recovery codes: the factor and the codes go, and
    they set up a new one at their next sign-in (staff hold no role until they do). The admin confirms it is them
    first."""
    mfa.require_recent_authentication(request, request.resource_path(context))
    user = context.user
    if user.second_factor is None:
        flash(request, _("This account has no second factor."), "")
        return HTTPSeeOther(request.resource_url(context))
    record(request, "account.second_factor.reset", user, object_type="User",
           before={"second_factor": True}, after={"second_factor": False})
    mfa.remove(request, user)
    request.registry.notify(SecondFactorChanged(request, user))
    flash(request, _("The second factor is reset: the person sets up a new one when they next sign in."), "success")
    return HTTPSeeOther(request.resource_url(context))


@view_config(context=UserResource, name="end-sessions", request_method="POST", permission=Permissions.AdminUsers)
def end_sessions(context, request):
    """Signs the person out everywhere (a lost phone, a shared computer): every browser of theirs must sign in
    again. Their account stays open."""
    user = context.user
    ended = len(sessions.open_sessions(request, user))
    record(request, "account.sessions.end", user, object_type="User", before={"open_sessions": ended},
           after={"open_sessions": 0})
    request.registry.notify(AllSessionsEnded(request, user))
    flash(request, _("Every session of the account has ended: it signs in again everywhere."), "success")
    return HTTPSeeOther(request.resource_url(context))
