"""The report as a PDF (S4), made with WeasyPrint from the same data as the page: right-to-left Persian with
the Vazirmatn font embedded, Persian digits and page numbers and Jalali dates in fa; English in en."""

from importlib.resources import files

from pyramid.renderers import render


def font_folder() -> str:
    return str(files("eparticipation").joinpath("static/vendor/vazirmatn"))


def render_pdf(request, data: dict) -> bytes:
    from weasyprint import HTML

    html = render("reports/pdf.jinja2", {**data, "font_folder": font_folder()}, request=request)
    return HTML(string=html, base_url=font_folder() + "/").write_pdf()
