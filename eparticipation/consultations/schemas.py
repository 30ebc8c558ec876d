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
    Subject,
    SupportingKind,
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

SUBJECT_LABELS = {
    Subject.document: _("Draft document"),
    Subject.service: _("Service"),
    Subject.process: _("Process"),
    Subject.action: _("Action"),
}

SUPPORTING_LABELS = {
    SupportingKind.memorandum: _("Explanatory memorandum"),
    SupportingKind.impact_assessment: _("Regulatory impact assessment"),
    SupportingKind.provisions_table: _("Table of current and proposed provisions"),
}


def kind_label(draft):
    """What a consultation is, as its page, card and feed entry say it: a document's type (bylaw, bill, …), or
    its subject (a service, a process, an action)."""
    return DOCUMENT_TYPE_LABELS[draft.document_type] if draft.document_type else SUBJECT_LABELS[draft.subject]


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
def subject_widget(node, kw):
    translate = kw["request"].localizer.translate
    return deform.widget.SelectWidget(values=[(s.value, translate(label)) for s, label in SUBJECT_LABELS.items()])


def document_has_type(form, value):
    """A draft document needs its type; the other subjects have none (the database holds the same rule)."""
    if value["subject"] == Subject.document.value and not value.get("document_type"):
        raise colander.Invalid(form["document_type"], _("Choose the type of document."))


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
    """The draft's form: its subject and, for a document, its type; its unit, and a title, summary and call in
    each language."""
    schema = CSRFSchema(validator=document_has_type)
    schema.add(colander.SchemaNode(
        colander.String(), name="subject", title=_("What is put to the public"), widget=subject_widget,
        validator=colander.OneOf([s.value for s in Subject]), missing=Subject.document.value,
        description=_("A draft document has articles and lasts at least the minimum number of days; a service, a "
                      "process or an action has the sections you define (or none) and lasts as long as you choose."),
    ))
    schema.add(colander.SchemaNode(
        colander.String(), name="document_type", title=_("Type of document"), widget=document_type_widget,
        validator=colander.OneOf([t.value for t in DocumentType]), missing=None,
        description=_("For a draft document only."),
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


SUPPORTING_TEXT_MAX = ARTICLE_TEXT_MAX * 5


def supporting_schema(request) -> colander.Schema:
    """One supporting document: its titles, and a text, a file, or both (the view checks that one is there)."""
    from eparticipation.files import DOCX, PDF
    from eparticipation.forms import upload_node

    schema = CSRFSchema()
    schema.add(colander.SchemaNode(colander.String(), name="title_fa", title=_("Title in Persian"),
                                   preparer=strip_text, validator=length(TITLE_MAX), missing=""))
    schema.add(colander.SchemaNode(colander.String(), name="title_en", title=_("Title in English"),
                                   preparer=strip_text, validator=length(TITLE_MAX), missing=""))
    schema.add(colander.SchemaNode(colander.String(), name="text", title=_("Text"), preparer=strip_text,
                                   validator=length(SUPPORTING_TEXT_MAX), missing="",
                                   widget=deform.widget.TextAreaWidget(rows=10)))
    schema.add(upload_node(request, "file", _("File (PDF or DOCX, optional)"), ".pdf,.docx", {PDF, DOCX},
                           _("Only PDF and Word (.docx) documents can be attached; this file is neither."),
                           missing=None))
    return schema
