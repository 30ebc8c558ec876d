"""Confirming an e-mail address: the link sent at registration (and again on request), which proves the address is
the person's; until they open it they may sign in and see their account but not take part (the ACLs grant taking
part to the `VERIFIED` principal, security.principals_for). Also the mail to the owner of an address someone
tried to register again, which is how registration says nothing of which addresses have accounts."""

import secrets

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from eparticipation import ratelimits
from eparticipation.accounts import tokens
from eparticipation.accounts.events import tell_by_email
from eparticipation.accounts.models import TokenPurpose, User
from eparticipation.accounts.schemas import EmptySchema
from eparticipation.forms import FormView
from eparticipation.i18n import _, flash
from eparticipation.permissions import Permissions
from eparticipation.resources import Me, Root


def link_hours(settings, purpose: TokenPurpose):
    hours = tokens.lifetime(settings, purpose).total_seconds() / 3600
    return int(hours) if hours == int(hours) else hours


def send_verification(request, user: User) -> None:
    """A new confirmation link to the person's address (earlier ones keep working until they end)."""
    token, secret = tokens.issue(request, user, TokenPurpose.email_verification)
    hours = link_hours(request.registry.settings, TokenPurpose.email_verification)
    tell_by_email(
        request, user, key=f"account:verify-email:{token.id}",
        subject=_("Confirm your e-mail address"),
        body=_("Open the link below to confirm that this address is yours and to sign in. Until then you cannot "
               "comment, vote, answer surveys or rate services. The link works once, within ${hours} hours. If "
               "you did not register on the e-participation site, ignore this message.", mapping={"hours": hours}),
        link=request.resource_url(request.root, "verify-email", secret),
    )


def tell_owner_of_registration_attempt(request, user: User) -> None:
    """Someone registered with an address that has an account: its owner is told (a few times an hour at most),
    and the visitor sees what a new registration sees."""
    tokens.token_hash(tokens.new_secret())  # the work a new registration's link costs, whoever registers
    try:
        ratelimits.take_for(request, "registration_notice", user.email)
    except ratelimits.RateLimited:
        return
    tell_by_email(
        request, user, key=f"account:registration-attempt:{secrets.token_hex(8)}",
        subject=_("Someone tried to register with your address"),
        body=_("Someone tried to create an account on the e-participation site with this e-mail address, which "
               "has an account already. If it was you, sign in; if you forgot your password, set a new one at "
               "${reset}. If it was not you, you need not do anything: your account is unchanged.",
               mapping={"reset": request.resource_url(request.root, "password-reset")}),
        link=request.resource_url(request.root, "login"),
    )


def invalid_link(request, refusal: tokens.Refusal, purpose: TokenPurpose):
    """The page of a link that does not work (any more): why, and what to do; 400 for no such link, 410 for one
    that was used or ended."""
    response = render_to_response(
        "accounts/link_invalid.jinja2", {"refusal": refusal.value, "purpose": purpose.value}, request=request
    )
    response.status_int = 400 if refusal is tokens.Refusal.unknown else 410
    response.cache_control.no_store = True
    return response


def token_of(request) -> str:
    return request.subpath[0] if len(request.subpath) == 1 else ""


class OneTimeLinkView(FormView):
    """A page opened by a one-time link of its `purpose` (/verify-email/<secret>, /password-reset/<secret>): the
    form when the link works, else the page that says why not. Its button uses the link, once."""

    purpose: TokenPurpose

    def __call__(self):
        request = self.request
        self.token, refusal = tokens.find(request.dbsession, token_of(request), self.purpose, request.now)
        if refusal is not None:
            return invalid_link(request, refusal, self.purpose)
        request.response.cache_control.no_store = True
        return super().__call__()

    def use_link(self):
        """Use the link; the refusal page when another request used it first, else None."""
        if not tokens.use(self.request.dbsession, self.token, self.request.now):
            return invalid_link(self.request, tokens.Refusal.used, self.purpose)
        return None


@view_config(context=Root, name="registered", renderer="accounts/registered.jinja2",
             permission=Permissions.AccountRegister)
def registered(request):
    """Where every registration ends, whether its address was new or not."""
    return {}


@view_config(context=Root, name="verify-email", renderer="accounts/verify_email.jinja2",
             permission=Permissions.AccountRegister)
class VerifyEmailView(OneTimeLinkView):
    """/verify-email/<token>: a button, not the link itself, confirms (mail scanners open links they see)."""

    purpose = TokenPurpose.email_verification
    schema = EmptySchema
    buttons = (("confirm", _("Confirm my address")),)
    formid = "verify-email"

    def save(self, appstruct):
        from eparticipation.accounts.signin import start_session

        request = self.request
        if (refused := self.use_link()) is not None:
            return refused
        user = self.token.user
        if user.email_verified_at is None:
            user.email_verified_at = request.now
        tokens.end_others(request.dbsession, user, TokenPurpose.email_verification, request.now)
        if request.identity is not None and request.identity.id == user.id:
            flash(request, _("Your e-mail address is confirmed: you can take part now."), "success")
            return HTTPSeeOther(request.resource_url(request.root, "me"))
        if user.second_factor is not None or user.grants:
            # Staff, and whoever set up a second factor, sign in with it: a link is not a second factor.
            flash(request, _("Your e-mail address is confirmed. Sign in to take part."), "success")
            return HTTPSeeOther(request.resource_url(request.root, "login"))
        headers = start_session(request, user)
        flash(request, _("Your e-mail address is confirmed and you are signed in. Welcome!"), "success")
        return HTTPSeeOther(request.resource_url(request.root, "me"), headers=headers)


@view_config(context=Me, name="verify-email", request_method="POST", permission=Permissions.AccountSelf)
def send_verification_again(context, request):
    """The notice's button: the confirmation link again, a few times an hour at most."""
    user = request.identity
    if user.email_verified_at is not None:
        flash(request, _("Your e-mail address is confirmed already."), "")
        return HTTPSeeOther(request.resource_url(request.root, "me"))
    try:
        ratelimits.take(request, "verification_email")
    except ratelimits.RateLimited as limited:
        response = render_to_response("accounts/too_many.jinja2", {"error": limited.message}, request=request)
        return ratelimits.retry_after(response, limited.seconds)
    send_verification(request, user)
    flash(request, _("We sent the link again to ${email}. Open it to confirm your address.",
                     mapping={"email": user.email}), "success")
    return HTTPSeeOther(request.resource_url(request.root, "me"))
