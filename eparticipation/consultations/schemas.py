"""Forms of drafts: the document and its texts, articles, the import, the original file, and the
workflow steps. Lengths come from the columns; dates are Jalali in fa and Gregorian in en."""

import re
import colander
import deform
from persiantools.jdatetime import JalaliDate

from eparticipation.agencies.models import UnitKind
from eparticipation.consultations.models import (
    ARTICLE_TEXT_MAX,
    CALL_MAX,
    CHAPTER_MAX,
    HEADING_MAX,
    NOTE_MAX,
    REASON_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    DocumentType,
)
from eparticipation.forms import CSRFSchema, length, optional_text, strip_text
from eparticipation.i18n import LANGUAGE_LABELS, _, localize_digits, parse_typed_date, to_latin_digits

DOCUMENT_TYPE_LABELS = {
    DocumentType.bylaw: _("Bylaw"),
    DocumentType.bill: _("Bill"),
    DocumentType.directive: _("Directive or instruction"),
    DocumentType.circular: _("Circular"),
    DocumentType.board_resolution: _("Board of trustees resolution"),
}


class LocalDate(colander.SchemaType):
    """A calendar date, shown as the interface shows dates: Jalali in fa (۱۴۰۵/۰۹/۱۵), Gregorian in en
    (2026-12-06). Typed in either calendar and any digits (i18n.parse_typed_date: the year tells which), with
    / or - between the parts."""

    def __init__(self, locale_name="fa"):
        self.locale_name = locale_name

    def serialize(self, node, appstruct):
        if appstruct in (colander.null, None):
            return colander.null
        if self.locale_name == "fa":
            jalali = JalaliDate(appstruct)
            return localize_digits(f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}", "fa")
        return appstruct.isoformat()

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None) or not str(cstruct).strip():
            return colander.null
        example = "۱۴۰۵/۰۹/۱۵" if self.locale_name == "fa" else "2026-12-06"
        try:
            return parse_typed_date(cstruct)
        except ValueError:
            raise colander.Invalid(node, _("Enter a date such as ${example}.", mapping={"example": example})) from None


@colander.deferred
def local_date_type(node, kw):
    return LocalDate(kw["request"].locale_name)


@colander.deferred
def date_widget(node, kw):
    if kw["request"].locale_name == "fa":
        return deform.widget.TextInputWidget(attributes={"inputmode": "numeric", "placeholder": "۱۴۰۵/۰۹/۱۵", "dir": "ltr"})
    return deform.widget.TextInputWidget(attributes={"type": "date"})


def date_node(title, **kw):
    return colander.SchemaNode(local_date_type, title=title, widget=date_widget, **kw)


def reason_node(title=_("Reason")):
    return colander.SchemaNode(
        colander.String(), title=title, preparer=strip_text, validator=length(REASON_MAX, 5),
        widget=deform.widget.TextAreaWidget(rows=3),
    )


class LanguageTexts(colander.MappingSchema):
    title = colander.SchemaNode(colander.String(), title=_("Title"), preparer=strip_text,
                                validator=length(TITLE_MAX), missing="")
    summary = colander.SchemaNode(colander.String(), title=_("Summary"), preparer=strip_text,
                                  validator=length(SUMMARY_MAX), missing="",
                                  widget=deform.widget.TextAreaWidget(rows=4))
    call = colander.SchemaNode(colander.String(), title=_("Call for participation"), preparer=strip_text,
                               validator=length(CALL_MAX), missing="", widget=deform.widget.TextAreaWidget(rows=6),
                               description=_("What the agency asks of the public, and why."))


@colander.deferred
def document_type_widget(node, kw):
    translate = kw["request"].localizer.translate
    return deform.widget.SelectWidget(values=[(t.value, translate(label)) for t, label in DOCUMENT_TYPE_LABELS.items()])


@colander.deferred
def drafting_unit_widget(node, kw):
    request, context = kw["request"], kw["context"]
    agency = getattr(context, "agency", context)
    units = [u for u in agency.units if u.kind == UnitKind.drafting]
    choices = [("", request.localizer.translate(_("— choose —")))]
    return deform.widget.SelectWidget(values=choices + [(str(u.id), u.name(request.locale_name)) for u in units])


@colander.deferred
def drafting_unit_validator(node, kw):
    agency = getattr(kw["context"], "agency", kw["context"])
    ids = [u.id for u in agency.units if u.kind == UnitKind.drafting]
    return colander.OneOf(ids, msg_err=_("Choose a drafting unit of this agency."))


def draft_schema(languages: list[str]) -> colander.Schema:
    """The draft's form: its kind, unit, and a title, summary and call in each language."""
    schema = CSRFSchema()
    schema.add(colander.SchemaNode(
        colander.String(), name="document_type", title=_("Type of document"), widget=document_type_widget,
        validator=colander.OneOf([t.value for t in DocumentType]),
    ))
    schema.add(colander.SchemaNode(
        colander.Integer(), name="drafting_unit_id", title=_("Drafting unit"), widget=drafting_unit_widget,
        validator=drafting_unit_validator, missing=None,
    ))
    for language in languages:
        schema.add(LanguageTexts(name=language, title=LANGUAGE_LABELS.get(language, language)))
    return schema


class ArticleSchema(CSRFSchema):
    number = colander.SchemaNode(
        colander.String(), title=_("Article number"),
        preparer=lambda value: to_latin_digits(value).strip() if isinstance(value, str) else value,
        validator=colander.Regex(r"^\d{1,4}$", msg=_("Enter the article's number, e.g. 3.")),
    )
    chapter = colander.SchemaNode(colander.String(), title=_("Chapter (optional)"), preparer=optional_text,
                                  validator=length(CHAPTER_MAX), missing=None)
    heading = colander.SchemaNode(colander.String(), title=_("Heading (optional)"), preparer=strip_text,
                                  validator=length(HEADING_MAX), missing="")
    text = colander.SchemaNode(colander.String(), title=_("Text of the article"), preparer=strip_text,
                               validator=length(ARTICLE_TEXT_MAX, 1), widget=deform.widget.TextAreaWidget(rows=8))
    notes = colander.SchemaNode(
        colander.String(), title=_("Notes (optional)"), preparer=strip_text, missing="",
        validator=length(NOTE_MAX * 10), widget=deform.widget.TextAreaWidget(rows=4),
        description=_("One note (تبصره) per paragraph; separate notes with an empty line."),
    )


def split_notes(text: str) -> list[str]:
    return [note.strip() for note in re.split(r"\n\s*\n", text or "") if note.strip()]


class ImportSchema(CSRFSchema):
    text = colander.SchemaNode(
        colander.String(), title=_("Paste the text"), missing="", preparer=strip_text,
        validator=length(ARTICLE_TEXT_MAX * 20), widget=deform.widget.TextAreaWidget(rows=12),
        description=_("Articles start with «ماده ۱ –», notes with «تبصره», chapters with «فصل». "
                      "Text without article headings becomes one article per paragraph."),
    )


class OpenSchema(CSRFSchema):
    start = date_node(_("First day of the consultation"))
    end = date_node(_("Last day of the consultation"))


class ExtendSchema(CSRFSchema):
    end = date_node(_("New last day of the consultation"))
    reason = reason_node(_("Reason for the extension"))


class WithdrawSchema(CSRFSchema):
    reason = reason_node(_("Reason for withdrawing the consultation"))


class PublishSchema(CSRFSchema):
    pass
