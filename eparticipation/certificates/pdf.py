"""The certificate as a PDF, made with WeasyPrint (Vazirmatn embedded, as the report's PDF): right to left in fa,
its QR code (segno) to the verify page, and its signed credential attached (credential.json) with the code in the
PDF's metadata, so that the file itself can be checked (services.verify_pdf)."""

import io
import json

import segno
from babel.dates import format_date as babel_format_date
from persiantools.jdatetime import JalaliDate
from pyramid.renderers import render

from eparticipation.certificates.signing import Refused
from eparticipation.i18n import DISPLAY_TIMEZONE, localize_digits

ATTACHMENT = "credential.json"
KEYWORD = "certificate:"


def qr_code(url: str):
    return segno.make(url, error="m")


def qr_svg(url: str) -> str:
    """The QR code as a data URI; the same URL always gives the same image."""
    return qr_code(url).svg_data_uri(scale=4, border=2)


def both_dates(moment, locale_name: str) -> tuple[str, str]:
    """(Jalali, Gregorian) of a moment in Tehran, in the language's digits and month names."""
    day = moment.astimezone(DISPLAY_TIMEZONE).date()
    jalali = JalaliDate(day)
    month = jalali.strftime("%B", locale="fa" if locale_name == "fa" else "en")
    jalali_text = localize_digits(f"{jalali.day} {month} {jalali.year}", locale_name)
    gregorian = localize_digits(babel_format_date(day, "d MMMM y", locale=locale_name), locale_name)
    return jalali_text, gregorian


def certificate_html(request, data: dict) -> str:
    from eparticipation.reports.pdf import font_folder

    return render("certificates/pdf.jinja2", {**data, "font_folder": font_folder()}, request=request)


def render_pdf(request, data: dict, font_config=None) -> bytes:
    from weasyprint import HTML, Attachment

    from eparticipation.reports.pdf import font_folder

    certificate = data["certificate"]
    attachment = Attachment(string=certificate.credential, name=ATTACHMENT,
                            description="Open Badges 3.0 credential (eddsa-jcs-2022)")
    html = HTML(string=certificate_html(request, data), base_url=font_folder() + "/")
    return html.write_pdf(attachments=[attachment], font_config=font_config)


def embedded_credential(data: bytes) -> tuple[dict, str | None]:
    """The credential a PDF carries and the code its metadata names; services.Refused when it has none."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        attached = reader.attachments.get(ATTACHMENT) or []
        keywords = (reader.metadata or {}).get("/Keywords") or ""
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise Refused(f"not a readable PDF ({type(error).__name__})") from None
    if len(attached) != 1:
        raise Refused("the PDF carries no credential")
    try:
        credential = json.loads(attached[0])
    except (ValueError, UnicodeDecodeError):
        raise Refused("the PDF's credential is not JSON") from None
    codes = [word[len(KEYWORD):] for word in str(keywords).replace(",", " ").split() if word.startswith(KEYWORD)]
    return credential, codes[0] if codes else None
