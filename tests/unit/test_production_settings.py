"""The suite runs with a few settings other than production.ini's (tests/conftest.py: files instead of SMTP and
bots, cookies over plain HTTP, fewer retries…). Each such difference must have a test that runs the production
value, or the production path is one nobody tests; the production smoke stage (.ci/production_smoke.py) runs
the shipped file as a whole."""

import configparser
import importlib
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]

# setting → the tests that run its production value ("module::function")
PRODUCTION_VALUE_TESTS = {
    # PostgreSQL only (the exported snapshot); CI runs the suite there too.
    "eparticipation.report.concurrent": [
        "tests.functional.test_report_worker::test_the_worker_builds_the_report_concurrently_on_committed_data",
        "tests.functional.test_report_worker::test_eparticipation_reports_once_with_production_ini",
    ],
    "eparticipation.sessions.idle_minutes": ["tests.functional.test_sessions::test_a_session_ends_after_the_idle_timeout"],
    "eparticipation.sessions.lifetime_hours": [
        "tests.functional.test_sessions::test_a_session_ends_at_its_lifetime_however_busy"],
    "eparticipation.secure_cookies": ["tests.functional.test_security::test_production_cookies_are_secure"],
    "eparticipation.messaging.email.adapter": [
        "tests.unit.test_messaging::test_smtp_sends_a_plain_text_mail_with_the_link",
        "tests.functional.test_messaging_delivery::test_an_smtp_server_that_refuses_for_a_while_is_retried",
    ],
    "eparticipation.messaging.bale.adapter": ["tests.unit.test_messaging::test_bale_posts_json_to_the_bot_method"],
    "eparticipation.messaging.eitaa.adapter": [
        "tests.unit.test_messaging::test_eitaa_posts_a_form_to_eitaayar_s_method"],
    "eparticipation.messaging.bale.bot": ["tests.functional.test_messaging_pages::"
                                          "test_linking_bale_with_a_code_sent_to_the_bot"],
    "eparticipation.messaging.max_attempts": [
        "tests.unit.test_messaging::test_settings_choose_the_adapters_and_take_secrets_from_the_environment"],
}


def production_settings() -> dict:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(PROJECT / "production.ini", encoding="utf-8")
    return dict(parser["app:main"])


def overridden(app_settings) -> set[str]:
    """Settings production.ini sets that the suite runs with another value."""
    production = production_settings()
    return {key for key, value in app_settings.items()
            if key in production and production[key].strip() != str(value).strip()
            and "%(here)s" not in production[key]}


def test_every_production_setting_the_suite_changes_has_a_test_at_its_production_value(app_settings):
    missing = overridden(app_settings) - PRODUCTION_VALUE_TESTS.keys()
    assert not missing, (f"tests/conftest.py runs {sorted(missing)} with other values than production.ini: "
                         "add a test at the production value and name it in PRODUCTION_VALUE_TESTS")


@pytest.mark.parametrize("setting", sorted(PRODUCTION_VALUE_TESTS))
def test_the_named_tests_exist(setting):
    for name in PRODUCTION_VALUE_TESTS[setting]:
        module, function = name.split("::")
        assert callable(getattr(importlib.import_module(module), function, None)), f"{name} is gone"
