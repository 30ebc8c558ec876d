"""Forms of the forward plan: an entry (its agency's staff), a comment on its intent, hiding a comment, and
withdrawing an entry. Years are Jalali, typed in any digits."""

import colander
import deform

from eparticipation.agencies.models import UnitKind
from eparticipation.consultations.models import TITLE_MAX, DocumentType
from eparticipation.consultations.schemas import DOCUMENT_TYPE_LABELS, document_type_widget
from eparticipation.forms import CSRFSchema, length, strip_text
from eparticipation.i18n import _, localize_digits, to_latin_digits
from eparticipation.planning.models import (
    COMMENT_MAX,
    COMMENT_MIN,
    HIDING_REASON_MAX,
    QUARTERS,
    REASON_MAX,
    YEAR_MAX,
    YEAR_MIN,
)

QUARTER_LABELS = {
    1: _("Quarter 1 (Farvardin–Khordad)"),
    2: _("Quarter 2 (Tir–Shahrivar)"),
    3: _("Quarter 3 (Mehr–Azar)"),
    4: _("Quarter 4 (Dey–Esfand)"),
}


class JalaliYear(colander.Integer):
    """A Jalali year typed in Latin or Persian digits."""

    def deserialize(self, node, cstruct):
        if isinstance(cstruct, str):
            cstruct = to_latin_digits(cstruct).strip()
        try:
            return super().deserialize(node, cstruct)
        except colander.Invalid:
            raise colander.Invalid(node, _("Enter a Jalali year such as ${example}.",
                                           mapping={"example": "۱۴۰۶"})) from None


@colander.deferred
def quarter_widget(node, kw):
    translate = kw["request"].localizer.translate
    return deform.widget.SelectWidget(values=[(str(q), translate(QUARTER_LABELS[q])) for q in QUARTERS])


@colander.deferred
def unit_widget(node, kw):
    request, context = kw["request"], kw["context"]
    choices = [("", request.localizer.translate(_("— choose —")))]
    units = [u for u in context.agency.units if u.kind == UnitKind.drafting]
    return deform.widget.SelectWidget(values=choices + [(str(u.id), u.name(request.locale_name)) for u in units])


@colander.deferred
def unit_validator(node, kw):
    ids = [u.id for u in kw["context"].agency.units if u.kind == UnitKind.drafting]
    return colander.OneOf(ids, msg_err=_("Choose a drafting unit of this agency."))


@colander.deferred
def year_description(node, kw):
    return _("In the Jalali calendar, e.g. ${year}.", mapping={"year": localize_digits(kw["current_year"] + 1,
                                                                                        kw["request"].locale_name)})


def jalali_year_in_range(node, value):
    if not YEAR_MIN <= value <= YEAR_MAX:
        raise colander.Invalid(node, _("Enter a Jalali year from ${min} to ${max}.",
                                       mapping={"min": YEAR_MIN, "max": YEAR_MAX}))


def has_a_title(form, value):
    if not value["title_fa"] and not value["title_en"]:
        raise colander.Invalid(form["title_fa"], _("Give the title in Persian, in English, or in both."))


class EntrySchema(CSRFSchema):
    title_fa = colander.SchemaNode(colander.String(), title=_("Title in Persian"), preparer=strip_text,
                                   validator=length(TITLE_MAX), missing="")
    title_en = colander.SchemaNode(colander.String(), title=_("Title in English"), preparer=strip_text,
                                   validator=length(TITLE_MAX), missing="")
    document_type = colander.SchemaNode(colander.String(), title=_("Type of document"), widget=document_type_widget,
                                        validator=colander.OneOf([t.value for t in DocumentType]))
    year = colander.SchemaNode(
        JalaliYear(), title=_("Expected year"), description=year_description,
        widget=deform.widget.TextInputWidget(attributes={"inputmode": "numeric", "dir": "ltr"}),
        validator=jalali_year_in_range,
    )
    quarter = colander.SchemaNode(colander.Integer(), title=_("Expected quarter"), widget=quarter_widget,
                                  validator=colander.OneOf(QUARTERS, msg_err=_("Choose a quarter.")))
    drafting_unit_id = colander.SchemaNode(colander.Integer(), title=_("Drafting unit"), widget=unit_widget,
                                           validator=unit_validator, missing=None)
    reason = colander.SchemaNode(
        colander.String(), title=_("Why this draft is planned"), preparer=strip_text,
        validator=length(REASON_MAX, 10), widget=deform.widget.TextAreaWidget(rows=4),
        description=_("A short reason: what the draft is meant to solve."),
    )

    def __init__(self, *args, **kw):
        super().__init__(*args, validator=has_a_title, **kw)


class CommentSchema(CSRFSchema):
    body = colander.SchemaNode(
        colander.String(), title=_("Your comment on this intent"), preparer=strip_text,
        validator=length(COMMENT_MAX, COMMENT_MIN), widget=deform.widget.TextAreaWidget(rows=4),
    )


class HideSchema(CSRFSchema):
    comment = colander.SchemaNode(colander.Integer(), widget=deform.widget.HiddenWidget())
    reason = colander.SchemaNode(
        colander.String(), title=_("Reason shown in the comment's place"), preparer=strip_text,
        validator=length(HIDING_REASON_MAX, 5), widget=deform.widget.TextAreaWidget(rows=3),
    )


class WithdrawSchema(CSRFSchema):
    reason = colander.SchemaNode(
        colander.String(), title=_("Why the draft is no longer planned"), preparer=strip_text,
        validator=length(REASON_MAX, 5), widget=deform.widget.TextAreaWidget(rows=3),
    )


class PublishSchema(CSRFSchema):
    pass


__all__ = ["DOCUMENT_TYPE_LABELS", "QUARTER_LABELS", "EntrySchema", "CommentSchema", "HideSchema", "WithdrawSchema"]
