"""Languages: Persian (right-to-left, Jalali calendar, Persian digits) first, English complete.

The locale comes from `_LOCALE_` in the query (which is then kept in a cookie), else from that
cookie, else the default `fa`. Formatting helpers are Jinja filters, so templates only present.
"""

import re
from datetime import date, datetime
from functools import lru_cache
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal
from jinja2 import pass_context
from markupsafe import Markup, escape
from persiantools.jdatetime import JalaliDate, JalaliDateTime
from pyramid.events import NewRequest
from pyramid.i18n import TranslationString, TranslationStringFactory, make_localizer
from pyramid.threadlocal import get_current_request

_ = TranslationStringFactory("eparticipation")

LOCALE_PARAM = LOCALE_COOKIE = "_LOCALE_"
RTL_LANGUAGES = {"fa", "ar", "ur", "ps", "he"}
DISPLAY_TIMEZONE = ZoneInfo("Asia/Tehran")
PERSIAN_DIGITS = str.maketrans("0123456789,.", "۰۱۲۳۴۵۶۷۸۹٬٫")
LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
LANGUAGE_NAMES = {"fa": "فارسی", "en": "English"}  # each language in its own script, for the switch
# Languages named in the interface's language (e.g. which language a title is missing in).
LANGUAGE_LABELS = {"fa": _("Persian"), "en": _("English"), "ar": _("Arabic")}


def available_languages(registry) -> list[str]:
    return registry.settings["eparticipation.available_languages"]


def locale_negotiator(request):
    languages = available_languages(request.registry)
    for candidate in (request.params.get(LOCALE_PARAM), request.cookies.get(LOCALE_COOKIE)):
        if candidate in languages:
            return candidate
    return request.registry.settings.get("pyramid.default_locale_name", "fa")


def remember_locale_choice(event):
    """A `_LOCALE_` given in the query is kept in a cookie, so the choice persists."""
    request = event.request
    chosen = request.params.get(LOCALE_PARAM) if request.method == "GET" else None
    if chosen in available_languages(request.registry) and request.cookies.get(LOCALE_COOKIE) != chosen:

        def set_cookie(request, response):
            response.set_cookie(
                LOCALE_COOKIE,
                chosen,
                max_age=365 * 24 * 3600,
                httponly=True,
                samesite="Lax",
                secure=request.registry.settings["eparticipation.secure_cookies"],
            )

        request.add_response_callback(set_cookie)


def _format_value(request, value):
    locale_name = request.locale_name
    if isinstance(value, TranslationString):
        return translate(request, value)
    if isinstance(value, datetime):
        return format_datetime(value, locale_name)
    if isinstance(value, date):
        return format_date(value, locale_name)
    if isinstance(value, int) and not isinstance(value, bool):
        return localize_digits(value, locale_name)
    return value


# A message's translation (before interpolation) per localizer, which Pyramid keeps for the life of the
# application: a page translates the same few hundred constant messages on every request. Bounded, in
# case some code translates text that is not a constant.
MESSAGE_CACHE_SIZE = 5000


def localizer_for(registry, locale_name: str):
    """The localizer of one language, cached in the registry exactly as Pyramid caches a request's."""
    from pyramid.interfaces import ILocalizer, ITranslationDirectories

    localizer = registry.queryUtility(ILocalizer, name=locale_name)
    if localizer is None:
        directories = registry.queryUtility(ITranslationDirectories, default=[])
        localizer = make_localizer(locale_name, directories)
        registry.registerUtility(localizer, ILocalizer, name=locale_name)
    return localizer


def reader_in(registry, locale_name: str):
    """What `translate` needs of a request, for a language other than the request's (a message to someone,
    a report's labels in each language)."""
    return SimpleNamespace(locale_name=locale_name, localizer=localizer_for(registry, locale_name))


