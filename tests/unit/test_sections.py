"""The page sections' registry (eparticipation/sections.py): order, states, permission, data, conflicts."""

import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError
from pyramid.testing import DummyRequest

from eparticipation.consultations.models import State
from eparticipation.permissions import Permissions
from eparticipation.sections import page_sections, registered_sections


class Context:
    def __init__(self, state=State.consultation):
        self.state = state


def configured(*sections, page="draft"):
    config = Configurator(settings={})
    config.include("eparticipation.sections")
    for name, options in sections:
        getattr(config, f"add_{page}_section")(name, f"{name}.jinja2", **options)
    config.commit()
    return config.registry


def request_for(registry, allowed=()):
    request = DummyRequest()
    request.registry = registry
    request.has_permission = lambda permission, context=None: permission in allowed
    return request


def shown(registry, context=None, allowed=(), page="draft", slot="main"):
    sections = page_sections(request_for(registry, allowed), page, context or Context())
    return [s.name for s in sections[slot]]


def test_sections_come_in_their_order_then_by_name_whatever_the_order_of_registration():
    registry = configured(("late", {"order": 190}), ("b", {"order": 10}), ("a", {"order": 10}), ("middle", {}))
    assert shown(registry) == ["a", "b", "middle", "late"]  # "middle" has the default order, 100
    assert [s.name for s in registered_sections(registry, "draft")] == ["a", "b", "middle", "late"]


def test_a_section_is_shown_in_its_states_only():
    registry = configured(("always", {}), ("opened", {"states": (State.consultation, State.closed)}))
    assert shown(registry, Context(State.draft)) == ["always"]
    assert shown(registry, Context(State.consultation)) == ["always", "opened"]
    assert shown(registry, Context(State.published)) == ["always"]


def test_a_section_is_shown_to_whoever_has_its_permission_on_the_context():
    registry = configured(("public", {}), ("staff", {"permission": Permissions.ResponseHistory}))
    assert shown(registry) == ["public"]
    assert shown(registry, allowed={Permissions.ResponseHistory}) == ["public", "staff"]


def test_sections_go_in_their_slot():
    registry = configured(("body", {}), ("link", {"slot": "actions"}))
    assert shown(registry, slot="actions") == ["link"]
    assert shown(registry, slot="main") == ["body"]
    assert shown(registry, slot="nothing-here") == []


def test_data_is_computed_only_for_shown_sections_and_once_for_sections_that_share_it():
    calls = []

    def shared(context, request):
        calls.append("shared")
        return {"value": 1}

    def hidden(context, request):
        calls.append("hidden")
        return {}

    registry = configured(("one", {"data": shared}), ("two", {"data": shared}),
                          ("closed-only", {"data": hidden, "states": (State.closed,)}))
    sections = page_sections(request_for(registry), "draft", Context(State.consultation))
    assert calls == ["shared"]
    assert sections.data("two") == {"value": 1} and sections.data("closed-only") is None


def test_two_sections_of_a_page_under_one_name_conflict():
    config = Configurator(settings={})
    config.include("eparticipation.sections")
    config.add_draft_section("comments", "a.jinja2")
    config.add_draft_section("comments", "b.jinja2")
    with pytest.raises(ConfigurationConflictError):
        config.commit()


def test_one_name_on_two_pages_does_not_conflict():
    config = Configurator(settings={})
    config.include("eparticipation.sections")
    config.add_draft_section("links", "a.jinja2")
    config.add_agency_section("links", "b.jinja2")
    config.commit()
    assert [s.template for s in registered_sections(config.registry, "agency")] == ["b.jinja2"]


def test_two_children_under_one_name_conflict():
    config = Configurator(settings={})
    config.include("eparticipation.sections")
    config.add_draft_child("faq", object)
    config.add_draft_child("faq", dict)
    with pytest.raises(ConfigurationConflictError):
        config.commit()


def test_only_the_draft_page_has_states():
    config = Configurator(settings={})
    config.include("eparticipation.sections")
    with pytest.raises(ValueError):
        config.add_agency_section("services", "s.jinja2", states=(State.closed,))


def test_a_host_overrides_an_included_section_of_the_same_name():
    def domain(config):
        config.add_draft_section("comments", "domain.jinja2")

    config = Configurator(settings={})
    config.include("eparticipation.sections")
    config.include(domain)
    config.add_draft_section("comments", "host.jinja2")
    config.commit()
    assert [s.template for s in registered_sections(config.registry, "draft")] == ["host.jinja2"]
