"""Import the text of a draft legal document (pasted, or uploaded as .docx) into articles for review.

Persian drafting conventions are recognised line by line; a heading always starts its line:

    پیش‌نویس آیین‌نامه ...          title (the first line, when it is not a heading)
    فصل اول – کلیات                 chapter (فصل + ordinal word or number, optional dash/colon + title)
    ماده ۱ – تعاریف                 article (ماده + number, or «ماده واحده»; optional dash/colon + heading)
    تبصره ۱ – ...                   note of the article above (تبصره, optional number, dash/colon + text)

Lines between the title and the first article are the preamble. Keywords are matched tolerantly:
Arabic ي/ك/ى for ی/ک, zero-width (non-)joiners and kashidas inside them, any digits, any dash.
A text with no article heading at all falls back to one article per paragraph (`structured=False`).
Nothing here writes to the database: the editor reviews the result, and `problems` says what to check.
"""

import io
import re
from dataclasses import dataclass, field
from itertools import groupby

import docx
from pyramid.i18n import TranslationString

from eparticipation.files import ArchiveLimits, check_archive
from eparticipation.i18n import _

# Problems for the reviewer, as translation strings (shown in the editor's language).
EMPTY_DOCUMENT = _("The document has no text.")
DUPLICATE_ARTICLE = _("Article ${number} appears more than once.")
NUMBERING_GAP = _("Article numbering jumps from ${previous} to ${number}.")
NUMBERING_START = _("Article numbering starts at ${number} instead of 1.")
NUMBERING_ORDER = _("Article ${number} comes after article ${previous}; the numbering is out of order.")
MISSING_NUMBER = _("An article heading has no number; it was imported as article ${number}.")
NOTE_OUTSIDE_ARTICLE = _("A note (تبصره) comes before any article; it was added to the preamble: “${excerpt}”.")
TEXT_OUTSIDE_ARTICLE = _(
    "Text under “${chapter}” comes before the chapter's first article; it was added to the preamble: “${excerpt}”."
)
NOT_A_DOCX = _("The file is not a readable Word document (.docx).")


def problem(message: TranslationString, **mapping) -> TranslationString:
    return TranslationString(message, mapping=mapping)


EXCERPT_LENGTH = 40
TITLE_MAX_LENGTH = 200

# Characters a typist may put inside or after a keyword: kashida, ZWNJ, ZWJ.
_JOINERS = "[\u0640\u200c\u200d]*"
# Letters typed in their Arabic form (ي ك ى) or with a different final form of ه.
_VARIANTS = {"ی": "[یيى]", "ک": "[کك]", "ه": "[هةۀ]"}


def _word(word: str) -> str:
    """A regex for a Persian word, tolerant of letter variants and of joiners/kashidas between letters."""
    return _JOINERS.join(_VARIANTS.get(letter, re.escape(letter)) for letter in word.replace("\u200c", "")) + _JOINERS


_UNIT_ORDINALS = "یکم اول نخست دوم سوم چهارم پنجم ششم هفتم هشتم نهم".split()
_TEEN_ORDINALS = "دهم یازدهم دوازدهم سیزدهم چهاردهم پانزدهم شانزدهم هفدهم هجدهم هیجدهم نوزدهم".split()
_TENS = "بیست سی چهل پنجاه".split()
# An ordinal word: "اول", "سیزدهم", "بیستم", "سی‌ام", "بیست و یکم".
_ORDINAL = "(?:{compound}|{single})".format(
    compound="(?:{})\\s+{}\\s+(?:{})".format(
        "|".join(map(_word, _TENS)), _word("و"), "|".join(map(_word, _UNIT_ORDINALS))
    ),
    single="|".join(
        map(_word, _TEEN_ORDINALS + _UNIT_ORDINALS + ["بیستم", "سی‌ام", "چهلم", "پنجاهم"])
    ),
)
# A number in Persian (۰-۹), Arabic-Indic (٠-٩) or Latin digits; a longer run is not a heading.
_NUMBER = "[0-9\u06f0-\u06f9\u0660-\u0669]{1,6}"
# What separates a number from the title: a dash of any kind (kashida included) or a colon.
_SEPARATOR = "[-\u2010-\u2015\u2212\u0640:：]"

