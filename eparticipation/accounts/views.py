"""Registration, sign-in and sign-out, and the signed-in user's own pages under /me/."""

import json
from urllib.parse import urlparse

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config, view_defaults

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
from eparticipation.accounts.services import (
    LoginThrottle,
    check_password,
    find_user_by_email,
    hash_password,
)
from eparticipation.forms import FormView
from eparticipation.i18n import _, flash
from eparticipation.permissions import Permissions
from eparticipation.resources import Me, Root

PROFILE_FIELDS = ("birth_year", "gender", "residence", "stakeholder_category", "organisation")


def safe_next_url(request, candidate: str | None) -> str:
    """Only a path on this site, so a sign-in link cannot send people elsewhere."""
    if candidate:
        parsed = urlparse(candidate)
        if not parsed.scheme and not parsed.netloc and candidate.startswith("/") and not candidate.startswith("//"):
            return candidate
    return request.resource_url(request.root, "me")


def start_session(request, user: User):
    """A new session on sign-in, so a session fixed before it is worthless."""
    request.session.invalidate()
    user.last_login_at = request.now
    return remember(request, user.id)


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
        request = self.request
        user = User(
            email=appstruct["email"],
            password_hash=hash_password(appstruct["password"]),
            locale=request.locale_name,
            created_at=request.now,
        )
        apply_profile(user, appstruct)
        request.dbsession.add(user)
        request.dbsession.flush()  # the new id goes into the session cookie
        headers = start_session(request, user)
        flash(request, _("Welcome! Your account is ready."), "success")
        return HTTPSeeOther(request.resource_url(request.root, "me"), headers=headers)


@view_config(context=Root, name="login", renderer="accounts/login.jinja2", permission=Permissions.AccountRegister)
class LoginView(FormView):
    schema = LoginSchema
    buttons = (("login", _("Sign in")),)
    formid = "login"

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, next=self.request.params.get("next", ""), **extra)

    def save(self, appstruct):
        request = self.request
        throttle = LoginThrottle.for_request(request)
        wait = throttle.minutes_to_wait(appstruct["email"])
        if wait:
            return self.refuse(
                _(
                    "Too many failed sign-in attempts for this address. Try again in ${minutes} minutes.",
                    mapping={"minutes": wait},
                ),
                status=429,
            )
        user = find_user_by_email(request.dbsession, appstruct["email"])
        if not check_password(user, appstruct["password"]) or not user.is_active:
            throttle.record(appstruct["email"], succeeded=False, client_addr=request.client_addr)
            return self.refuse(_("The e-mail address or the password is not right."), status=400)
        throttle.record(appstruct["email"], succeeded=True, client_addr=request.client_addr)
        headers = start_session(request, user)
        return HTTPSeeOther(safe_next_url(request, request.params.get("next")), headers=headers)

    def refuse(self, message, status):
        """The form again, with the address the user typed and the reason, never the password."""
        self.request.response.status_int = status
        form = self.form()
        return self.page(form.render({"email": self.request.POST.get("email", "")}), error=message)


@view_config(context=Root, name="logout", request_method="POST", permission=Permissions.AccountSelf)
def logout(request):
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
