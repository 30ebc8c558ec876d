"""Forms of the account pages: registration, sign-in and the profile. Lengths come from the columns."""

import re

import colander
import deform
from zxcvbn import zxcvbn
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
from eparticipation.accounts.services import normalise_email
from eparticipation.forms import CSRFSchema, length, name_text, optional_text, strip_text
from eparticipation.geography import ABROAD, UNDISCLOSED, provinces
from eparticipation.i18n import _, collation_key, localize_digits, to_latin_digits

# ASVS 6.2: at least 8 characters, up to at least 64 (a passphrase of a few words fits), checked for strength.
PASSWORD_MIN = 8
PASSWORD_MAX = 128
# zxcvbn's estimate (0 to 4) a new password must reach: 3 is "safely unguessable" against an online attack
# and moderately against a stolen hash.
PASSWORD_MIN_SCORE = 3
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
    order = collation_key(request.locale_name)
    choices += sorted(((p.code, p.name(request.locale_name)) for p in provinces()), key=lambda c: order(c[1]))
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


def personal_words(email: str | None = None, display_name: str | None = None) -> list[str]:
    """What a password must not be made of: the person's address, its local part and its pieces, their name and
    its words."""
    words = []
    if email:
        local = email.split("@", 1)[0]
        words += [email, local, *re.split(r"[._+\-]+", local)]
    if display_name:
        words += [display_name, *display_name.split()]
    return [word.lower() for word in words if len(word) >= 3]


def password_weakness(password: str, user_inputs=()):
    """Why this password is too easy to guess (a translated message), or None when it is strong enough."""
    if len(password) < PASSWORD_MIN:
        return _("Choose a password of at least ${min} characters.", mapping={"min": PASSWORD_MIN})
    if len(password) > PASSWORD_MAX:
        return _("A password can have at most ${max} characters.", mapping={"max": PASSWORD_MAX})
    result = zxcvbn(password, user_inputs=list(user_inputs), max_length=PASSWORD_MAX)
    if result["score"] >= PASSWORD_MIN_SCORE:
        return None
    # zxcvbn's own feedback is in English only: our message says which kind of weakness it found.
    dictionaries = {match.get("dictionary_name") for match in result["sequence"] if match["pattern"] == "dictionary"}
    if "user_inputs" in dictionaries:
        return _("This password is too like your name or your e-mail address; choose another.")
    if "passwords" in dictionaries:
        return _("This password is one of the most common ones, or a small change of one; choose another, such as "
                 "a few unrelated words.")
    return _("This password is too easy to guess: it is short, or a pattern (a sequence, a row of the keyboard, a "
             "repetition, a date or a common word). Choose a longer one, such as a few unrelated words.")


def validate_password(node, value):
    """Length and strength, without knowing whose password it is (a form that knows checks again, with
    `personal_words`)."""
    weakness = password_weakness(value)
    if weakness is not None:
        raise colander.Invalid(node, weakness)


def password_for(email_of, display_name_of=lambda kw: None):
    """A deferred validator of a new password that knows whose it is: `email_of(kw)`, `display_name_of(kw)`."""

    @colander.deferred
    def deferred(node, kw):
        def validate(node, value):
            weakness = password_weakness(value, personal_words(email_of(kw), display_name_of(kw)))
            if weakness is not None:
                raise colander.Invalid(node, weakness)

        return validate

    return deferred


def check_registration_password(node, appstruct):
    """The registration's password against the address and the name typed with it."""
    words = personal_words(appstruct.get("email"), (appstruct.get("contact") or {}).get("display_name"))
    weakness = password_weakness(appstruct["password"], words)
    if weakness is not None:
        error = colander.Invalid(node)
        error.add(colander.Invalid(node["password"], weakness), node.children.index(node["password"]))
        raise error


email_validator = colander.All(length(EMAIL_MAX), colander.Email(msg=_("Enter a valid e-mail address.")))


