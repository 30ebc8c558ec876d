"""The share image of a consultation (Open Graph, 1200×630 PNG): its title and agency drawn on the server in
Vazirmatn, Persian right to left and joined.

Pillow lays Persian out itself when it has libraqm (`PIL.features.check("raqm")`, as its wheels do); without it,
the letters are joined by arabic-reshaper and put in visual order by python-bidi, line by line.
"""

import io
from functools import lru_cache

from eparticipation.i18n import format_date, localize_digits, reader_in, translate, _

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
BACKGROUND = (14, 76, 117)
ACCENT = (250, 204, 21)
FOREGROUND = (255, 255, 255)
MUTED = (205, 224, 238)


def font_path(bold: bool) -> str:
    from eparticipation.reports.pdf import font_folder

    return f"{font_folder()}/Vazirmatn-{'Bold' if bold else 'Regular'}.ttf"


@lru_cache(maxsize=1)
def has_raqm() -> bool:
    from PIL import features

    return bool(features.check("raqm"))


@lru_cache(maxsize=16)
def font(size: int, bold: bool = False):
    from PIL import ImageFont

    engine = ImageFont.Layout.RAQM if has_raqm() else ImageFont.Layout.BASIC
    return ImageFont.truetype(font_path(bold), size, layout_engine=engine)


def shaped(text: str, rtl: bool) -> str:
    """The text as the basic layout must be given it: joined letters in visual order (raqm does this itself)."""
    if not rtl or has_raqm():
        return text
    import arabic_reshaper
    from bidi import get_display

    return get_display(arabic_reshaper.reshape(text))


def options(rtl: bool) -> dict:
    if has_raqm():
        return {"direction": "rtl" if rtl else "ltr", "language": "fa" if rtl else "en"}
    return {}


def text_width(text: str, face, rtl: bool) -> float:
    return face.getlength(shaped(text, rtl), **options(rtl))


def wrap(text: str, face, width: int, rtl: bool, max_lines: int) -> list[str]:
    """The text in lines no wider than `width` (by words, in logical order), at most `max_lines` (the last one
    ending in an ellipsis when the text is longer)."""
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and text_width(candidate, face, rtl) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", face, rtl) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def draw_line(draw, y: int, text: str, face, fill, rtl: bool):
    visual = shaped(text, rtl)
    line_width = face.getlength(visual, **options(rtl))
    x = WIDTH - MARGIN - line_width if rtl else MARGIN
    draw.text((x, y), visual, font=face, fill=fill, **options(rtl))


def share_image(registry, draft, language: str) -> bytes:
    """The PNG: the site's name, the title (up to four lines), the agency and the consultation's dates."""
    from PIL import Image, ImageDraw

    reader = reader_in(registry, language)
    rtl = language == "fa"
    text = draft.text(language)
    title = text.title if text else ""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    band = (WIDTH - MARGIN - 160, MARGIN, WIDTH - MARGIN, MARGIN + 10) if rtl else (MARGIN, MARGIN, MARGIN + 160, MARGIN + 10)
    draw.rectangle(band, fill=ACCENT)
    draw_line(draw, MARGIN + 28, translate(reader, _("Public consultation")), font(34, bold=True), MUTED, rtl)
    title_face = font(60, bold=True)
    y = MARGIN + 110
    for line in wrap(title, title_face, WIDTH - 2 * MARGIN, rtl, max_lines=4):
        draw_line(draw, y, line, title_face, FOREGROUND, rtl)
        y += 86
    footer_face = font(34)
    draw_line(draw, HEIGHT - MARGIN - 100, draft.agency.name(language), font(38, bold=True), ACCENT, rtl)
    if draft.opens_at is not None and draft.closes_at is not None:
        period = translate(reader, _("${start} to ${end}", mapping={
            "start": format_date(draft.opens_at, language), "end": format_date(draft.last_day(), language)}))
        draw_line(draw, HEIGHT - MARGIN - 44, localize_digits(period, language), footer_face, MUTED, rtl)
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()
