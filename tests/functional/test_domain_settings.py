"""Each domain reads and validates its own settings in its includeme: a bad value stops the start with a message
that names the setting; an absent one takes the same default as before."""

import pytest

from eparticipation import main
from eparticipation.settings import SettingError


@pytest.mark.parametrize("key, value, message", [
    # accounts
    ("eparticipation.login_throttle.max_failures", "five", "must be a whole number, not 'five'"),
    ("eparticipation.reauthentication_minutes", "10m", "must be a whole number, not '10m'"),
    ("eparticipation.password_reset.hours", "an hour", "must be a number, not 'an hour'"),
    # consultations
    ("eparticipation.min_consultation_days", "30 days", "must be a whole number, not '30 days'"),
    ("eparticipation.max_years_ahead", "two", "must be a whole number, not 'two'"),
    # files
    ("eparticipation.upload_max_bytes", "10MB", "must be a whole number, not '10MB'"),
    ("eparticipation.archive_max_ratio", "lots", "must be a whole number, not 'lots'"),
    # reports
    ("eparticipation.report.k", "k", "must be a whole number, not 'k'"),
])
def test_a_bad_value_stops_the_start_naming_the_setting(engine, app_settings, key, value, message):
    with pytest.raises(SettingError) as refused:
        main({}, **{**app_settings, key: value})
    assert str(refused.value) == f"{key} {message}"
    assert isinstance(refused.value, ValueError)  # as int() refused it before


def test_absent_settings_take_their_defaults(app):
    settings = app.registry.settings
    assert settings["eparticipation.login_throttle.max_failures_per_client"] == 20
    assert settings["eparticipation.mfa.required_for_staff"] is True
    assert settings["eparticipation.mfa.demo_codes"] is False
    assert settings["eparticipation.reauthentication_minutes"] == 10
    assert settings["eparticipation.password_reset.hours"] == 1
    assert settings["eparticipation.email_verification.hours"] == 48
    assert settings["eparticipation.required_languages"] == ["fa", "en"]
    assert settings["eparticipation.min_consultation_days"] == 30
    assert settings["eparticipation.max_years_ahead"] == 2
    assert settings["eparticipation.upload_max_bytes"] == 10 * 1024 * 1024
    assert settings["eparticipation.report.k"] == 5
    assert settings["pyramid.default_locale_name"] == "fa"
    assert settings["eparticipation.secure_cookies"] is False  # the tests' "false", parsed


def test_the_database_is_still_required(app_settings):
    with pytest.raises(ValueError, match=r"sqlalchemy.url is not set \(DATABASE_URL in production\)"):
        main({}, **{**app_settings, "sqlalchemy.url": ""})