# Chapter: "فصل اول – کلیات", "فصل ۲ - تعاریف", "فصل 3: اعتبار", "فصل دوم".
CHAPTER_RE = re.compile(rf"^{_word('فصل')}\s*(?:{_ORDINAL}|{_NUMBER})\s*(?:{_SEPARATOR}\s*(?P<title>.*))?$")
# Article: "ماده ۱ – تعاریف", "ماده 1- تعاریف", "ماده ۱۲:", "ماده ۳", "ماده ۱ ـ", "ماده واحده", "ماده – ...".
# After the number only a separator or the end of the line may follow, so "ماده ۵ قانون ..." is body text.
ARTICLE_RE = re.compile(
    rf"^{_word('ماده')}\s*(?:(?P<number>{_NUMBER})|(?P<single>{_word('واحده')}))?"
    rf"\s*(?:{_SEPARATOR}\s*(?P<heading>.*))?$"
)
# Note: "تبصره ۱ – ...", "تبصره 2- ...", "تبصره – ...", "تبصره:", "تبصره ۳".
NOTE_RE = re.compile(rf"^{_word('تبصره')}\s*(?:{_NUMBER})?\s*(?:{_SEPARATOR}\s*(?P<text>.*))?$")
# Spaces that are not plain spaces (NBSP, narrow NBSP) become plain spaces.
_ODD_SPACES_RE = re.compile("[\u00a0\u202f]")
# What to strip from both ends of a line: whitespace, BOM, bidi marks and zero-width characters.
_LINE_EDGES = " \t\r\n\f\v\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
# The end of a sentence: such a first line is not a title.
_SENTENCE_END = (".", "!", "?", "؟", ":", "…")


class NotADocument(ValueError):
    """The uploaded bytes are not a readable .docx document."""


@dataclass
class ImportedArticle:
    number: str  # Latin digits: "1", "12"
    heading: str  # the text after the dash on the heading line; "" if none
    text: str  # the body lines, joined with "\n"
    notes: list[str] = field(default_factory=list)  # each note's text without its "تبصره ۱ –" prefix
    chapter: str | None = None  # the whole chapter line, e.g. "فصل اول – کلیات"; None without chapters


@dataclass
class ImportResult:
    title: str | None
    articles: list[ImportedArticle]
    chapters: list[str]
    problems: list[str]  # English sentences for the reviewer
    structured: bool  # article headings were found
    preamble: str = ""  # structured text between the title and the first article


@dataclass
class _Draft:
    """An article while it is being read: body lines, and the lines of each note."""

    number: int | None
    heading: str
    chapter: int | None  # index into the chapter titles
    lines: list[str] = field(default_factory=list)
    notes: list[list[str]] = field(default_factory=list)


def _clean(line: str) -> str:
    return _ODD_SPACES_RE.sub(" ", line).strip(_LINE_EDGES)


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH].rstrip() + "…"


def _is_heading(line: str) -> bool:
    return any(regex.match(line) for regex in (CHAPTER_RE, ARTICLE_RE, NOTE_RE))