def translate(request, term):
    """Translate with the request's localizer; numbers in the message's mapping get the locale's digits."""
    localizer = request.localizer
    if not isinstance(term, TranslationString):
        return localizer.translate(term)
    translated = translated_message(localizer, term)
    if not term.mapping:
        return translated
    mapping = {key: _format_value(request, value) for key, value in term.mapping.items()}
    return TranslationString(term, mapping=mapping).interpolate(translated) if "$" in translated else translated


def template_translator(request):
    """The templates' `_(msgid, mapping=None)`: as `translate`, with a shortcut for the constant messages
    without a mapping that make up most of a page's calls (per localizer, as `translated_message`)."""
    localizer = request.localizer
    try:
        constants = localizer.eparticipation_constants
    except AttributeError:
        constants = localizer.eparticipation_constants = {}

    def translate_for_template(msgid, mapping=None):
        if mapping is not None:
            if any(isinstance(value, Markup) for value in mapping.values()):
                return translate_around_markup(request, msgid, mapping)
            return translate(request, TranslationString(msgid, domain="eparticipation", mapping=mapping))
        translated = constants.get(msgid)
        if translated is None:
            translated = translate(request, TranslationString(msgid, domain="eparticipation"))
            if len(constants) < MESSAGE_CACHE_SIZE:
                constants[msgid] = translated
        return translated

    return translate_for_template


def translate_around_markup(request, msgid, mapping) -> Markup:
    """A message some of whose values are markup (a name in <bdi>, see `bdi_filter`): the message and the plain
    values are escaped, the markup is kept."""
    tokens = {key: f"\ue000{number}\ue001" for number, (key, value) in enumerate(mapping.items())
              if isinstance(value, Markup)}
    plain = {key: tokens.get(key, value) for key, value in mapping.items()}
    text = str(escape(translate(request, TranslationString(msgid, domain="eparticipation", mapping=plain))))
    for key, token in tokens.items():
        text = text.replace(token, str(mapping[key]))
    return Markup(text)


def bdi_filter(value) -> Markup:
    """Text someone typed (a name: of a person, an organisation, an agency, a service), isolated from the line
    around it: whatever direction it has, or a bidi control left open in it (U+202E), cannot reorder what
    surrounds it. Names are also stripped of those controls when typed (forms.name_text); older rows are not."""
    if value is None:
        return Markup("")
    return Markup("<bdi>{}</bdi>").format(value)


def translated_message(localizer, term: TranslationString) -> str:
    """The translation of a message with its `${name}` markers left in, looked up once per localizer."""
    try:
        cache = localizer.eparticipation_messages
    except AttributeError:
        cache = localizer.eparticipation_messages = {}
    key = (str(term), term.domain, term.context, term.default)  # not the mapping: it is interpolated after
    translated = cache.get(key)
    if translated is None:
        bare = TranslationString(str(term), domain=term.domain, default=term.default, context=term.context)
        translated = localizer.translate(bare)
        if len(cache) < MESSAGE_CACHE_SIZE:
            cache[key] = translated
    return translated


def flash(request, message, queue="success"):
    """Flash a message translated now: the session stores plain text, not translation strings."""
    request.session.flash(translate(request, message), queue)


def text_direction(locale_name: str) -> str:
    return "rtl" if locale_name in RTL_LANGUAGES else "ltr"


def to_latin_digits(text: str) -> str:
    """Persian and Arabic-Indic digits typed by users become ASCII digits."""
    return text.translate(LATIN_DIGITS)


TYPED_DATE = re.compile(r"^(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})$")
# Days the site has any use for, in Gregorian years: outside them a date is a typing mistake.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199


