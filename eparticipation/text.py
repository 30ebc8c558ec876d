"""Persian-aware text normalisation, for search and for grouping comments.

Persian is typed on many keyboards: Arabic ي/ك instead of Persian ی/ک, three sets of digits, optional
diacritics, kashida for justification, zero-width non-joiners that some people type and others do not,
and, in text copied from old PDFs, Arabic presentation forms. `normalise` maps all these variants to
one form, so that `normalise(query) in normalise(text)`. It is applied to the stored text (a normalised
column, searched on an index: search.py) and to the query, so it must be deterministic and idempotent.

Invisible joiners vanish, real spaces stay: "می‌شود" (with ZWNJ) and "میشود" normalise to the same
string, "می شود" (with a space) does not. A ZWNJ is a word-internal mark that writers use
inconsistently; a space separates words, and joining words would make search match across them.
"""

import re
import unicodedata

# Invisible format characters: zero-width space/non-joiner/joiner, LRM/RLM, byte-order mark, soft hyphen,
# word joiner, and the bidi embeddings/isolates that text pasted from word processors carries.
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\ufeff\u00ad\u2060\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_REMOVE_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE))

_LETTERS = {
    "ي": "ی",  # Arabic yeh
    "ى": "ی",  # alef maksura
    "ئ": "ی",  # yeh with hamza above
    "ك": "ک",  # Arabic kaf
    "ة": "ه",  # teh marbuta
    "ۀ": "ه",  # heh with yeh above (ezafe)
    "ە": "ه",  # ae: what a decomposed ۀ leaves once its hamza is gone
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",  # so that "آیین" matches "ایین"
    "ٱ": "ا",  # alef wasla
    "ؤ": "و",
}
_DIGITS = {chr(0x06F0 + i): str(i) for i in range(10)} | {chr(0x0660 + i): str(i) for i in range(10)}
# Harakat and other Arabic combining marks (including the hamza above of "ه\u0654"), superscript alef, tatweel.
_MARKS = [chr(c) for c in range(0x064B, 0x0660)] + ["\u0670", "\u0640"]

_TABLE = str.maketrans(_LETTERS | _DIGITS) | dict.fromkeys(map(ord, _MARKS)) | _REMOVE_INVISIBLE


def normalise(text: str) -> str:
    """The search form of `text`: Persian letter and digit variants unified, marks and invisible joiners
    removed, Latin case-folded, whitespace collapsed to single spaces and stripped.

    Steps, in an order that makes the result idempotent:
    1. invisible marks go first, so they cannot keep a letter apart from its combining mark;
    2. NFKC (presentation forms → base letters, NBSP and other spaces → space, fullwidth → ASCII), casefold;
    3. letters, digits and marks mapped or removed (see the tables above);
    4. NFC again, in case removing a mark brought a letter and its accent together;
    5. whitespace runs (spaces, tabs, newlines) → one space, stripped.
    """
    text = text.translate(_REMOVE_INVISIBLE)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFC", text.translate(_TABLE))
    return " ".join(text.split())


_WORD = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """The words of `text` once normalised: runs of letters and digits (Persian included); everything
    else, punctuation and underscores too, separates words."""
    return _WORD.findall(normalise(text))


# A query is cut to this many distinct words of at most this many characters: enough for any real search, and a
# bound on the statement a hostile query can make.
SEARCH_TERMS_MAX = 8
SEARCH_TERM_LENGTH_MAX = 64


def search_terms(query: str) -> list[str]:
    """The distinct normalised words of a search query, in the order typed (see `tokens`): punctuation, `%`,
    `_`, quotes and control characters separate words and are never searched for themselves."""
    terms = []
    for word in tokens(query):
        word = word[:SEARCH_TERM_LENGTH_MAX]
        if word not in terms:
            terms.append(word)
    return terms[:SEARCH_TERMS_MAX]
