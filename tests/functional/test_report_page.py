"""The report as people read it: a cover and a summary first, then the concerns, the figures (pyramid, tile map,
categories, articles) each with its table folded beneath, the decisions and the accepted proposals; the same
in the PDF, with its contents and page numbers in the page's digits. Suppressed cells stay «< 5» in every
figure."""

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from eparticipation.geography import provinces
from eparticipation.reports import services
from eparticipation.reports.charts import tiles

from ..conftest import NOW
from ..factories import make_agency, make_user
from ..report_seed import ACCEPTED_REASON, PARTIAL_REASON, REJECTED_REASON, seed_reported_consultation
from .test_reports import build_reports, report_of

BIDI_MARKS = re.compile("[\u202a-\u202e\u200c]")  # pdftotext's embedding marks, and zero-width non-joiners
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
SECTIONS = ["cover", "contents-heading", "summary", "concerns", "numbers", "pyramid", "provinces", "categories",
            "articles", "decisions", "proposals", "breakdowns", "tables"]  # the seed has a survey


@pytest.fixture
def published(dbsession, testapp):
    agency = make_agency(dbsession, code="finance")
    editor = make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    draft = seed_reported_consultation(dbsession, agency, NOW, editor)
    services.request_build(dbsession, draft, NOW)
    dbsession.flush()
    assert build_reports(testapp, dbsession) == 1
    return draft


def table_of(report, table_id):
    return next(t for t in report.statistics["tables"] if t["id"] == table_id)


