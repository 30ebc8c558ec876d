"""eparticipation: public consultation on draft regulations before they are approved."""

import os

from pyramid.config import Configurator
from pyramid.settings import asbool

# Settings that production takes from the environment, never from a file.
ENVIRONMENT_SETTINGS = {
    "DATABASE_URL": "sqlalchemy.url",
    "SESSION_SECRET": "eparticipation.session_secret",
}


def read_settings(settings: dict) -> dict:
    settings = dict(settings)
    for variable, key in ENVIRONMENT_SETTINGS.items():
        if os.environ.get(variable):
            settings[key] = os.environ[variable]
    if not settings.get("sqlalchemy.url"):
        raise ValueError("sqlalchemy.url is not set (DATABASE_URL in production)")
    settings["eparticipation.secure_cookies"] = asbool(settings.get("eparticipation.secure_cookies", True))
    settings["eparticipation.login_throttle.max_failures"] = int(
        settings.get("eparticipation.login_throttle.max_failures", 5)
    )
    settings["eparticipation.login_throttle.window_minutes"] = int(
        settings.get("eparticipation.login_throttle.window_minutes", 15)
    )
    settings.setdefault("pyramid.default_locale_name", "fa")
    settings["eparticipation.required_languages"] = settings.get("eparticipation.required_languages", "fa en").split()
    settings["eparticipation.min_consultation_days"] = int(settings.get("eparticipation.min_consultation_days", 30))
    settings["eparticipation.upload_max_bytes"] = int(settings.get("eparticipation.upload_max_bytes", 10 * 1024 * 1024))
    settings.setdefault("eparticipation.files_dir", os.path.join(os.getcwd(), "var", "files"))
    return settings


def main(global_config, **settings):
    """The WSGI application."""
    with Configurator(settings=read_settings(settings), root_factory="eparticipation.resources.root_factory") as config:
        # Infrastructure: database and transactions, clock, security, languages, headers.
        config.include(".db")
        config.include(".clock")
        config.include(".security")
        config.include(".i18n")
        config.include(".headers")
        config.include(".files")
        config.include(".pagecache")
        # Presentation: templates, forms, static files.
        config.include(".templating")
        config.include(".forms")
        # The domains; their views are registered by the scan.
        config.include(".accounts")
        config.include(".agencies")
        config.include(".consultations")
        config.include(".surveys")
        config.include(".feedback")
        config.include(".participation")
        config.include(".messaging")
        config.include(".responses")
        config.include(".reports")
        config.include(".audit")
        # The themes' numerical libraries are the report worker's: web processes need not load them.
        config.scan(ignore=["eparticipation.reports.themes"])
        config.commit()
    return config.make_wsgi_app()
