"""The sign-in's second step (/login-code), re-authentication (/me/confirm), and the person's own second factor and
recovery codes (/me/security/)."""

from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from eparticipation.accounts import second_factor as mfa
from eparticipation.accounts.events import SecondFactorChanged
from eparticipation.accounts.schemas import ConfirmPasswordSchema, ConfirmSchema, EnrolmentSchema, SecondStepSchema
from eparticipation.accounts.services import check_password
from eparticipation.accounts.throttled import ThrottledCheck
from eparticipation.accounts.views import safe_next_url, start_session
from eparticipation.audit import record
from eparticipation.forms import FormView
from eparticipation.i18n import _, flash
from eparticipation.permissions import Permissions
from eparticipation.resources import Me, Root, SecuritySettings


class CodeChecking(ThrottledCheck):
    """A form that checks a second factor, throttled per address apart from the password (LoginThrottle)."""

    def check_code(self, user, typed):
        """None when the code is accepted (the Outcome is kept), else the refusal page."""
        request = self.request
        key = mfa.THROTTLE_PREFIX + user.email
        refusal = self.admit_attempt(key)  # counted before the code is checked, as passwords are
        if refusal:
            return refusal
        self.outcome = mfa.check_second_factor(request, user, typed)
        if not self.outcome.accepted:
            return self.attempt_failed(key, "second_factor", mfa.REFUSALS[self.outcome])
        self.attempt_succeeded(key)
        return None

    def tell_of_recovery_code(self, user):
        """After a recovery code (and after the session is new, which would lose the message): how many are left."""
        if self.outcome is mfa.Outcome.recovery:
            left = mfa.unused_recovery_codes(self.request.dbsession, user)
            flash(self.request, _("You used a recovery code; ${count} are left. Make new ones on the security page "
                                  "if you are running out.", mapping={"count": left}), "")

    def refuse(self, message, status):
        """The form again, empty (a code or password is never shown back), with the reason."""
        self.request.response.status_int = status
        return self.page(self.form().render(), error=message)


@view_config(context=Root, name="login-code", renderer="accounts/login_code.jinja2",
             permission=Permissions.AccountRegister)
class SecondStepView(CodeChecking, FormView):
    """After a right password, for a person with a second factor: nobody is signed in until the code is right."""

    schema = SecondStepSchema
    buttons = (("verify", _("Sign in")),)
    formid = "login-code"

    def __call__(self):
        self.user, self.next_url = mfa.pending_sign_in(self.request)
        if self.user is None:
            flash(self.request, _("Sign in with your e-mail address and password first."), "")
            return HTTPSeeOther(self.request.resource_url(self.request.root, "login"))
        return super().__call__()

    def save(self, appstruct):
        refusal = self.check_code(self.user, appstruct["code"])
        if refusal is not None:
            return refusal
        request = self.request
        headers = start_session(request, self.user)
        mfa.mark_authenticated(request, self.user, second_factor=True)
        self.tell_of_recovery_code(self.user)
        return HTTPSeeOther(safe_next_url(request, self.next_url), headers=headers)


@view_config(context=Me, name="confirm", renderer="accounts/confirm.jinja2", permission=Permissions.AccountSelf)
class ConfirmView(CodeChecking, FormView):
    """Re-authentication (require_recent_authentication sends people here): the password again, and a code for
    those with a second factor; then back where they were going."""

    buttons = (("confirm", _("Confirm")),)
    formid = "confirm"

    def __init__(self, context, request):
        super().__init__(context, request)
        self.user = request.identity
        self.schema = ConfirmSchema if self.user.second_factor is not None else ConfirmPasswordSchema

    def save(self, appstruct):
        request, user = self.request, self.user
        refusal = self.admit_attempt(user.email)
        if refusal:
            return refusal
        if not check_password(user, appstruct["password"]):
            return self.attempt_failed(user.email, "credentials", _("The password is not right."))
        if user.second_factor is not None:
            refusal = self.check_code(user, appstruct["code"])
            if refusal is not None:
                return refusal
            self.tell_of_recovery_code(user)
        self.attempt_succeeded(user.email)
        mfa.mark_authenticated(request, user, second_factor=user.second_factor is not None)
        return HTTPSeeOther(safe_next_url(request, request.params.get("next")))


def security_path(request):
    return request.resource_path(request.root, "me", "security", "")


