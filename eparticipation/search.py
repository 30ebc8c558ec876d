"""Search on an index: the one module that knows how each database searches.

Drafts (`drafts.search_text`) and comments (`comments.search_text`) keep their text normalised for Persian
(text.normalise); a query is cut into normalised words (text.search_terms) and a row matches when it contains
every word, as a substring, so the same rows match on both databases:

- PostgreSQL: `search_text LIKE '%word%'` for each word, answered by a GIN trigram index (pg_trgm's
  gin_trgm_ops serves LIKE and rechecks it, so the answer is exact); ranked by where the words first come
  (`strpos`: a title before a summary before an article).
- SQLite: an FTS5 table with the trigram tokenizer beside each table (migration search01, kept current by
  triggers), `MATCH '"word1" "word2"'`; ranked by `bm25()`.

Trigrams need words of three characters. Shorter words are checked with LIKE on the rows the longer ones
found; a query with no word that long falls back to LIKE alone (a scan, unranked); one with no word of two
characters is too short to search for. Ranked results are ordered by (score, id), both descending, and paged
with the cursor "<score>_<id>" (`cursor_of`, `parse_cursor`).

A snippet (`snippet`) is cut from the text as it was written, around the first word found, each word found in
it in <mark>, everything else escaped.
"""

import math
import re
from dataclasses import dataclass
from contextlib import contextmanager
from functools import cached_property, lru_cache

import sqlalchemy as sa
from markupsafe import Markup, escape

from eparticipation.i18n import _
from eparticipation.inputs import BadParameter
from eparticipation.text import normalise, search_terms

TRIGRAM = 3  # the shortest word the index can find
SHORTEST_WORD = 2  # shorter words are left out of a query (in Persian, "و", "ب" are in nearly every text)

NOTHING_TO_SEARCH = _("Type a word to search for: the search looks for letters and digits, not for signs.")
TOO_SHORT = _("Type a word of at least two letters to search for.")
BAD_CURSOR = _("This next-page link is not one the site gave out. Start the search again from its first page.")


@dataclass(frozen=True)
class Search:
    """A query cut into words; `problem` says why it cannot be searched for (None when it can)."""

    typed: str
    terms: tuple[str, ...]

    @classmethod
    def of(cls, query: str) -> "Search":
        return cls(query, tuple(search_terms(query)))

    @cached_property
    def indexed(self) -> tuple[str, ...]:
        return tuple(t for t in self.terms if len(t) >= TRIGRAM)

    @cached_property
    def scanned(self) -> tuple[str, ...]:
        """The words too short for the index, checked with LIKE."""
        return tuple(t for t in self.terms if SHORTEST_WORD <= len(t) < TRIGRAM)

    @property
    def words(self) -> tuple[str, ...]:
        return self.indexed + self.scanned

    @property
    def ranked(self) -> bool:
        return bool(self.indexed)

    @property
    def problem(self):
        if not self.typed.strip():
            return None  # no search at all
        if not self.terms:
            return NOTHING_TO_SEARCH
        if not self.words:
            return TOO_SHORT
        return None

    @property
    def usable(self) -> bool:
        return bool(self.words)


# What migration search01 builds beside the models' tables, which the models do not describe (an FTS5 table and
# its shadow tables, SQLite; the GIN indexes, PostgreSQL): comparisons of models and schema leave them out.
FTS_TABLES = ("drafts_search", "comments_search")
TRIGRAM_INDEXES = ("ix_drafts_search_text_trgm", "ix_comments_search_text_trgm")


def described_by_models(name, type_, parent_names) -> bool:
    """Alembic's `include_name`: False for the search index's own tables and indexes."""
    if type_ == "table":
        return not any(name == table or name.startswith(table + "_") for table in FTS_TABLES)
    if type_ == "index":
        return name not in TRIGRAM_INDEXES
    return True


