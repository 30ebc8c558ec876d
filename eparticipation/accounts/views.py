"""Registration, sign-in and sign-out, and the signed-in user's own pages under /me/."""

import json
from urllib.parse import urlparse

from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.security import forget
from pyramid.view import view_config, view_defaults

from eparticipation.accounts import second_factor as mfa
from eparticipation.accounts import sessions
from eparticipation.accounts.events import AllSessionsEnded, SignedOut
from eparticipation.accounts.models import Gender, StakeholderCategory, User
from eparticipation.accounts.schemas import (
    GENDER_LABELS,
    ROLE_LABELS,
    STAKEHOLDER_LABELS,
    LoginSchema,
    ProfileSchema,
    RegistrationSchema,
    display_birth_year,
    residence_label,
)
from eparticipation.accounts.services import check_password, find_user_by_email, hash_password
from eparticipation.accounts.signin import start_session
from eparticipation.accounts.throttled import ThrottledCheck
from eparticipation.accounts.verification import send_verification, tell_owner_of_registration_attempt
from eparticipation.forms import FormView
from eparticipation.i18n import _, flash
from eparticipation.inputs import integer_param
from eparticipation.permissions import Permissions
from eparticipation.resources import Me, Root
from eparticipation.security import current_session
from eparticipation.sections import page_sections

PROFILE_FIELDS = ("birth_year", "gender", "residence", "stakeholder_category", "organisation")


def safe_next_url(request, candidate: str | None) -> str:
    """Only a path on this site, so a sign-in link cannot send people elsewhere."""
    if candidate:
        parsed = urlparse(candidate)
        if not parsed.scheme and not parsed.netloc and candidate.startswith("/") and not candidate.startswith("//"):
            return candidate
    return request.resource_url(request.root, "me")


def apply_profile(user: User, appstruct: dict):
    contact, profile = appstruct["contact"], appstruct["profile"]
    user.display_name = contact["display_name"]
    user.mobile = contact["mobile"]
    user.birth_year = profile["birth_year"]
    user.gender = Gender(profile["gender"]) if profile["gender"] else None
    user.residence = profile["residence"]
    user.stakeholder_category = (
        StakeholderCategory(profile["stakeholder_category"]) if profile["stakeholder_category"] else None
    )
    user.organisation = profile["organisation"]


@view_config(
    context=Root,
    name="register",
    renderer="accounts/register.jinja2",
    permission=Permissions.AccountRegister,
)
class RegisterView(FormView):
    schema = RegistrationSchema
    buttons = (("register", _("Create my account")),)
    formid = "register"

    def __call__(self):
        if self.request.identity is not None:
            return HTTPSeeOther(self.request.resource_url(self.request.root, "me"))
        return super().__call__()

    def save(self, appstruct):
        """A new address gets an account and a link to confirm it; an address with an account gets nothing new,
        and its owner a mail. Either way the visitor is sent to the same page, after the same work, with no
        session started: the answer says nothing of which addresses have accounts."""
        request = self.request
        password_hash = hash_password(appstruct["password"])  # hashed either way: the same work for both
        owner = find_user_by_email(request.dbsession, appstruct["email"])
        if owner is not None:
            tell_owner_of_registration_attempt(request, owner)
        else:
            user = User(email=appstruct["email"], password_hash=password_hash, locale=request.locale_name,
                        created_at=request.now)
            apply_profile(user, appstruct)
            request.dbsession.add(user)
            request.dbsession.flush()
            send_verification(request, user)
        return HTTPSeeOther(request.resource_url(request.root, "registered"))


@view_config(context=Root, name="login", renderer="accounts/login.jinja2", permission=Permissions.AccountRegister)
class LoginView(ThrottledCheck, FormView):
    schema = LoginSchema
    buttons = (("login", _("Sign in")),)
    formid = "login"

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, next=self.request.params.get("next", ""), **extra)

    def save(self, appstruct):
        request = self.request
        refusal = self.admit_attempt(appstruct["email"])  # counted before the password is checked
        if refusal:
            return refusal
        user = find_user_by_email(request.dbsession, appstruct["email"])
        if not check_password(user, appstruct["password"]) or not user.is_active:
            return self.attempt_failed(appstruct["email"], "credentials",
                                       _("The e-mail address or the password is not right."))
        self.attempt_succeeded(appstruct["email"])
        next_url = safe_next_url(request, request.params.get("next"))
        if user.second_factor is not None:
            return mfa.ask_for_second_factor(request, user, next_url)
        headers = start_session(request, user)
        if mfa.must_enrol(request, user):
            flash(request, _("Staff sign in with a second factor. Set up an authenticator app now: until then your "
                             "roles give you nothing beyond a participant's account."), "")
            next_url = request.resource_path(request.root, "me", "security", "enrol")
        return HTTPSeeOther(next_url, headers=headers)

    def refuse(self, message, status):
        """The form again, with the address the user typed and the reason, never the password."""
        self.request.response.status_int = status
        form = self.form()
        return self.page(form.render({"email": self.request.POST.get("email", "")}), error=message)


