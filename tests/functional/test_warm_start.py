"""A restarted site answers its first visitor at once: the templates are compiled (or read from the bytecode
cache), the mappers configured and the catalogues read while the application starts, not on the first request
(which took ~1.5 s)."""

from pyramid.interfaces import ILocalizer
from pyramid_jinja2 import IJinja2Environment

from eparticipation import main


def test_the_pages_are_ready_before_the_first_request(engine, app_settings):
    app = main({}, **app_settings)
    environment = app.registry.queryUtility(IJinja2Environment, name=".jinja2")
    compiled = {name for _, name in environment.cache.keys()}
    assert {"layout.jinja2", "consultations/draft.jinja2", "participation/comments_section.jinja2",
            "reports/report.jinja2", "site/home.jinja2"} <= compiled
    assert environment.bytecode_cache is not None  # a restart reads them compiled
    assert {name for name, _ in app.registry.getUtilitiesFor(ILocalizer)} >= {"fa", "en"}