def dialect_of(bind) -> str:
    """"postgresql" or "sqlite", for a Session or a Connection."""
    if isinstance(bind, sa.orm.Session):
        bind = bind.get_bind()
    return bind.dialect.name


@dataclass(frozen=True)
class Index:
    """A searched table: its normalised column, its id, and the FTS5 table beside it on SQLite."""

    column: sa.Column
    id_column: sa.Column
    fts_table: str


def drafts_index() -> Index:
    from eparticipation.consultations.models import Draft

    return Index(Draft.search_text, Draft.id, "drafts_search")


def comments_index() -> Index:
    from eparticipation.participation.models import Comment

    return Index(Comment.search_text, Comment.id, "comments_search")


def like_pattern(word: str) -> str:
    # Words are letters and digits (text.tokens), but the escape keeps this safe for any text.
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def fts_query(words) -> str:
    """An FTS5 query: every word as a quoted string (a substring, with the trigram tokenizer), all required."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def likes(index: Index, words):
    return [index.column.like(like_pattern(word), escape="\\") for word in words]


def condition(index: Index, search: Search, dialect: str):
    """WHERE the row contains every word of `search` (which must be usable), on the index where there is one."""
    if dialect == "sqlite" and search.indexed:
        found = sa.select(sa.literal_column("rowid")).select_from(sa.table(index.fts_table)).where(
            sa.literal_column(index.fts_table).op("MATCH")(fts_query(search.indexed)))
        return sa.and_(index.id_column.in_(found), *likes(index, search.scanned))
    return sa.and_(*likes(index, search.words))


def ranked(select, index: Index, search: Search, dialect: str):
    """`select` narrowed to the rows that match, and the score to order them by (higher is better): returns
    (select, score). Without a word long enough for the index the score is 0 and the order is the id's."""
    if not search.ranked:
        return select.where(condition(index, search, dialect)), sa.literal(0.0, sa.Double)
    if dialect == "sqlite":
        fts = sa.table(index.fts_table)
        hits = (
            sa.select(sa.literal_column("rowid").label("row_id"),
                      sa.literal_column(f"bm25({index.fts_table})").label("rank"))
            .select_from(fts)
            .where(sa.literal_column(index.fts_table).op("MATCH")(fts_query(search.indexed)))
            .subquery("hits")
        )
        select = select.join(hits, hits.c.row_id == index.id_column).where(*likes(index, search.scanned))
        return select, sa.cast(-hits.c.rank, sa.Double)  # bm25 is negative, better is lower
    # The earlier a word comes, the better: titles come first in the text, then summaries, calls and articles.
    # (pg_trgm's similarity() costs some 0.2 ms a row on Persian text, read anew for every row that matches.)
    score = sum((1000.0 / (999 + sa.func.strpos(index.column, word)) for word in search.words), sa.literal(0.0))
    return select.where(condition(index, search, dialect)), sa.cast(score, sa.Double)


@contextmanager
def on_the_index(session, search: Search):
    """PostgreSQL plans the statements run inside on the trigram index: without statistics of texts this long
    (ANALYZE leaves out values over 1 kB) it thinks reading the whole table cheaper, but every row it reads is a
    long text to fetch and decompress. Set back to what it was after."""
    if dialect_of(session) != "postgresql" or not search.ranked:
        yield
        return
    previous = session.execute(sa.text(
        "SELECT current_setting('enable_seqscan') AS previous, set_config('enable_seqscan', 'off', true)")).scalar()
    try:
        yield
    finally:
        session.execute(sa.text("SELECT set_config('enable_seqscan', :previous, true)"), {"previous": previous})


def ordered(select, score, id_column, cursor):
    """Best first, the id breaking ties, from after `cursor` ((score, id) of the last row shown) if given."""
    if cursor is not None:
        after_score, after_id = cursor
        select = select.where(sa.or_(score < after_score, sa.and_(score == after_score, id_column < after_id)))
    return select.order_by(score.desc(), id_column.desc())