def parse_text(text: str) -> ImportResult:
    """Recognise title, chapters, articles and notes in a pasted text."""
    all_lines = [_clean(line) for line in text.splitlines()]
    lines = [line for line in all_lines if line]
    if not lines:
        return ImportResult(None, [], [], [EMPTY_DOCUMENT], structured=False)

    title = None if _is_heading(lines[0]) else lines[0]
    chapters: list[str] = []
    drafts: list[_Draft] = []
    preamble: list[str] = []
    problems: list[str] = []
    target = preamble  # where body lines go: the preamble, an article's lines or a note's lines
    untitled_chapter = False  # the last line was "فصل اول" alone: the next line may be its title
    seen: set[int] = set()
    previous = None  # the last explicit article number

    for line in lines[1:] if title is not None else lines:
        if match := CHAPTER_RE.match(line):
            chapters.append(line)
            untitled_chapter = not match["title"]
            target = preamble
            continue
        if untitled_chapter and not _is_heading(line):
            # "فصل اول" on one line and "کلیات" on the next: one chapter title.
            chapters[-1] = f"{chapters[-1]} – {line}"
            untitled_chapter = False
            continue
        untitled_chapter = False
        if match := ARTICLE_RE.match(line):
            number = 1 if match["single"] else int(match["number"]) if match["number"] else None
            if number is not None:
                if number in seen:
                    problems.append(problem(DUPLICATE_ARTICLE, number=number))
                elif previous is None and number != 1:
                    problems.append(problem(NUMBERING_START, number=number))
                elif previous is not None and number > previous + 1:
                    problems.append(problem(NUMBERING_GAP, previous=previous, number=number))
                elif previous is not None and number < previous:
                    problems.append(problem(NUMBERING_ORDER, previous=previous, number=number))
                seen.add(number)
                previous = number
            drafts.append(_Draft(number, match["heading"] or "", len(chapters) - 1 if chapters else None))
            target = drafts[-1].lines
        elif match := NOTE_RE.match(line):
            if target is preamble:
                problems.append(problem(NOTE_OUTSIDE_ARTICLE, excerpt=_excerpt(line)))
                preamble.append(line)
            else:
                target = [match["text"]] if match["text"] else []
                drafts[-1].notes.append(target)
        else:
            if target is preamble and drafts:
                problems.append(problem(TEXT_OUTSIDE_ARTICLE, chapter=chapters[-1], excerpt=_excerpt(line)))
            target.append(line)

    if not drafts:
        return _paragraphs(all_lines)

    # Headings without a number get the next number that no article uses.
    last = 0
    for draft in drafts:
        if draft.number is None:
            draft.number = last + 1
            while draft.number in seen:
                draft.number += 1
            seen.add(draft.number)
            problems.append(problem(MISSING_NUMBER, number=draft.number))
        last = draft.number

    articles = [
        ImportedArticle(
            number=str(draft.number),
            heading=draft.heading,
            text="\n".join(draft.lines),
            notes=["\n".join(note) for note in draft.notes],
            chapter=None if draft.chapter is None else chapters[draft.chapter],
        )
        for draft in drafts
    ]
    problems = list(dict.fromkeys(problems))  # an article number used three times is reported once
    return ImportResult(title, articles, chapters, problems, structured=True, preamble="\n".join(preamble))


def _paragraphs(lines: list[str]) -> ImportResult:
    """The fallback for prose: one article per paragraph (separated by blank lines; else one per line)."""
    paragraphs = ["\n".join(block) for filled, block in groupby(lines, key=bool) if filled]
    if len(paragraphs) == 1:
        paragraphs = paragraphs[0].split("\n")
    title = None
    first_line, _, rest = paragraphs[0].partition("\n")
    if len(paragraphs) > 1 and len(first_line) < TITLE_MAX_LENGTH and not first_line.endswith(_SENTENCE_END):
        title = first_line
        paragraphs = ([rest] if rest else []) + paragraphs[1:]
    articles = [ImportedArticle(str(n), "", paragraph) for n, paragraph in enumerate(paragraphs, start=1)]
    return ImportResult(title, articles, [], [], structured=False)


def read_docx(data: bytes, limits: ArchiveLimits = ArchiveLimits()) -> str:
    """The text of a .docx: its paragraphs joined with "\\n" (tables, headers and footers are left out). An
    archive that would expand past `limits` is refused (ArchiveRefused) before python-docx opens it."""
    check_archive(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        return "\n".join(paragraph.text for paragraph in document.paragraphs)
    except Exception as error:  # python-docx fails in many ways (zip, XML, missing parts, wrong type)
        raise NotADocument(NOT_A_DOCX) from error


def parse_docx(data: bytes) -> ImportResult:
    return parse_text(read_docx(data))
