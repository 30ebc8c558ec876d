"""The consulted text of a draft beside its final text, article by article, with changed words marked.

This is how the ministry shows the public what came of the consultation. Articles are matched by their
number (Latin digits, as stored). Words are compared exactly, so a spelling fix shows as a change;
only whitespace is not compared: runs of spaces and tabs, CRLF against LF, blank lines, and leading or
trailing space make no difference. A line break inside a text is a word of its own ("\\n"), so
paragraphs survive in the segments, and a paragraph split or joined shows as a change.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

NEWLINE = "\n"


@dataclass(frozen=True)
class ArticleText:
    number: str
    heading: str
    text: str
    notes: tuple[str, ...] = ()

    def __post_init__(self):
        # Notes are stored as a JSON list; keep the value hashable whatever the caller passes.
        object.__setattr__(self, "notes", tuple(self.notes))


@dataclass
class Segment:
    """A run of words of one kind: "same", "added" or "removed".

    `text` is the words joined by single spaces, with line breaks as "\\n" (no space around them).
    Consecutive segments are separated by a space when rendered, unless one of them ends or starts
    with a line break.
    """

    kind: str
    text: str


@dataclass
class ArticleChange:
    number: str
    status: str  # "added" | "removed" | "changed" | "unchanged"
    before: ArticleText | None
    after: ArticleText | None
    heading: list[Segment] = field(default_factory=list)
    body: list[Segment] = field(default_factory=list)
    notes: list[list[Segment]] = field(default_factory=list)  # one word diff per note position


def words(text: str) -> list[str]:
    """Word tokens of `text`: split on whitespace, each line break kept as a "\\n" token (blank lines
    count as one break, and none at the start or the end)."""
    result: list[str] = []
    for line in text.replace("\r\n", NEWLINE).replace("\r", NEWLINE).split(NEWLINE):
        line_words = line.split()
        if not line_words:
            continue
        if result:
            result.append(NEWLINE)
        result.extend(line_words)
    return result


def _join(tokens: list[str]) -> str:
    text = ""
    for previous, token in zip([None] + tokens, tokens):
        if previous is not None and NEWLINE not in (previous, token):
            text += " "
        text += token
    return text


def word_diff(before: str, after: str) -> list[Segment]:
    """Segments that turn `before` into `after`, word by word; a replaced run is its removed words
    followed by its added words. Adjacent segments of one kind are merged. [] when both are empty."""
    a, b = words(before), words(after)
    runs: list[tuple[str, list[str]]] = []

    def push(kind, tokens):
        if not tokens:
            return
        if runs and runs[-1][0] == kind:
            runs[-1][1].extend(tokens)
        else:
            runs.append((kind, list(tokens)))

    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            push("same", b[j1:j2])
        else:  # "replace", "delete", "insert": the empty side pushes nothing
            push("removed", a[i1:i2])
            push("added", b[j1:j2])
    return [Segment(kind, _join(tokens)) for kind, tokens in runs]


def _change(number: str, before: ArticleText | None, after: ArticleText | None) -> ArticleChange:
    old = before or ArticleText(number, "", "")
    new = after or ArticleText(number, "", "")
    heading = word_diff(old.heading, new.heading)
    body = word_diff(old.text, new.text)
    notes = [
        word_diff(old.notes[i] if i < len(old.notes) else "", new.notes[i] if i < len(new.notes) else "")
        for i in range(max(len(old.notes), len(new.notes)))
    ]
    if before is None:
        status = "added"
    elif after is None:
        status = "removed"
    elif all(s.kind == "same" for s in heading + body + [s for note in notes for s in note]):
        status = "unchanged"
    else:
        status = "changed"
    return ArticleChange(number, status, before, after, heading, body, notes)


def _by_number(articles: list[ArticleText], which: str) -> dict[str, ArticleText]:
    found: dict[str, ArticleText] = {}
    for article in articles:
        if article.number in found:
            raise ValueError(f"article {article.number} appears twice in the {which} text")
        found[article.number] = article
    return found


def compare_articles(before: list[ArticleText], after: list[ArticleText]) -> list[ArticleChange]:
    """Compare the consulted articles (`before`) with the final ones (`after`).

    Order: the final text's order; each removed article comes right after the article that preceded it
    in the consulted text and is still in the final text (at the very start when there is none), and
    removed articles that followed each other keep their consulted order. So a reader sees a removed
    article where it used to be.

    Notes are compared position by position: a note added at the end is one "added" segment, a note
    dropped from the end one "removed" segment.
    """
    old, new = _by_number(before, "consulted"), _by_number(after, "final")
    # Removed articles, grouped under the number of the last surviving article before them (None: the start).
    removed_after: dict[str | None, list[ArticleText]] = {}
    anchor = None
    for article in before:
        if article.number in new:
            anchor = article.number
        else:
            removed_after.setdefault(anchor, []).append(article)

    changes = [_change(a.number, a, None) for a in removed_after.get(None, [])]
    for article in after:
        changes.append(_change(article.number, old.get(article.number), article))
        changes.extend(_change(a.number, a, None) for a in removed_after.get(article.number, []))
    return changes


def summary(changes: list[ArticleChange]) -> dict[str, int]:
    """How many articles were added, removed, changed and left unchanged (every key present)."""
    counts = {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}
    for change in changes:
        counts[change.status] += 1
    return counts