def text_node(title, max_length, min_length=1, preparer=strip_text, **kw):
    return colander.SchemaNode(
        colander.String(),
        title=title,
        preparer=preparer,
        validator=length(max_length, min_length),
        **kw,
    )


class ContactFields(colander.MappingSchema):
    display_name = text_node(
        _("Display name"),
        DISPLAY_NAME_MAX,
        min_length=2,
        preparer=name_text,
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


def password_node(title=_("Password"), validator=validate_password, autocomplete="new-password"):
    """A new password, typed twice."""
    return colander.SchemaNode(
        colander.String(),
        title=title,
        description=_("At least ${min} characters. A few unrelated words are easy to remember and hard to guess.",
                      mapping={"min": PASSWORD_MIN}),
        validator=validator,
        widget=deform.widget.CheckedPasswordWidget(redisplay=False, attributes={"autocomplete": autocomplete}),
    )


class RegistrationSchema(CSRFSchema):
    def validator(self, node, appstruct):
        check_registration_password(node, appstruct)

    email = colander.SchemaNode(
        colander.String(),
        title=_("E-mail address"),
        preparer=lambda value: normalise_email(value) if isinstance(value, str) else value,
        # Whether an account has this address already is never said (accounts/views.py, RegisterView).
        validator=email_validator,
        widget=deform.widget.TextInputWidget(attributes={"type": "email", "autocomplete": "email"}),
    )
    password = password_node()
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


def code_node(title=_("Code")):
    """A code of the authenticator app (6 digits) or a recovery code; checked by the view, not here."""
    return colander.SchemaNode(
        colander.String(),
        name="code",
        title=title,
        description=_("The 6 digits your authenticator app shows now, or one of your recovery codes."),
        preparer=strip_text,
        validator=length(32, 1),
        widget=deform.widget.TextInputWidget(
            attributes={"autocomplete": "one-time-code", "dir": "ltr", "spellcheck": "false", "autocapitalize": "off"}
        ),
    )


class SecondStepSchema(CSRFSchema):
    code = code_node()


class EnrolmentSchema(CSRFSchema):
    code = colander.SchemaNode(
        colander.String(),
        title=_("Code from the app"),
        description=_("Once the app shows this account, type the 6 digits it shows now."),
        preparer=strip_text,
        validator=length(32, 1),
        widget=deform.widget.TextInputWidget(
            attributes={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr"}
        ),
    )


def current_password_node(title=_("Current password")):
    """The password a person already has, typed to prove it is them (the browser may fill it in)."""
    return colander.SchemaNode(
        colander.String(),
        title=title,
        validator=length(PASSWORD_MAX),
        widget=deform.widget.PasswordWidget(attributes={"autocomplete": "current-password"}),
    )


class ConfirmPasswordSchema(CSRFSchema):
    """Re-authentication of a person without a second factor: the password again."""

    password = current_password_node(_("Password"))


class ConfirmSchema(ConfirmPasswordSchema):
    """Re-authentication of a person with a second factor: the password and a code."""

    code = code_node()


class PasswordChangeSchema(CSRFSchema):
    """/me/password: the current password, and the new one twice, checked against the person's address and name."""

    current_password = current_password_node()
    password = password_node(
        title=_("New password"),
        validator=password_for(lambda kw: kw["request"].identity.email,
                               lambda kw: kw["request"].identity.display_name),
    )


class PasswordResetRequestSchema(CSRFSchema):
    email = colander.SchemaNode(
        colander.String(),
        title=_("E-mail address"),
        preparer=lambda value: normalise_email(value) if isinstance(value, str) else value,
        validator=email_validator,
        widget=deform.widget.TextInputWidget(attributes={"type": "email", "autocomplete": "email"}),
    )


class PasswordResetSchema(CSRFSchema):
    """/password-reset/<token>: the new password twice, checked against the address and name of the link's owner."""

    password = password_node(
        title=_("New password"),
        validator=password_for(lambda kw: kw["owner"].email, lambda kw: kw["owner"].display_name),
    )


class EmptySchema(CSRFSchema):
    """A form that is only a button (its CSRF token is the only field)."""
