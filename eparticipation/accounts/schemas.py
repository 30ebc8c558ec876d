"""Forms of the account pages: registration, sign-in and the profile. Lengths come from the columns."""

import re

import colander
import deform
from persiantools.jdatetime import JalaliDate

from eparticipation.accounts.models import (
    DISPLAY_NAME_MAX,
    EARLIEST_BIRTH_YEAR,
    EMAIL_MAX,
    MOBILE_MAX,
    ORGANISATION_MAX,
    Gender,
    Role,
    StakeholderCategory,
)
from eparticipation.accounts.services import find_user_by_email, normalise_email
from eparticipation.forms import CSRFSchema, length, optional_text, strip_text
from eparticipation.geography import ABROAD, UNDISCLOSED, provinces
from eparticipation.i18n import _, localize_digits, to_latin_digits

PASSWORD_MIN = 10
PASSWORD_MAX = 128
# Jalali year N begins in March of Gregorian year N + 621.
JALALI_OFFSET = 621

GENDER_LABELS = {
    Gender.female: _("Female"),
    Gender.male: _("Male"),
    Gender.undisclosed: _("Prefer not to say"),
}
STAKEHOLDER_LABELS = {
    StakeholderCategory.individual: _("Individual citizen"),
    StakeholderCategory.academic: _("Academic or expert"),
    StakeholderCategory.ngo: _("Non-governmental organisation"),
    StakeholderCategory.private_sector: _("Private sector"),
    StakeholderCategory.government: _("Government employee"),
    StakeholderCategory.other: _("Other"),
}
ROLE_LABELS = {
    Role.editor: _("Editor (drafting unit) of one agency"),
    Role.coordinator: _("Coordinator (public relations unit) of one agency"),
    Role.auditor: _("Auditor of every agency (read-only)"),
    Role.admin: _("Administrator of the system"),
}
COMMON_PASSWORDS = {
    "password12", "1234567890", "0123456789", "qwertyuiop", "password123", "1q2w3e4r5t", "iloveyou12",
    "1111111111", "0000000000", "123456789a", "a123456789", "qwerty1234", "admin12345", "abcdefghij",
}


def residence_label(code: str, locale_name: str, translate) -> str:
    if code == ABROAD:
        return translate(_("Abroad (outside Iran)"))
    if code == UNDISCLOSED:
        return translate(_("Prefer not to say"))
    province = next(p for p in provinces() if p.code == code)
    return province.name(locale_name)


@colander.deferred
def residence_widget(node, kw):
    request = kw["request"]
    translate = request.localizer.translate
    choices = [("", translate(_("— choose —")))]
    choices += sorted(
        ((p.code, p.name(request.locale_name)) for p in provinces()), key=lambda choice: choice[1]
    )
    choices += [(code, residence_label(code, request.locale_name, translate)) for code in (ABROAD, UNDISCLOSED)]
    return deform.widget.SelectWidget(values=choices)


def _translated_choices(labels):
    @colander.deferred
    def widget(node, kw):
        translate = kw["request"].localizer.translate
        return deform.widget.RadioChoiceWidget(values=[(str(k), translate(v)) for k, v in labels.items()])

    return widget


class BirthYear(colander.Integer):
    """A year of birth, typed in the Jalali (۱۳۷۰) or Gregorian (1991) calendar, in any digits;
    stored as the Gregorian year. Shown in Jalali in the fa interface."""

    def __init__(self, locale_name="fa", today=None):
        super().__init__()
        self.locale_name = locale_name
        self.today = today

    def serialize(self, node, appstruct):
        if appstruct in (colander.null, None):
            return colander.null
        return localize_digits(display_birth_year(appstruct, self.locale_name), self.locale_name)

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None) or not str(cstruct).strip():
            return colander.null
        text = to_latin_digits(str(cstruct).strip())
        if not text.isascii() or not text.isdigit():
            raise colander.Invalid(node, _("Enter the year as a number, e.g. 1370 or 1991."))
        year = int(text)
        # Years from 1279 (= 1900) to a little after this Jalali year are read as Jalali years.
        if EARLIEST_BIRTH_YEAR - JALALI_OFFSET <= year <= JalaliDate(self.today).year + 20:
            year += JALALI_OFFSET
        if year > self.today.year:
            raise colander.Invalid(node, _("A year of birth cannot be in the future."))
        if year < EARLIEST_BIRTH_YEAR:
            raise colander.Invalid(
                node, _("A year of birth before ${year} is not plausible.", mapping={"year": EARLIEST_BIRTH_YEAR})
            )
        return year


def display_birth_year(year: int, locale_name: str) -> int:
    """The year of birth in the interface's calendar: Jalali in fa (approximate by a few months), else Gregorian."""
    return year - JALALI_OFFSET if locale_name == "fa" else year


@colander.deferred
def birth_year_type(node, kw):
    request = kw["request"]
    return BirthYear(request.locale_name, request.now.date())


