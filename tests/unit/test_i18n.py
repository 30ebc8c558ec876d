from datetime import date, datetime, timezone

from eparticipation.i18n import (
    format_date,
    format_datetime,
    format_number,
    localize_digits,
    to_latin_digits,
)

EVENING = datetime(2026, 3, 20, 21, 0, tzinfo=timezone.utc)  # 00:30 on 1 Farvardin 1405 in Tehran


def test_jalali_dates_with_persian_digits_in_tehran_time():
    assert format_datetime(EVENING, "fa") == "۱ فروردین ۱۴۰۵، ۰۰:۳۰"
    assert format_datetime(EVENING, "fa", with_time=False) == "۱ فروردین ۱۴۰۵"
    assert format_date(date(2026, 11, 27), "fa") == "۶ آذر ۱۴۰۵"


def test_gregorian_dates_in_english():
    assert format_datetime(EVENING, "en") == "21 March 2026, 00:30"
    assert format_date(date(2026, 11, 27), "en") == "27 November 2026"


def test_numbers_and_digits():
    assert format_number(1234567, "fa") == "۱٬۲۳۴٬۵۶۷"
    assert format_number(1234567, "en") == "1,234,567"
    assert localize_digits("ماده 12", "fa") == "ماده ۱۲"
    assert to_latin_digits("۰۹۱۲ ٣٤٥") == "0912 345"


def test_a_remembered_translation_is_interpolated_with_each_calls_own_mapping():
    from pyramid.i18n import Localizer
    from pyramid.testing import DummyRequest

    from eparticipation.i18n import _, translate

    request = DummyRequest()
    request.localizer, request.locale_name = Localizer("fa", None), "fa"
    message = "Try again in ${minutes} minutes."
    assert translate(request, _(message, mapping={"minutes": 15})) == "Try again in ۱۵ minutes."
    assert translate(request, _(message, mapping={"minutes": 5})) == "Try again in ۵ minutes."
    assert translate(request, _(message)) == message  # no mapping: the markers stay
    assert translate(request, _(message, default="Wait ${minutes}.", mapping={"minutes": 1})) == "Wait ۱."
