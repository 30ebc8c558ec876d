"""The printable poster of a consultation: one A4 page (WeasyPrint, Vazirmatn embedded) with the title in Persian and
English, the agency, the dates in the Jalali and the Gregorian calendar, and a QR code (segno, SVG) to its page."""

from pyramid.renderers import render

from eparticipation.consultations import draft_url
from eparticipation.consultations.schemas import kind_label
from eparticipation.i18n import _, format_date, reader_in, translate


def poster_values(request, draft) -> dict:
    """What the poster says, in each language: it is the same poster whatever the visitor's language."""
    import segno

    from eparticipation.reports.pdf import font_folder

    address = draft_url(request, draft)
    sides = {}
    for language in ("fa", "en"):
        reader = reader_in(request.registry, language)
        text = draft.text(language)
        sides[language] = {
            "heading": translate(reader, _("Public consultation")),
            "title": text.title if text is not None and text.language == language else "",
            "agency": draft.agency.name(language),
            "type": translate(reader, kind_label(draft)),
            "period": translate(reader, _("Open from ${start} to ${end}", mapping={
                "start": format_date(draft.opens_at, language), "end": format_date(draft.last_day(), language)})),
            "invitation": translate(reader, _("Read the draft and give your opinion:")),
            "scan": translate(reader, _("Scan the code to open the consultation")),
        }
    qr = segno.make(address, error="m")
    return {"sides": sides, "address": address, "qr_svg": qr.svg_inline(scale=6, border=2, dark="#0e4c75"),
            "qr_payload": address, "font_folder": font_folder()}


def render_poster(request, draft) -> bytes:
    from weasyprint import HTML

    values = poster_values(request, draft)
    html = render("outreach/poster.jinja2", values, request=request)
    return HTML(string=html, base_url=values["font_folder"] + "/").write_pdf()
