"""Pages rendered once for every signed-in participant, with each person's own parts filled in per request.

The draft page a citizen sees signed in differs from another citizen's in a few places only: the CSRF token
of their forms, the unread messages in the header, their vote, which comments they wrote or support, and
whether they answered the survey. Rendered in "shared" mode (with `shared_page=True` among its values:
pagecache.render_shared), the templates mark those places instead of filling them:

    <@csrf@>                  a value: the session's CSRF token
    <@unread@>                a value: the header's badge of unread messages (empty when none)
    <@vote=oppose@>…<@/vote@> one variant of a part: every variant is rendered, one per possible choice
                              (templates/personal.jinja2's `personal` macro writes them)

`SharedPage.parse` cuts such a page once into its common text and its variants; `SharedPage.fill` joins the
common text with the variants a person's facts choose and puts their values in, for the cost of a join.

A marker begins with "<@", which no text of a user can: the templates escape every "<" of it.
"""

import re
from dataclasses import dataclass, field
from typing import Callable

from markupsafe import Markup

CSRF = "csrf"
UNREAD = "unread"
VALUES = (CSRF, UNREAD)

_VARIANT = re.compile(r"<@(?P<slot>[a-z]+(?::\d+)?)=(?P<choice>[a-z0-9_-]*)@>(?P<body>.*?)<@/(?P=slot)@>", re.S)
_VALUE = re.compile(r"<@(?P<name>[a-z]+)@>")
_ANY_MARKER = re.compile(r"<@/?[a-z]")


def value_marker(name: str) -> Markup:
    return Markup(f"<@{name}@>")


class MalformedSharedPage(ValueError):
    """A marker out of place: a template wrote a shared page that cannot be filled in safely."""


@dataclass(frozen=True)
class SharedPage:
    """A page cut at its personal parts: common text, and for each slot, its variants by choice; kept as
    UTF-8, as it is sent."""

    parts: tuple  # bytes for common text, (slot, {choice: bytes}) for a personal part
    facts: object = None  # what the view knew that the page's markers do not say (e.g. the comments' authors)
    # What filling the page in found out about each person, kept with the page: whatever would change it
    # must also change the key the page is kept under.
    people: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, body: str, facts=None) -> "SharedPage":
        parts, position, current = [], 0, None
        for match in _VARIANT.finditer(body):
            slot, choice, text = match["slot"], match["choice"], match["body"]
            if _stray_marker(text):
                raise MalformedSharedPage(f"a marker inside the variant {slot}={choice}")
            common = body[position:match.start()]
            if current is not None and current[0] == slot and common == "" and choice not in current[1]:
                current[1][choice] = text.encode()  # the next variant of the slot just read
            else:
                current = (slot, {choice: text.encode()})
                parts += [common.encode(), current]
            position = match.end()
        parts.append(body[position:].encode())
        if any(isinstance(part, bytes) and _stray_marker(part.decode()) for part in parts):
            raise MalformedSharedPage("a variant's marker outside a variant")
        return cls(tuple(parts), facts)

    def fill(self, choose: Callable[[str], str], values: dict[str, str]) -> bytes:
        """The page of one person: `choose(slot)` names the variant of each slot, `values` the text of each
        value marker (already escaped, or plain text that needs none)."""
        page = b"".join(part if isinstance(part, bytes) else part[1][choose(part[0])] for part in self.parts)
        for name in VALUES:
            page = page.replace(f"<@{name}@>".encode(), values[name].encode())
        return page


def _stray_marker(text: str) -> bool:
    """Whether the text holds a marker other than a value's."""
    return bool(_ANY_MARKER.search(_VALUE.sub(lambda m: "" if m["name"] in VALUES else m[0], text)))
