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