def shown(value, language):
    """How the page writes a published count, or a suppressed one."""
    if value is None:
        return "< ۵" if language == "fa" else "< 5"
    return str(value).translate(PERSIAN) if language == "fa" else str(value)


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_cover_and_summary_come_before_the_figures_and_tables(testapp, published, language):
    page = testapp.get(f"/consultations/{published.id}/report/?_LOCALE_={language}")  # public once published
    html = page.text
    positions = [html.index(f'id="{name}"') for name in SECTIONS]
    assert positions == sorted(positions)
    assert html.index('id="summary"') < html.index("<table")
    # Each figure's numbers are folded beneath it, not beside it.
    for figure in ("pyramid", "provinces", "categories"):
        section = page.html.find(id=figure)
        assert section.select_one("details > summary") is not None
        assert section.select_one("details table") is not None
    summary = page.html.find(id="summary")
    figures = {dt.get_text(strip=True): dd.get_text(strip=True)
               for dt, dd in zip(summary.select("dt"), summary.select("dd"))}
    participants = "مشارکت‌کنندگان" if language == "fa" else "Participants"
    accepted = "پذیرفته شد" if language == "fa" else "Accepted"
    assert figures[participants] == shown(46, language)
    assert accepted in figures
    changed = summary.get_text(" ", strip=True)
    assert ("۱، ۲" if language == "fa" else "1, 2") in changed  # what changed: articles 1 and 2 of the final text
    contents = [a["href"] for a in page.html.select("nav.report-contents a")]
    assert contents == [f"#{name}-heading" for name in SECTIONS[2:]]
    assert all(page.html.find(id=href[1:]) is not None for href in contents)
    # Subsections are listed inside their section's item: the sections' numbers run 1, 2, 3… without gaps.
    numbered = page.html.select("nav.report-contents > ol > li")
    assert [li.a["href"] for li in numbered] == [f"#{name}-heading" for name in SECTIONS[2:]
                                                 if name not in ("pyramid", "provinces", "categories")]
    who = next(li for li in numbered if li.a["href"] == "#numbers-heading")
    assert [a["href"] for a in who.select("ul a")] == ["#pyramid-heading", "#provinces-heading", "#categories-heading"]


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_pyramid_shows_each_cell_as_the_table_publishes_it(testapp, dbsession, published, language):
    report = report_of(dbsession, published)
    cross = table_of(report, "participants_by_age_band_gender")
    assert None in [cell for row in cross["cells"] for cell in row]  # some cells are below k
    page = testapp.get(f"/consultations/{published.id}/report/?_LOCALE_={language}")
    pyramid = page.html.select_one(".report-pyramid")
    assert pyramid["role"] == "img" and pyramid.get("aria-label")
    assert not pyramid.select("svg text")  # labels are HTML text
    rows = pyramid.select(".pyramid-row:not(.pyramid-head)")
    keys = [key for key in cross["row_keys"] if key != "undisclosed"][::-1]  # oldest on top
    assert len(rows) == len(keys)
    female, male = cross["column_keys"].index("female"), cross["column_keys"].index("male")
    for row, key in zip(rows, keys):
        cells = cross["cells"][cross["row_keys"].index(key)]
        values = [v.get_text(strip=True) for v in row.select(".pyramid-value")]
        assert values == [shown(cells[female], language), shown(cells[male], language)]
    # The pyramid's margins are the age and gender tables' cells: what one hides the other hides.
    ages = table_of(report, "participants_by_age_band")
    assert [row[0] for row in ages["cells"]] == cross["row_totals"]
    genders = table_of(report, "participants_by_gender")
    assert [row[0] for row in genders["cells"]] == cross["column_totals"]


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_tile_map_places_every_province_and_hides_small_counts(testapp, published, language):
    page = testapp.get(f"/consultations/{published.id}/report/?_LOCALE_={language}")
    grid = page.html.select_one(".report-tiles")
    assert grid["dir"] == "ltr"  # west on the left in Persian too: a map is not mirrored
    cells = grid.find_all("div", recursive=False)
    assert len(cells) == 6 * 7
    placed = {(n // 7 + 1, n % 7 + 1): cell for n, cell in enumerate(cells)}
    names = {p.code: p.name(language) for p in provinces()}
    for tile in tiles():
        cell = placed[(tile.row, tile.column)]
        assert cell["title"] == names[tile.code]
    value = {cell["title"]: cell.select_one(".tile-value").get_text(strip=True)
             for cell in cells if cell.get("title")}
    tehran, isfahan, gilan, yazd, qom = (names[c] for c in ("IR-23", "IR-10", "IR-01", "IR-21", "IR-25"))
    assert value[tehran] == shown(16, language) and value[isfahan] == shown(9, language)
    assert value[gilan] == value[yazd] == shown(None, language)  # 2 and 1 people: below k
    assert value[qom] == shown(0, language)
    assert "tile-hidden" in placed[(2, 3)]["class"]  # Gilan
    table = page.html.select_one("#provinces details table")
    assert len(table.select("tbody tr")) == 33


@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_accepted_proposals_list_what_they_changed(testapp, published, language):
    page = testapp.get(f"/consultations/{published.id}/report/?_LOCALE_={language}")
    items = page.html.select("#proposals .report-proposal")
    assert len(items) == 2
    first, second = (item.get_text(" ", strip=True) for item in items)
    assert ACCEPTED_REASON in first and PARTIAL_REASON in second
    assert REJECTED_REASON not in page.html.find(id="proposals").get_text()
    changed = "تغییر در متن نهایی: ۱" if language == "fa" else "Changed in the final text: 1"
    assert changed in first
    assert ("قانون محاسبات عمومی کشور") in second  # a partial refusal names its legal basis
    decisions = page.html.select_one("#decisions details table")
    assert decisions is not None


def pdf_pages(testapp, draft, language) -> list[str]:
    pdf = testapp.get(f"/consultations/{draft.id}/report/report.pdf?lang={language}").body
    reader = PdfReader(io.BytesIO(pdf))
    texts = []
    for number in range(1, len(reader.pages) + 1):
        text = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), "-", "-"], input=pdf,
                              capture_output=True, check=True).stdout.decode()
        texts.append(BIDI_MARKS.sub("", text))
    return texts


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("language", ["fa", "en"])
def test_the_pdf_has_a_contents_with_the_pages_in_the_pages_digits(testapp, published, language):
    pages = pdf_pages(testapp, published, language)
    assert len(pages) >= 6
    contents = pages[0]
    titles = {"fa": ["دغدغههای اصلی", "چه کسانی مشارکت کردند", "پیشنهادهای پذیرفتهشده"],
              "en": ["Key concerns", "Who took part", "Accepted and partially accepted proposals"]}[language]
    digits = "[۰-۹]+" if language == "fa" else "[0-9]+"
    for title in titles:
        line = next(line for line in contents.splitlines() if title in line)
        found = re.findall(digits, line)
        assert found, line
        number = int(found[-1].translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")))
        # The section's heading is on the page the contents give (pdftotext may write RTL digits reversed).
        candidates = {number, int(str(number)[::-1])}
        assert any(title in pages[n - 1] for n in candidates if 1 < n <= len(pages)), (title, number)
        if language == "en":
            assert not re.search("[۰-۹]", line)
    for number, text in enumerate(pages, start=1):  # each page's number at its foot, in the page's digits
        footer = str(number).translate(PERSIAN) if language == "fa" else str(number)
        lines = [line.strip() for line in text.splitlines()]  # pdftotext may put the foot before a table's end
        assert footer in lines or footer[::-1] in lines, number


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_figures_read_in_persian(testapp, published):
    """The pyramid's, the tile map's and the proposals' words are text WeasyPrint shapes: they come out of the
    PDF in logical order, never reversed."""
    text = "\n".join(pdf_pages(testapp, published, "fa"))
    for label in ("زن", "مرد", "تهران", "اصفهان", "خوزستان", "پذیرفته شد"):
        assert label in text, label
    for word in ("تهران", "اصفهان", "خوزستان", "پذیرفته"):
        assert word[::-1] not in text, word
    assert re.search("[<>] ?۵|۵ ?[<>]", text)  # the suppressed cells, in whichever order pdftotext writes them
