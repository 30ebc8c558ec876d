"""Reading settings: each part of the system parses and validates its own in its includeme, with these helpers,
so that a bad value stops the start with a message that names the setting (not Python's "invalid literal")."""

from pyramid.settings import asbool


class SettingError(ValueError):
    """A setting's value is not what it must be; the site does not start."""


def _parse(settings: dict, key: str, default, kind, what: str):
    value = settings.get(key, default)
    if isinstance(value, kind) and not isinstance(value, bool):
        return value
    try:
        return kind(str(value).strip())
    except ValueError:
        raise SettingError(f"{key} must be {what}, not {value!r}") from None


def integer(settings: dict, key: str, default: int) -> int:
    """Parses `key` in place as a whole number (its default when absent) and returns it."""
    settings[key] = _parse(settings, key, default, int, "a whole number")
    return settings[key]


def number(settings: dict, key: str, default: float) -> float:
    """Parses `key` in place as a number (its default when absent) and returns it."""
    settings[key] = _parse(settings, key, default, float, "a number")
    return settings[key]


def boolean(settings: dict, key: str, default: bool) -> bool:
    settings[key] = asbool(settings.get(key, default))
    return settings[key]


def words(settings: dict, key: str, default: str) -> list[str]:
    value = settings.get(key, default)
    settings[key] = value if isinstance(value, list) else value.split()
    return settings[key]


def infrastructure_settings(settings: dict) -> None:
    """What the infrastructure modules share (headers.py, i18n.py, accounts/sessions.py): cookies and HSTS."""
    boolean(settings, "eparticipation.secure_cookies", True)