@view_config(context=Root, name="logout", request_method="POST", permission=Permissions.AccountSelf)
def logout(request):
    request.registry.notify(SignedOut(request, request.identity))
    headers = forget(request)
    request.session.invalidate()
    return HTTPSeeOther(request.resource_url(request.root), headers=headers)


@view_config(context=Root, name="privacy", renderer="accounts/privacy.jinja2", permission=Permissions.SiteView)
def privacy(request):
    return {}


@view_defaults(context=Me, permission=Permissions.AccountSelf)
class MeViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.user = request.identity

    @view_config(name="", renderer="accounts/me.jinja2")
    def overview(self):
        translate = self.request.localizer.translate
        user = self.user
        return {
            "profile": [
                (
                    _("Year of birth"),
                    display_birth_year(user.birth_year, self.request.locale_name) if user.birth_year else None,
                ),
                (_("Gender"), translate(GENDER_LABELS[user.gender]) if user.gender else None),
                (
                    _("Province of residence"),
                    residence_label(user.residence, self.request.locale_name, translate) if user.residence else None,
                ),
                (
                    _("You take part as"),
                    translate(STAKEHOLDER_LABELS[user.stakeholder_category]) if user.stakeholder_category else None,
                ),
                (_("Organisation (optional)"), user.organisation),
            ],
            "grants": user.grants,
            "role_labels": ROLE_LABELS,
            "sections": page_sections(self.request, "account", self.context),
        }

    @view_config(name="export", request_method="GET")
    def export(self):
        """Everything the site holds about the user, as a JSON download (right of access)."""
        user = self.user
        data = {
            "account": {
                "email": user.email,
                "display_name": user.display_name,
                "mobile": user.mobile,
                "locale": user.locale,
                "created_at": user.created_at.isoformat(),
                "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
                "email_verified_at": user.email_verified_at.isoformat() if user.email_verified_at else None,
            },
            "profile": {field: getattr(user, field) for field in PROFILE_FIELDS},
            "roles": [
                {"role": grant.role.value, "agency": grant.agency.code if grant.agency else None}
                for grant in user.grants
            ],
        }
        for name, exporter in sorted(self.request.registry.get("personal_data", {}).items()):
            data[name] = exporter(self.request.dbsession, user)
        response = self.request.response
        response.content_type = "application/json"
        response.charset = "utf-8"
        response.content_disposition = 'attachment; filename="my-eparticipation-data.json"'
        response.text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        return response


@view_defaults(context=Me, name="sessions", permission=Permissions.AccountSelf)
class SessionViews:
    """/me/sessions: the browsers where the person is signed in, and ending them (a phone lost, a shared computer
    left signed in)."""

    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.user = request.identity

    @view_config(request_method="GET", renderer="accounts/sessions.jinja2")
    def list(self):
        current = current_session(self.request)
        return {"sessions": sessions.open_sessions(self.request, self.user), "current_id": current.id}

    @view_config(request_method="POST")
    def end(self):
        request, current = self.request, current_session(self.request)
        if "others" in request.POST:
            request.registry.notify(AllSessionsEnded(request, self.user, keep_current=True))
            flash(request, _("You are signed out everywhere else."), "success")
        else:
            session_id = integer_param(request.POST, "session_id")
            if session_id is None or session_id == current.id:
                raise HTTPBadRequest(request.localizer.translate(
                    _("Choose a session of another browser; to end this one, sign out.")))
            if sessions.end(request.dbsession, self.user.id, only=session_id):
                flash(request, _("That session has ended."), "success")
            else:
                flash(request, _("That session had ended already."), "")
        return HTTPSeeOther(request.resource_url(self.context, "sessions"))


@view_config(context=Me, name="edit", renderer="accounts/profile_edit.jinja2", permission=Permissions.AccountSelf)
class ProfileEditView(FormView):
    schema = ProfileSchema
    formid = "profile"

    def appstruct(self):
        user = self.request.identity
        return {
            "contact": {"display_name": user.display_name, "mobile": user.mobile or ""},
            "profile": {
                "birth_year": user.birth_year,
                "gender": user.gender.value if user.gender else "",
                "residence": user.residence or "",
                "stakeholder_category": user.stakeholder_category.value if user.stakeholder_category else "",
                "organisation": user.organisation or "",
            },
        }

    def save(self, appstruct):
        apply_profile(self.request.identity, appstruct)
        flash(self.request, _("Your profile is saved."), "success")
        return HTTPSeeOther(self.request.resource_url(self.context))