def parse_typed_date(text: str) -> date:
    """A day typed in either calendar, in any digits, whichever the form's language: a year before 1700 is Jalali
    (۱۴۰۵/۰۹/۱۵), one from 1900 on is Gregorian (2026-12-20), so a Gregorian date typed in the Persian form is read
    as what it is rather than as the Jalali year 2026 (Gregorian 2647). ValueError for anything else, including a
    day outside the Gregorian years EARLIEST_YEAR–LATEST_YEAR (and years 1700–1899, which neither calendar gives
    today)."""
    match = TYPED_DATE.match(to_latin_digits(str(text).strip()))
    if match is None:
        raise ValueError(text)
    year, month, day = (int(part) for part in match.groups())
    if year < 1700:
        typed = JalaliDate(year, month, day).to_gregorian()
    elif year >= EARLIEST_YEAR:
        typed = date(year, month, day)
    else:
        raise ValueError(text)
    if not EARLIEST_YEAR <= typed.year <= LATEST_YEAR:
        raise ValueError(text)
    return typed


@lru_cache(maxsize=1)
def _unicode_collator():
    import pyuca  # the Unicode Collation Algorithm: پ after ب, چ after ج, گ after ک, as Persian readers expect

    return pyuca.Collator()


def collation_key(locale_name: str):
    """The key that sorts names as a reader of `locale_name` expects (sorted by code point, «گیلان» came
    after «همدان»)."""
    if locale_name == "fa":
        return _unicode_collator().sort_key
    return str.casefold


def localize_digits(text, locale_name: str) -> str:
    text = str(text)
    return text.translate(PERSIAN_DIGITS) if locale_name == "fa" else text


def format_number(value, locale_name: str) -> str:
    return localize_digits(format_decimal(value, locale="en"), locale_name)


@lru_cache(maxsize=4096)  # a page shows the same moments to every visitor; formatting each costs ~25 µs
def format_datetime(value: datetime, locale_name: str, with_time: bool = True) -> str:
    """Jalali with Persian digits and month names in fa; Gregorian otherwise; always Tehran time."""
    if value is None:
        return ""
    local = value.astimezone(DISPLAY_TIMEZONE)
    if locale_name == "fa":
        jalali = JalaliDateTime(local)
        text = f"{jalali.day} {jalali.strftime('%B', locale='fa')} {jalali.year}"
        if with_time:
            text += f"، {jalali.hour:02d}:{jalali.minute:02d}"
        return localize_digits(text, "fa")
    pattern = "d MMMM y, HH:mm" if with_time else "d MMMM y"
    return babel_format_datetime(local, pattern, locale=locale_name, tzinfo=DISPLAY_TIMEZONE)


@lru_cache(maxsize=4096)
def format_date(value: date, locale_name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, locale_name, with_time=False)
    if locale_name == "fa":
        jalali = JalaliDate(value)
        return localize_digits(f"{jalali.day} {jalali.strftime('%B', locale='fa')} {jalali.year}", "fa")
    return babel_format_date(value, "d MMMM y", locale=locale_name)


def finalize(value):
    """Jinja2 prints a translation string handed to a template translated (and interpolated)."""
    if isinstance(value, TranslationString):
        request = get_current_request()
        return translate(request, value) if request is not None else value.interpolate()
    return value


def _locale_of(context) -> str:
    request = context.get("request") or get_current_request()
    return request.locale_name if request is not None else "fa"


@pass_context
def datetime_filter(context, value, with_time=True):
    return format_datetime(value, _locale_of(context), with_time)


@pass_context
def date_filter(context, value):
    return format_date(value, _locale_of(context))


@pass_context
def number_filter(context, value):
    return format_number(value, _locale_of(context))


@pass_context
def digits_filter(context, value):
    return localize_digits(value, _locale_of(context))


def includeme(config):
    settings = config.get_settings()
    settings["eparticipation.available_languages"] = settings.get(
        "eparticipation.available_languages", "fa en"
    ).split()
    config.set_locale_negotiator(locale_negotiator)
    # Later directories win: the project's own catalogues (including its fa catalogues for the
    # colander and deform domains, which those packages do not ship) come last.
    config.add_translation_dirs("colander:locale", "deform:locale", settings["eparticipation.locale_dir"])
    config.add_subscriber(remember_locale_choice, NewRequest)