def normalise_mobile(value):
    if not isinstance(value, str):
        return value
    value = re.sub(r"[\s\-()]", "", to_latin_digits(value))
    if value == "":
        return colander.null
    if re.fullmatch(r"09\d{9}", value):
        return "+98" + value[1:]
    if re.fullmatch(r"00\d{8,15}", value):
        return "+" + value[2:]
    return value


def validate_mobile(node, value):
    if not re.fullmatch(r"\+\d{8,15}", value):
        raise colander.Invalid(node, _("Enter a mobile number such as 09121234567 or +989121234567."))


def validate_password(node, value):
    if len(value) < PASSWORD_MIN:
        raise colander.Invalid(
            node, _("Choose a password of at least ${min} characters.", mapping={"min": PASSWORD_MIN})
        )
    if len(value) > PASSWORD_MAX:
        raise colander.Invalid(
            node, _("A password can have at most ${max} characters.", mapping={"max": PASSWORD_MAX})
        )
    if value.lower() in COMMON_PASSWORDS or len(set(value)) < 4:
        raise colander.Invalid(node, _("This password is too easy to guess; choose another."))


@colander.deferred
def validate_unused_email(node, kw):
    request = kw["request"]

    def unused(node, value):
        if find_user_by_email(request.dbsession, value) is not None:
            raise colander.Invalid(node, _("An account with this e-mail address already exists; sign in instead."))

    return colander.All(
        length(EMAIL_MAX),
        colander.Email(msg=_("Enter a valid e-mail address.")),
        unused,
    )


def text_node(title, max_length, min_length=1, **kw):
    return colander.SchemaNode(
        colander.String(),
        title=title,
        preparer=strip_text,
        validator=length(max_length, min_length),
        **kw,
    )


class ContactFields(colander.MappingSchema):
    display_name = text_node(
        _("Display name"),
        DISPLAY_NAME_MAX,
        min_length=2,
        description=_("Shown beside your public comments, unless you choose to appear anonymous."),
    )
    mobile = colander.SchemaNode(
        colander.String(),
        title=_("Mobile number (optional)"),
        preparer=normalise_mobile,
        validator=colander.All(length(MOBILE_MAX), validate_mobile),
        missing=None,
    )


class ProfileFields(colander.MappingSchema):
    """The demographic profile. Every field is optional and has a "prefer not to say" answer."""

    birth_year = colander.SchemaNode(
        birth_year_type,
        title=_("Year of birth"),
        description=_("Jalali (e.g. 1370) or Gregorian (e.g. 1991)."),
        missing=None,
    )
    gender = colander.SchemaNode(
        colander.String(),
        title=_("Gender"),
        oid="gender",  # radio buttons are named after the oid
        widget=_translated_choices(GENDER_LABELS),
        validator=colander.OneOf([g.value for g in Gender]),
        missing=None,
    )
    residence = colander.SchemaNode(
        colander.String(),
        title=_("Province of residence"),
        widget=residence_widget,
        preparer=optional_text,
        validator=colander.OneOf(
            [p.code for p in provinces()] + [ABROAD, UNDISCLOSED], msg_err=_("Choose a province from the list.")
        ),
        missing=None,
    )
    stakeholder_category = colander.SchemaNode(
        colander.String(),
        title=_("You take part as"),
        oid="stakeholder_category",
        widget=_translated_choices(STAKEHOLDER_LABELS),
        validator=colander.OneOf([c.value for c in StakeholderCategory]),
        missing=None,
    )
    organisation = colander.SchemaNode(
        colander.String(),
        title=_("Organisation (optional)"),
        description=_("The NGO, company or university you belong to, if any."),
        preparer=optional_text,
        validator=length(ORGANISATION_MAX),
        missing=None,
    )


class RegistrationSchema(CSRFSchema):
    email = colander.SchemaNode(
        colander.String(),
        title=_("E-mail address"),
        preparer=lambda value: normalise_email(value) if isinstance(value, str) else value,
        validator=validate_unused_email,
        widget=deform.widget.TextInputWidget(attributes={"type": "email", "autocomplete": "email"}),
    )
    password = colander.SchemaNode(
        colander.String(),
        title=_("Password"),
        description=_("At least ${min} characters.", mapping={"min": PASSWORD_MIN}),
        validator=validate_password,
        widget=deform.widget.CheckedPasswordWidget(redisplay=False),
    )
    contact = ContactFields(title=_("About you"))
    profile = ProfileFields(
        title=_("Your profile"),
        description=_(
            "These answers are only ever published as totals (e.g. how many participants came from each "
            "province), never beside your name."
        ),
    )


class ProfileSchema(CSRFSchema):
    contact = ContactFields(title=_("About you"))
    profile = ProfileFields(title=_("Your profile"))


class LoginSchema(CSRFSchema):
    email = colander.SchemaNode(
        colander.String(),
        title=_("E-mail address"),
        preparer=strip_text,
        validator=length(EMAIL_MAX),
        widget=deform.widget.TextInputWidget(attributes={"type": "email", "autocomplete": "username"}),
    )
    password = colander.SchemaNode(
        colander.String(),
        title=_("Password"),
        validator=length(PASSWORD_MAX),
        widget=deform.widget.PasswordWidget(attributes={"autocomplete": "current-password"}),
    )