def recovery_codes_page(request, codes, enrolled):
    """The new recovery codes, shown this once: the page is not stored by the browser."""
    response = render_to_response(
        "accounts/recovery_codes.jinja2", {"codes": codes, "enrolled": enrolled}, request=request
    )
    response.cache_control.no_store = True
    return response


@view_config(context=SecuritySettings, request_method="GET", renderer="accounts/security.jinja2",
             permission=Permissions.AccountSelf)
def security_overview(context, request):
    user = request.identity
    return {
        "factor": user.second_factor,
        "codes_left": mfa.unused_recovery_codes(request.dbsession, user) if user.second_factor else 0,
        "is_staff": bool(user.grants),
        "must_enrol": mfa.must_enrol(request, user),
    }


@view_config(context=SecuritySettings, name="enrol", renderer="accounts/security_enrol.jinja2",
             permission=Permissions.AccountSelf)
class EnrolView(FormView):
    """A new secret, as a QR code and as text; it becomes the person's second factor (replacing any) once they
    type a code their app computed from it."""

    schema = EnrolmentSchema
    buttons = (("enrol", _("Confirm and turn on")),)
    formid = "enrol"

    def __call__(self):
        request = self.request
        mfa.require_recent_authentication(request, request.resource_path(self.context, "enrol"))
        self.user = request.identity
        token = request.session.get(mfa.PENDING_ENROLMENT)
        self.secret = mfa.decrypt_secret(request.registry.settings, token) if isinstance(token, str) else None
        if self.secret is None:
            self.secret = mfa.new_secret()
            request.session[mfa.PENDING_ENROLMENT] = mfa.encrypt_secret(request.registry.settings, self.secret)
        request.response.cache_control.no_store = True
        return super().__call__()

    def page(self, rendered_form, **extra):
        alt = self.request.localizer.translate(
            _("QR code to add this account to an authenticator app; the same key is written out below.")
        )
        return super().page(
            rendered_form,
            qr=mfa.qr_svg(mfa.provisioning_uri(self.secret, self.user), alt),
            secret=mfa.grouped(self.secret),
            replacing=self.user.second_factor is not None,
            **extra,
        )

    def save(self, appstruct):
        request, user = self.request, self.user
        step = mfa.matching_step(self.secret, mfa.normalised_code(appstruct["code"]), request.now)
        if step is None:
            request.response.status_int = 400
            return self.page(
                self.form().render(),
                error=_("The code is not right. Check that the app shows this account and that the phone's clock "
                        "is right, then type the code it shows now."),
            )
        replacing = user.second_factor is not None
        mfa.enrol(request, user, self.secret, step)
        codes = mfa.new_recovery_codes(request, user)
        del request.session[mfa.PENDING_ENROLMENT]
        mfa.mark_authenticated(request, user, second_factor=True)
        record(request, "account.second_factor.replace" if replacing else "account.second_factor.enrol", user,
               object_type="User", before={"second_factor": replacing}, after={"second_factor": True})
        request.registry.notify(SecondFactorChanged(request, user))
        return recovery_codes_page(request, codes, enrolled=True)


@view_config(context=SecuritySettings, name="recovery-codes", request_method="POST",
             permission=Permissions.AccountSelf)
def renew_recovery_codes(context, request):
    """New recovery codes; the old ones stop working."""
    mfa.require_recent_authentication(request, security_path(request))
    user = request.identity
    if user.second_factor is None:
        raise HTTPBadRequest(request.localizer.translate(_("Set up an authenticator app first.")))
    codes = mfa.new_recovery_codes(request, user)
    record(request, "account.recovery_codes.renew", user, object_type="User")
    request.registry.notify(SecondFactorChanged(request, user))
    return recovery_codes_page(request, codes, enrolled=False)


@view_config(context=SecuritySettings, name="remove", request_method="POST", permission=Permissions.AccountSelf)
def remove_second_factor(context, request):
    mfa.require_recent_authentication(request, security_path(request))
    user = request.identity
    if user.second_factor is None:
        flash(request, _("You have no second factor to remove."), "")
        return HTTPSeeOther(security_path(request))
    mfa.remove(request, user)  # the sessions' check was of this factor: staff roles wait for a new one
    record(request, "account.second_factor.remove", user, object_type="User",
           before={"second_factor": True}, after={"second_factor": False})
    request.registry.notify(SecondFactorChanged(request, user))
    flash(request, _("Your second factor is removed; signing in asks only for your password."), "success")
    return HTTPSeeOther(security_path(request))
