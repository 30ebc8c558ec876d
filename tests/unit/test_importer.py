"""The importer of draft legal documents: Persian structure from pasted text and from .docx files."""

import io
import random
import zipfile
from pathlib import Path

import docx
import pytest

from eparticipation.consultations.importer import (
    DUPLICATE_ARTICLE,
    MISSING_NUMBER,
    NUMBERING_GAP,
    ImportedArticle,
    NotADocument,
    parse_docx,
    parse_text,
    problem,
    read_docx,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def make_docx(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# The samples


def test_bylaw_sample_structure():
    result = parse_text(fixture("bylaw-certificates.fa.txt"))

    assert result.structured
    assert result.title == "پیش‌نویس آیین‌نامه اجرایی صدور گواهی مشارکت الکترونیکی"
    assert result.chapters == ["فصل اول – کلیات", "فصل دوم – شرایط صدور گواهی", "فصل سوم – اعتبار و استعلام"]
    assert [article.number for article in result.articles] == ["1", "2", "3", "4", "5", "6", "7"]
    assert [len(article.notes) for article in result.articles] == [0, 1, 2, 0, 0, 1, 0]
    assert result.problems == []
    assert result.preamble == ""


def test_bylaw_sample_articles():
    articles = parse_text(fixture("bylaw-certificates.fa.txt")).articles

    first = articles[0]
    assert first.heading == "تعاریف"
    assert first.chapter == "فصل اول – کلیات"
    lines = first.text.split("\n")
    assert lines[0] == "در این آیین‌نامه اصطلاحات زیر در معانی مشروح به کار می‌روند:"
    assert [line.split(" – ")[0] for line in lines[1:]] == ["الف", "ب", "ج"]
    assert lines[1] == "الف – سامانه: سامانه مشارکت الکترونیکی دستگاه اجرایی."

    assert articles[1].notes == [
        "فراخوان‌هایی که پیش از لازم‌الاجرا شدن این آیین‌نامه بسته شده‌اند مشمول این آیین‌نامه نیستند."
    ]
    assert articles[1].text == "این آیین‌نامه در مورد تمامی فراخوان‌های مشارکت منتشرشده در سامانه اجرا می‌شود."
    assert articles[2].chapter == "فصل دوم – شرایط صدور گواهی"
    assert articles[2].notes[1].startswith("امتیاز هر مشارکت‌کننده")
    assert "تبصره" not in articles[2].text
    # The unnumbered single note ("تبصره – ...").
    assert articles[5].notes == ["مشارکت‌کننده می‌تواند ظرف ده روز از تاریخ ابطال، اعتراض خود را در سامانه ثبت کند."]
    last = articles[6]
    assert (last.number, last.heading, last.chapter) == ("7", "لازم‌الاجرا شدن", "فصل سوم – اعتبار و استعلام")
    # "... در ۷ ماده و ۴ تبصره ..." mid-sentence is body text.
    assert last.text == "این آیین‌نامه در ۷ ماده و ۴ تبصره پس از تصویب و ابلاغ لازم‌الاجرا است."


def test_directive_sample_is_prose():
    result = parse_text(fixture("directive-eparticipation.fa.txt"))

    assert not result.structured
    assert result.title == "سند نهادینهسازی مشارکت الکترونیکی در دستگاههای اجرایی"
    assert len(result.articles) == 5
    assert [article.number for article in result.articles] == ["1", "2", "3", "4", "5"]
    assert all(article.heading == "" and article.notes == [] and article.chapter is None for article in result.articles)
    assert result.articles[0].text.startswith("این سند با هدف ایجاد چارچوب مدیریتی منسجم")
    assert result.articles[4].text.endswith("نظام رتبهبندی و امتیازدهی شهروند دیجیتال را طراحی نماید.")
    assert result.chapters == []
    assert result.problems == []


def test_english_call_is_prose_with_a_title():
    result = parse_text(fixture("bylaw-certificates.call.en.txt"))

    assert not result.structured
    assert result.title == "Call for public comment: Draft executive bylaw on e-participation certificates"
    assert len(result.articles) == 1
    assert result.articles[0].text.endswith("Every comment will receive a documented response.")


# Headings


@pytest.mark.parametrize(
    "line, number, heading",
    [
        ("ماده ۱ – تعاریف", "1", "تعاریف"),
        ("ماده 1- تعاریف", "1", "تعاریف"),
        ("ماده ۱۲:", "12", ""),
        ("ماده ۳", "3", ""),
        ("ماده ۱ ـ", "1", ""),
        ("ماده ۱ — تعاریف", "1", "تعاریف"),
        ("ماده ۱ ـ تعاریف", "1", "تعاریف"),
        ("ماده١٠: تعاریف", "10", "تعاریف"),
        ("  ماده\u00a0۱\u00a0–\u00a0تعاریف  ", "1", "تعاریف"),
        ("مـاده ۱ – تعاریف", "1", "تعاریف"),  # kashida inside the keyword
        ("ماده\u200c ۱ – تعاریف", "1", "تعاریف"),  # trailing ZWNJ
        ("\u200fماده ۱ – تعاریف", "1", "تعاریف"),  # a right-to-left mark from a word processor
        ("ماده واحده", "1", ""),
        ("ماده واحده –", "1", ""),
    ],
)
def test_article_headings(line, number, heading):
    [article] = parse_text(f"{line}\nمتن ماده.").articles

    assert (article.number, article.heading, article.text) == (number, heading, "متن ماده.")


def test_mixed_digits_in_one_document():
    result = parse_text("ماده 1 – الف\nیک\nماده ۲ – ب\nدو\nماده ٣ – ج\nسه")

    assert [(a.number, a.heading, a.text) for a in result.articles] == [
        ("1", "الف", "یک"),
        ("2", "ب", "دو"),
        ("3", "ج", "سه"),
    ]
    assert result.problems == []


def test_single_article_law():
    result = parse_text("قانون الحاق یک تبصره\n\nماده واحده – متن\nبند اول.\nتبصره – استثنا.")

    assert result.title == "قانون الحاق یک تبصره"
    assert result.articles == [ImportedArticle("1", "متن", "بند اول.", ["استثنا."], None)]
    assert result.problems == []


def test_article_word_mid_sentence_is_not_a_heading():
    text = (
        "ماده ۱ – اجرا\n"
        "طبق ماده ۵ قانون مدیریت خدمات کشوری اقدام می‌شود.\n"
        "ماده ۵ قانون یادشده نیز رعایت می‌شود.\n"
        "ماده‌ای که ..."
    )

    result = parse_text(text)

    assert len(result.articles) == 1
    assert result.articles[0].text.split("\n") == text.split("\n")[1:]


def test_a_very_long_number_is_not_a_heading():
    result = parse_text("ماده ۱ – الف\nماده " + "۹" * 5000 + " – ب")

    assert len(result.articles) == 1


def test_windows_line_endings():
    result = parse_text("عنوان\r\n\r\nفصل اول – کلیات\r\n\r\nماده ۱ – تعاریف\r\nمتن\r\nتبصره ۱ – یادداشت\r\n")

    assert result.title == "عنوان"
    assert result.chapters == ["فصل اول – کلیات"]
    assert result.articles == [ImportedArticle("1", "تعاریف", "متن", ["یادداشت"], "فصل اول – کلیات")]


def test_arabic_letters_kashida_and_zwnj_in_keywords():
    text = "فصل يكم – كليات\nماده ۱ – الف\nمتن\nتبـصره ۱ – یک\nتبصره‌ ۲: دو\nفصل سيزدهم: پایان\nماده ۲\nمتن دو"

    result = parse_text(text)

    assert result.title is None
    assert result.chapters == ["فصل يكم – كليات", "فصل سيزدهم: پایان"]
    assert [(a.number, a.notes, a.chapter) for a in result.articles] == [
        ("1", ["یک", "دو"], "فصل يكم – كليات"),
        ("2", [], "فصل سيزدهم: پایان"),
    ]


@pytest.mark.parametrize(
    "line", ["فصل اول – کلیات", "فصل ۲ - تعاریف", "فصل 3: اعتبار", "فصل دهم", "فصل بیست و یکم – پایانی", "فصل سی‌ام"]
)
def test_chapter_headings(line):
    result = parse_text(f"{line}\nماده ۱ – الف\nمتن")

    assert result.chapters == [line]
    assert result.articles[0].chapter == line


def test_chapter_title_on_the_next_line():
    result = parse_text("فصل اول\nکلیات\nماده ۱ – تعاریف\nمتن")

    assert result.chapters == ["فصل اول – کلیات"]
    assert result.articles[0].chapter == "فصل اول – کلیات"
    assert result.articles[0].text == "متن"


def test_dashes_at_the_edges_of_body_lines_are_kept():
    [article] = parse_text("ماده ۱ – الف\n- بند یک\nبند دو -").articles

    assert article.text == "- بند یک\nبند دو -"


def test_note_forms_and_multiline_notes():
    text = "ماده ۱ – الف\nمتن\nتبصره 2- دوم\nتبصره:\nخط اول\nخط دوم\nتبصره ۳\nسوم"

    [article] = parse_text(text).articles

    assert article.text == "متن"
    assert article.notes == ["دوم", "خط اول\nخط دوم", "سوم"]


def test_preamble_between_title_and_first_article():
    result = parse_text("عنوان\n\nمقدمه یک.\nمقدمه دو.\n\nفصل اول – کلیات\nماده ۱ – الف\nمتن")

    assert result.title == "عنوان"
    assert result.preamble == "مقدمه یک.\nمقدمه دو."
    assert result.articles[0].text == "متن"


# Problems


def test_missing_number_is_reported_and_generated():
    result = parse_text("ماده ۱ – الف\nیک\nماده – ب\nدو\nماده ۲ – ج\nسه")

    assert [(a.number, a.heading, a.text) for a in result.articles] == [
        ("1", "الف", "یک"),
        ("3", "ب", "دو"),
        ("2", "ج", "سه"),
    ]
    assert result.problems == [problem(MISSING_NUMBER, number=3)]


def test_duplicate_numbers_are_reported():
    result = parse_text("ماده ۱ – الف\nماده ۲ – ب\nماده ۲ – ج\nماده ۳ – د")

    assert [a.number for a in result.articles] == ["1", "2", "2", "3"]
    assert [p.interpolate() for p in result.problems] == ["Article 2 appears more than once."]
    assert result.problems == [problem(DUPLICATE_ARTICLE, number=2)]


def test_gap_in_numbering_is_reported():
    result = parse_text("ماده ۱ – الف\nماده ۲ – ب\nماده ۴ – د")

    assert [a.number for a in result.articles] == ["1", "2", "4"]
    assert result.problems == [problem(NUMBERING_GAP, previous=2, number=4)]
    assert "2" in result.problems[0].interpolate() and "4" in result.problems[0].interpolate()


def test_numbering_that_does_not_start_at_one_or_goes_back_is_reported():
    result = parse_text("ماده ۲ – ب\nماده ۳ – ج\nماده ۱ – الف")

    assert [p.interpolate() for p in result.problems] == [
        "Article numbering starts at 2 instead of 1.",
        "Article 1 comes after article 3; the numbering is out of order.",
    ]


def test_note_before_any_article_is_reported_and_kept():
    result = parse_text("عنوان\nتبصره – یادداشت سرگردان.\nماده ۱ – الف\nمتن")

    assert len(result.problems) == 1
    assert result.problems[0].interpolate().startswith("A note (تبصره) comes before any article")
    assert result.preamble == "تبصره – یادداشت سرگردان."
    assert result.articles[0].notes == []


def test_text_between_a_chapter_and_its_first_article_is_reported_and_kept():
    result = parse_text("فصل اول – کلیات\nماده ۱ – الف\nمتن\nفصل دوم – اجرا\nتوضیح فصل.\nماده ۲ – ب\nمتن دو")

    assert result.articles[0].text == "متن"
    assert result.preamble == "توضیح فصل."
    assert [p.interpolate() for p in result.problems] == [
        "Text under “فصل دوم – اجرا” comes before the chapter's first article;"
        " it was added to the preamble: “توضیح فصل.”."
    ]


# Fallback


def test_lines_without_blank_lines_become_one_article_each():
    result = parse_text("عنوان دستورالعمل\nبند اول.\nبند دوم.")

    assert not result.structured
    assert result.title == "عنوان دستورالعمل"
    assert [(a.number, a.text) for a in result.articles] == [("1", "بند اول."), ("2", "بند دوم.")]


def test_a_first_line_ending_with_a_period_is_not_a_title():
    result = parse_text("جمله اول.\n\nجمله دوم.")

    assert result.title is None
    assert [a.text for a in result.articles] == ["جمله اول.", "جمله دوم."]


def test_empty_text():
    result = parse_text(" \n\u200c\n")

    assert (result.title, result.articles, result.structured) == (None, [], False)
    assert [p.interpolate() for p in result.problems] == ["The document has no text."]


# .docx


def test_docx_parses_like_the_text():
    text = fixture("bylaw-certificates.fa.txt")

    data = make_docx(text.split("\n"))

    assert parse_docx(data) == parse_text(text)
    assert len(parse_docx(data).articles) == 7


def test_read_docx_joins_paragraphs():
    assert read_docx(make_docx(["ماده ۱ – تعاریف", "", "متن"])) == "ماده ۱ – تعاریف\n\nمتن"


def zip_without_document() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        with zipfile.ZipFile(io.BytesIO(make_docx(["متن"]))) as source:
            for name in source.namelist():
                if name != "word/document.xml":
                    archive.writestr(name, source.read(name))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4 not a word document",
        random.Random(0).randbytes(1024),
        b"",
        pytest.param(zip_without_document(), id="zip-without-word-document"),
        pytest.param(make_docx(["متن"])[:500], id="truncated-docx"),
    ],
)
def test_not_a_docx(data):
    with pytest.raises(NotADocument):
        parse_docx(data)
    with pytest.raises(ValueError):
        read_docx(data)
