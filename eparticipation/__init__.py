"""eparticipation: public consultation on draft regulations before they are approved.

Two ways to run it (README, "Use it inside your own Pyramid application"):

    standalone      main(): the WSGI application of development.ini and production.ini
    inside a host   config.include("eparticipation", route_prefix="/participation") in the host's main()

`includeme` is the ordered list of the parts; each domain's own includeme reads and validates its settings,
scans its own package for views, and registers its subscribers and personal-data exporters.
"""

import os

from pyramid.config import Configurator

# Settings that production takes from the environment, never from a file.
ENVIRONMENT_SETTINGS = {
    "DATABASE_URL": "sqlalchemy.url",
    "SESSION_SECRET": "eparticipation.session_secret",
}

# The route that mounts the traversal tree when the package is included under a route prefix (mounting.py).
ROUTE_NAME = "eparticipation"


def read_settings(settings: dict) -> dict:
    """The settings every part needs before any is included: the environment's overrides and the database.
    Each domain reads and validates its own settings in its includeme (eparticipation/settings.py)."""
    settings = dict(settings)
    for variable, key in ENVIRONMENT_SETTINGS.items():
        if os.environ.get(variable):
            settings[key] = os.environ[variable]
    if not settings.get("sqlalchemy.url"):
        raise ValueError("sqlalchemy.url is not set (DATABASE_URL in production)")
    return settings


# The domains a site may leave out (`eparticipation.without`).
OPTIONAL_DOMAINS = ("surveys", "feedback")


def includeme(config):
    """The whole platform, standalone or under the route prefix of the include. What a host application already
    set (security policy, session factory, locale negotiator, default permission and CSRF options, the .jinja2
    renderer, the root factory) stays the host's: Pyramid lets the configuration that includes us override what
    we set (README)."""
    from eparticipation import mounting
    from eparticipation import settings as parse

    config.get_settings().update(read_settings(config.get_settings()))
    parse.infrastructure_settings(config.get_settings())
    mounting.mount(config)
    # Infrastructure: database and transactions, clock, security, languages, unreadable input, headers,
    # request ids, logs and metrics.
    config.include(".db")
    config.include(".clock")
    config.include(".security")
    config.include(".i18n")
    config.include(".inputs")
    config.include(".headers")
    config.include(".observability")
    config.include(".files")
    config.include(".pagecache")
    # The directives by which a domain gives the tick and the delivery worker work of its own.
    config.include(".tasks")
    # Operations: health endpoints, the limit on request bodies.
    config.include(".operations")
    # Presentation: templates, forms, static files.
    config.include(".templating")
    config.include(".forms")
    # The domains, lowest first: a domain may import those above it in this list, never those below
    # (tests/unit/test_import_direction.py). Each scans its own package for its views.
    # A site may leave out the optional domains (`eparticipation.without = surveys feedback`): nothing below them
    # needs them, and their tables stay, empty.
    without = set(parse.words(config.get_settings(), "eparticipation.without", ""))
    if without - set(OPTIONAL_DOMAINS):
        raise parse.SettingError(f"eparticipation.without names only optional parts ({', '.join(OPTIONAL_DOMAINS)}), "
                                 f"not {', '.join(sorted(without - set(OPTIONAL_DOMAINS)))}")
    # The audit log: every domain below writes to it.
    config.include(".audit")
    # People, their sign-in, sessions, second factor and roles.
    config.include(".accounts")
    # Telling people: the inbox, the outbox and its channels; every domain below may notify.
    config.include(".messaging")
    # The ministry's agencies and their staff.
    config.include(".agencies")
    # Draft documents, their articles and their consultation workflow.
    config.include(".consultations")
    # The forward plan: the drafts each agency announces it will consult on, comments on their intent, followers.
    config.include(".planning")
    # Comments, votes and supports on a draft under consultation.
    config.include(".participation")
    # Surveys attached to a consultation, and ratings of the agencies' services.
    for optional in OPTIONAL_DOMAINS:
        if optional not in without:
            config.include(f".{optional}")
    # The agency's documented response to every comment, and the published outcome.
    config.include(".responses")
    # The consultation report: statistics, themes, PDF and open data.
    config.include(".reports")
    # The agency's widget for its portal: its open consultations, framed by the origins it configured.
    config.include(".embed")
    # Reaching people: feeds and calendars, share links, Open Graph tags and posters of the consultations.
    config.include(".outreach")
    # Following agencies, document types or the site: told of openings, reminders and outcomes (O3).
    config.include(".subscriptions")
    # Every transition of a consultation pushed to the national e-participation system, through the worker.
    config.include(".syndication")
    # The open-data API: read-only JSON of what the public pages show, described by OpenAPI.
    config.include(".api")
    # Certificates of participation: signed PDFs and Open Badges credentials, checked by their code.
    config.include(".certificates")
    # Points for participation, levels and badges, the opt-in leaderboards and the agencies' thanks (I1, I3).
    config.include(".incentives")
    # The pages that belong to no domain: the home and error pages, the administration, the auditors' pages.
    config.include(".site")
    config.include(".admin")
    config.include(".oversight")


def main(global_config, **settings):
    """The WSGI application of a standalone site: the package, and the root of its own traversal tree."""
    settings = dict(settings)
    # Before the Configurator, which would otherwise fill in Pyramid's own default ("en"); a host chooses its own.
    settings.setdefault("pyramid.default_locale_name", "fa")
    with Configurator(settings=settings) as config:
        # Only a standalone site owns the root: inside a host, the package's route hands out its tree.
        config.set_root_factory("eparticipation.resources.root_factory")
        config.include("eparticipation")
        config.commit()
    return config.make_wsgi_app()
