"""Passwords: changing one's own (/me/password), and setting a new one through a link sent to one's address
(/password-reset to ask for it, /password-reset/<token> to use it).

Asking for a link says the same, with the same status, after the same work and at the same time, whether an account has the address
or not; the asks are limited per address and per client. A link works once, for `eparticipation.password_reset.hours`;
using it ends every other link of the person, and the person then signs in (with their second factor, if any)."""

import time

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from eparticipation import ratelimits
from eparticipation.accounts import second_factor as mfa
from eparticipation.accounts import tokens
from eparticipation.accounts.events import PasswordChanged, PasswordReset, tell_by_email
from eparticipation.accounts.models import TokenPurpose
from eparticipation.accounts.schemas import PasswordChangeSchema, PasswordResetRequestSchema, PasswordResetSchema
from eparticipation.accounts.services import LoginThrottle, check_password, find_user_by_email, hash_password
from eparticipation.accounts.throttled import ThrottledCheck
from eparticipation.accounts.verification import OneTimeLinkView
from eparticipation.audit import record
from eparticipation.forms import FormView
from eparticipation.i18n import _, flash
from eparticipation.permissions import Permissions
from eparticipation.resources import Me, Root


@view_config(context=Me, name="password", renderer="accounts/password_change.jinja2",
             permission=Permissions.AccountSelf)
class PasswordChangeView(ThrottledCheck, FormView):
    """The current password (throttled as sign-in is), and the new one twice; after a recent re-authentication
    (and its code, for a person with a second factor). Other sessions end through the PasswordChanged event."""

    schema = PasswordChangeSchema
    buttons = (("change", _("Change my password")),)
    formid = "password"

    def __call__(self):
        mfa.require_recent_authentication(self.request, self.request.resource_path(self.context, "password"))
        self.request.response.cache_control.no_store = True
        return super().__call__()

    def refuse(self, message, status):
        self.request.response.status_int = status
        return self.page(self.form().render(), error=message)

    def save(self, appstruct):
        request, user = self.request, self.request.identity
        refusal = self.admit_attempt(user.email)  # counted before the password is checked, as at sign-in
        if refusal:
            return refusal
        if not check_password(user, appstruct["current_password"]):
            return self.attempt_failed(user.email, "credentials", _("Your current password is not right."))
        self.attempt_succeeded(user.email)
        if check_password(user, appstruct["password"]):
            return self.refuse(_("The new password is the one you have now; choose another."), status=400)
        user.password_hash = hash_password(appstruct["password"])
        record(request, "account.password.change", user, object_type="User")
        request.registry.notify(PasswordChanged(request, user))
        flash(request, _("Your password is changed. Your other sessions, if any, are signed out."), "success")
        return HTTPSeeOther(request.resource_url(request.root, "me"))


@view_config(context=Root, name="password-reset", permission=Permissions.AccountRegister)
def password_reset(context, request):
    """/password-reset asks for a link; /password-reset/<token> uses one."""
    if request.subpath:
        view, template = PasswordResetView(context, request), "accounts/password_reset.jinja2"
    else:
        view, template = PasswordResetRequestView(context, request), "accounts/password_reset_request.jinja2"
    result = view()
    if isinstance(result, dict):
        return render_to_response(template, result, request=request, response=request.response)
    return result


# Well above the few milliseconds a link takes to write, even on a loaded machine.
RESET_ANSWER_SECONDS = 0.05


class PasswordResetRequestView(FormView):
    schema = PasswordResetRequestSchema
    buttons = (("send", _("Send me a link")),)
    formid = "password-reset"

    def save(self, appstruct):
        request = self.request
        started = time.monotonic()
        email = appstruct["email"]
        client = LoginThrottle.for_request(request).client
        try:
            # Counted before the address is looked up, so that a refusal says nothing of it either.
            ratelimits.take_for(request, "password_reset_client", client)
            ratelimits.take_for(request, "password_reset", email)
        except ratelimits.RateLimited as limited:
            self.request.response.status_int = 429
            self.request.response.headers["Retry-After"] = str(limited.seconds)
            return self.page(self.form().render({"email": email}), error=limited.message)
        user = find_user_by_email(request.dbsession, email)
        if user is not None and user.is_active:
            send_reset_link(request, user)
        else:
            tokens.token_hash(tokens.new_secret())  # the same work as for a link that is sent
        # Writing the link and its message takes a few milliseconds that an unknown address does not: every answer
        # waits until the same moment, so that its time says nothing of whether the address has an account.
        time.sleep(max(0.0, started + RESET_ANSWER_SECONDS - time.monotonic()))
        return self.page(None, sent=True, reset_minutes=link_minutes(request.registry.settings))


def send_reset_link(request, user):
    token, secret = tokens.issue(request, user, TokenPurpose.password_reset)
    minutes = link_minutes(request.registry.settings)
    tell_by_email(
        request, user, key=f"account:password-reset:{token.id}",
        subject=_("Set a new password"),
        body=_("Someone, we hope you, asked to set a new password for your account on the e-participation site. "
               "Open the link below within ${minutes} minutes to choose one; it works once. If it was not you, "
               "ignore this message: your password stays as it is.", mapping={"minutes": minutes}),
        link=request.resource_url(request.root, "password-reset", secret),
    )


def link_minutes(settings) -> int:
    """How long a reset link works, in minutes (an hour by default: "1 hours" reads badly)."""
    return round(tokens.lifetime(settings, TokenPurpose.password_reset).total_seconds() / 60)


class PasswordResetView(OneTimeLinkView):
    purpose = TokenPurpose.password_reset
    schema = PasswordResetSchema
    buttons = (("set", _("Set my new password")),)
    formid = "new-password"

    def bindings(self):
        return {"owner": self.token.user}

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, email=self.token.user.email, **extra)

    def save(self, appstruct):
        request = self.request
        if (refused := self.use_link()) is not None:
            return refused
        user = self.token.user
        user.password_hash = hash_password(appstruct["password"])
        tokens.end_others(request.dbsession, user, TokenPurpose.password_reset, request.now)
        if user.email_verified_at is None:
            user.email_verified_at = request.now  # the link reached the address
        record(request, "account.password.reset", user, object_type="User", actor_id=user.id)
        request.registry.notify(PasswordReset(request, user))
        flash(request, _("Your new password is set. Sign in with it."), "success")
        return HTTPSeeOther(request.resource_url(request.root, "login"))