def cursor_of(score: float, row_id: int) -> str:
    # repr gives the float back exactly, so the next page starts right after this row.
    return f"{float(score)!r}_{row_id}"


_CURSOR = re.compile(r"(-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)_([0-9]{1,10})")


def parse_cursor(text: str):
    """The (score, id) of a next-page link of a search; None without one; a 400 for anything else."""
    if not text:
        return None
    match = _CURSOR.fullmatch(text)
    if match is None:
        raise BadParameter(_(BAD_CURSOR))
    score, row_id = float(match[1]), int(match[2])
    if not math.isfinite(score) or not (0 < row_id < 2**31):
        raise BadParameter(_(BAD_CURSOR))
    return score, row_id


# --- snippets -------------------------------------------------------------------------------------------------

SNIPPET_LENGTH = 200
# Cut out of their text, embeddings and overrides could be left open; the template isolates the snippet too.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_CONTROLS = {c: " " for c in [*range(0x20), 0x7f]}
_WHITESPACE = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def _normalised_character(character: str) -> str:
    return " " if character.isspace() else normalise(character)


def _normalised_with_origins(text: str, enough: int) -> tuple[str, list[int]]:
    """`normalise(text)` character by character, up to some `enough` characters of it, with the index in `text`
    each normalised character came from. (One character at a time may differ from the whole text where a letter
    and a combining accent compose: a word is then found later or not at all, never in the wrong place.)"""
    out, origins = [], []
    last = ""
    for position, character in enumerate(text):
        produced = _normalised_character(character)
        if len(produced) == 1:  # nearly always: one character for one
            if produced == " " and (last == " " or not out):
                continue
            out.append(produced)
            origins.append(position)
            last = produced
        elif produced:
            for one in produced:
                out.append(one)
                origins.append(position)
            last = produced[-1]
        if len(out) >= enough:
            break
    return "".join(out), origins


def _spans(normalised: str, words) -> list[tuple[int, int]]:
    """Where the words are in the normalised text, merged where they overlap."""
    spans = []
    for word in words:
        start = normalised.find(word)
        while start != -1:
            spans.append((start, start + len(word)))
            start = normalised.find(word, start + len(word))
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, search: Search, length: int = SNIPPET_LENGTH) -> Markup | None:
    """Some `length` characters of `text` around the first word found, the words in <mark>; None when no word
    of the search is in it."""
    if not text or not search.usable:
        return None
    whole = normalise(text)
    found = [whole.find(word) for word in search.words if word in whole]
    if not found:
        return None
    # Only as far as the snippet can reach: texts are long, and snippets are made for a page of them.
    normalised, origins = _normalised_with_origins(text, min(found) + length + 16)
    spans = _spans(normalised, search.words)
    if not spans:
        return None
    first = origins[spans[0][0]]
    start = max(0, first - length // 3)
    if start:  # begin at a word
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", max(first, start + length // 2), end)
        end = space if space != -1 else end
    pieces, position = [], start
    for span_start, span_end in spans:
        mark_start, mark_end = origins[span_start], origins[span_end - 1] + 1
        if mark_end <= start or mark_start >= end:
            continue
        mark_start, mark_end = max(mark_start, position), min(mark_end, end)
        pieces += [_plain(text[position:mark_start]), Markup("<mark>"), _plain(text[mark_start:mark_end]),
                   Markup("</mark>")]
        position = mark_end
    pieces.append(_plain(text[position:end]))
    return Markup("").join([Markup("…") if start else Markup(""), *pieces, Markup("…") if end < len(text) else Markup("")])


def _plain(text: str) -> Markup:
    return escape(_WHITESPACE.sub(" ", text.translate(_BIDI_CONTROLS).translate(_CONTROLS)))


def first_snippet(texts, search: Search, length: int = SNIPPET_LENGTH) -> Markup | None:
    """The snippet of the first of `texts` that has a word of the search."""
    for text in texts:
        found = snippet(text, search, length)
        if found is not None:
            return found
    return None
