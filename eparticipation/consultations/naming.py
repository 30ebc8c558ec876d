"""How pages name a consultation's parts: a draft document has articles (ماده) and comments on "the whole draft";
a service, a process or an action has sections (بخش) and comments on "the whole consultation". Every template
has `part_name(draft, number)`, `whole_name(draft)` and `kind_name(draft)`."""

from pyramid.i18n import TranslationString

from eparticipation.i18n import _, localize_digits, translate

ARTICLE = _("Article ${number}")
SECTION = _("Section ${number}")
WHOLE_DRAFT = _("The whole draft")
WHOLE_CONSULTATION = _("The whole consultation")


def part_name(request, draft, number) -> str:
    message = ARTICLE if draft is None or draft.is_document else SECTION
    return translate(request, TranslationString(message, domain="eparticipation",
                                                mapping={"number": localize_digits(str(number), request.locale_name)}))


def whole_name(request, draft) -> str:
    message = WHOLE_DRAFT if draft is None or draft.is_document else WHOLE_CONSULTATION
    return translate(request, TranslationString(message, domain="eparticipation"))


def kind_name(request, draft) -> str:
    """A document's type (bylaw, …) or the consultation's subject (a service, a process, an action)."""
    from eparticipation.consultations.schemas import kind_label

    return translate(request, kind_label(draft))


def naming_globals(event):
    request = event.get("request")
    if request is None:
        return
    event["part_name"] = lambda draft, number: part_name(request, draft, number)
    event["whole_name"] = lambda draft: whole_name(request, draft)
    event["kind_name"] = lambda draft: kind_name(request, draft)
