"""Broken or hostile input is refused in one place, with the site's translated 400 page, never a 500.

Every request's address and form fields are checked once, before any view or subscriber reads them:

- text that is not valid UTF-8 (WebOb would raise while decoding it, even on the error page, which reads the
  query for its language), including encoded lone surrogates;
- NUL characters, which PostgreSQL cannot store and which no form or filter has a use for.

A refused request has its address and body emptied (so nothing later trips over them) and is answered once
its context is found, so the error page has the site around it, as for oversized bodies (operations/limits).

Numbers in the query string and form fields are read with `parse_integer`/`integer_param`: ASCII, Persian or
Arabic-Indic digits, no larger than a database integer; anything else (`²`, `1e9`, thirty digits) is a 400.
"""

from urllib.parse import parse_qsl

from pyramid.events import ContextFound
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.tweens import EXCVIEW

from eparticipation.i18n import _, to_latin_digits

REFUSED = "eparticipation.bad_input"
ORIGINAL_PATH = "eparticipation.bad_input.path"
# The largest value an INTEGER column holds on PostgreSQL (4 bytes; SQLite's hold 8): ids and cursors are never
# larger, and PostgreSQL refuses to compare a larger number with such a column (an error, not "no row").
NUMBER_MAX = 2**31 - 1

NOT_TEXT = _("The address or the form contained bytes that are not valid text. Check what you sent and try again.")
NUL_CHARACTER = _("The address or the form contained a null character, which text cannot contain. Remove it and "
                  "try again.")
NOT_A_NUMBER = _("The value of “${name}” is not a number the site understands: write it with digits only, "
                 "such as 12.")


class BadParameter(HTTPBadRequest):
    """A query or form parameter the site cannot read; its `detail` is the translated reason."""

    def __init__(self, message):
        super().__init__(detail=message)


def not_a_number(name) -> BadParameter:
    return BadParameter(_(NOT_A_NUMBER, mapping={"name": name}))


def parse_integer(text) -> int | None:
    """A whole number of at most NUMBER_MAX, typed in ASCII, Persian or Arabic-Indic digits; None if blank.
    ValueError for anything else: other Unicode digits (`²`, `١٢` is fine), signs, spaces inside, huge values."""
    if text is None:
        return None
    text = to_latin_digits(str(text).strip())
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(NUMBER_MAX)):
        raise ValueError(text)
    number = int(text)
    if number > NUMBER_MAX:
        raise ValueError(text)
    return number


def integer_param(params, name) -> int | None:
    """The number in the query or form parameter `name` (of `params`, e.g. request.params), None when absent or
    blank; BadParameter otherwise."""
    try:
        return parse_integer(params.get(name))
    except ValueError:
        raise not_a_number(name) from None


def integers_param(params, name) -> list[int]:
    """Every number given as `name` (checkboxes), blanks left out; BadParameter if one is not a number."""
    try:
        numbers = [parse_integer(value) for value in params.getall(name)]
    except ValueError:
        raise not_a_number(name) from None
    return [number for number in numbers if number is not None]


URLENCODED, MULTIPART = "application/x-www-form-urlencoded", "multipart/form-data"
REPLACEMENT = "\ufffd"


def form_was_not_utf_8(request) -> bool:
    """WebOb decodes a form body leniently (what is not UTF-8 becomes U+FFFD): tell those apart from a U+FFFD
    that was really sent."""
    body = request.body
    if request.content_type == URLENCODED:
        try:
            parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            return True
        return False
    return REPLACEMENT.encode() not in body


def input_problem(request):
    """Why the request's address or fields cannot be read, or None."""
    try:
        texts = [request.path_info, *(part for item in request.GET.items() for part in item)]
        if request.method == "POST" and request.content_type in (URLENCODED, MULTIPART):
            for name, value in request.POST.items():
                texts.append(name)
                # An upload: its name is text, its content is not.
                texts.append(value if isinstance(value, str) else getattr(value, "filename", "") or "")
    except UnicodeError:  # not UTF-8 (or, from a non-conforming server, not even Latin-1)
        return NOT_TEXT
    if any(REPLACEMENT in text for text in texts[1:]) and request.method == "POST" and form_was_not_utf_8(request):
        return NOT_TEXT
    if any("\x00" in text for text in texts):
        return NUL_CHARACTER
    return None


def input_guard_tween_factory(handler, registry):
    def input_guard_tween(request):
        problem = input_problem(request)
        if problem is not None:
            environ = request.environ
            environ[REFUSED] = problem
            environ[ORIGINAL_PATH] = environ.get("PATH_INFO", "")
            # Nothing after this point may read what could not be read: the home page's context, no fields.
            environ["PATH_INFO"], environ["QUERY_STRING"] = "/", ""
            request.body = b""
        return handler(request)

    return input_guard_tween


def refuse_bad_input(event):
    problem = event.request.environ.get(REFUSED)
    if problem is not None:
        raise BadParameter(problem)


def includeme(config):
    # Above the exception view: that view's error page reads the query (for its language) too.
    config.add_tween("eparticipation.inputs.input_guard_tween_factory", over=EXCVIEW)
    config.add_subscriber(refuse_bad_input, ContextFound)
