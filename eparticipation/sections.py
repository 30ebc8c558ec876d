"""Page sections and page children: how a domain (or a host application) adds its part to a page it does not
own, and its child to a resource it does not own, without the page's domain knowing it (in the spirit of Plone
viewlets and Kotti slots).

    config.add_draft_section("survey", "surveys/draft_section.jinja2", order=40, data=survey_data)
    config.add_draft_section("report-link", "reports/draft_link.jinja2", slot="actions", order=20,
                             permission=Permissions.ReportView, states=(State.closed,))
    config.add_comment_section(...)  # /consultations/<id>/comments/<n>/ (its context: the comment)
    config.add_agency_section(...)   # /agencies/<code>/
    config.add_agency_staff_section(...)  # /agencies/<code>/staff
    config.add_account_section(...)  # /me/
    config.add_compare_section(...)  # /consultations/<id>/compare (its context: the draft; slot "article":
                                     # per-article parts, a macro `article_part(number)`)
    config.add_listing_section(...)  # /consultations/ (its values: the listing's filters)
    config.add_draft_child("faq", FAQ)    # /consultations/<id>/faq/: FAQ(draft)
    config.add_agency_child("services", ServiceContainer)

A section says what it needs, so that no template tests a permission or a state itself: the `permission` the
visitor must have on the page's context and the `states` of the context (a draft's) it is shown in. Its
`data(context, request) -> dict` gives its template's own variables, computed only when the section is shown
and once a page for sections that share the callable (participation's votes and comments). The template also
sees the page's values. Sections are shown in `order` (then name) within their `slot`: the part of the page
they go in (each page says which slots it has; "main" by default).

A head part adds to the `<head>` of every page of the base layout (layout.jinja2 renders `{{ head_parts() }}`):
`part(context, request) -> Markup | None` looks at the page's context (and `request.view_name`) and gives its
tags, or None on the pages it has nothing for (Open Graph tags on a draft's page, feed links on the listing's):

    config.add_head_part("open-graph", open_graph_tags, order=10)

Registered by configuration actions: two sections (or two children) of one page under one name conflict, unless
one include overrides the other (Pyramid's rules); each is an introspectable ("page sections", "page children").
"""

from dataclasses import dataclass
from typing import Callable

from jinja2 import pass_context
from markupsafe import Markup

PAGES = ("draft", "comment", "agency", "agency_staff", "account", "compare", "listing")
# The pages whose context has a `state` that sections may be shown in.
PAGES_WITH_STATES = ("draft",)


@dataclass(frozen=True)
class Section:
    page: str
    name: str
    template: str
    order: int = 100
    permission: str | None = None
    states: frozenset | None = None
    data: Callable | None = None
    slot: str = "main"

    def applies(self, context, request) -> bool:
        if self.states is not None and context.state not in self.states:
            return False
        return self.permission is None or request.has_permission(self.permission, context)


@dataclass(frozen=True)
class ShownSection:
    """A section on one page: its template and its data."""

    section: Section
    data: dict

    @property
    def name(self):
        return self.section.name

    @property
    def template(self):
        return self.section.template


class PageSections:
    """The sections shown on one page, by slot: `sections.main`, `sections.actions`, … (empty when none)."""

    def __init__(self, slots: dict[str, list[ShownSection]]):
        self.slots = slots

    def __getattr__(self, slot):
        if slot.startswith("__"):
            raise AttributeError(slot)
        return self.slots.get(slot, ())

    def __getitem__(self, slot):
        return self.slots.get(slot, ())

    def data(self, name: str):
        """The data of the section `name`, or None when it is not shown."""
        for shown in self.slots.values():
            for section in shown:
                if section.name == name:
                    return section.data
        return None


def registered_sections(registry, page: str) -> tuple[Section, ...]:
    return registry.get("page_sections", {}).get(page, ())


def page_sections(request, page: str, context) -> PageSections:
    """The sections of `page` this visitor is shown on `context`, with their data."""
    slots, computed = {}, {}
    for section in registered_sections(request.registry, page):
        if not section.applies(context, request):
            continue
        data = {}
        if section.data is not None:
            data = computed.get(section.data)
            if data is None:
                data = computed[section.data] = section.data(context, request)
        slots.setdefault(section.slot, []).append(ShownSection(section, data))
    return PageSections(slots)


@pass_context
def render_section(context, shown: ShownSection, **values) -> Markup:
    """`{{ section(shown) }}` in a page's template: the section's template rendered with the page's values,
    the section's data and `values` (e.g. the article of a per-article section)."""
    template = context.environment.get_template(shown.template)
    return Markup(template.render({**context.get_all(), **shown.data, "section": shown, **values}))


@pass_context
def section_macros(context, shown_sections, macro: str) -> list:
    """The macro `macro` of each section (e.g. a per-article section's `article_part(article)`), its module
    built once with the page's values and the section's data, to be called many times on the page."""
    macros = []
    for shown in shown_sections:
        template = context.environment.get_template(shown.template)
        module = template.make_module({**context.get_all(), **shown.data, "section": shown})
        macros.append(getattr(module, macro))
    return macros


def add_section(config, page: str, name: str, template: str, order: int = 100, permission=None, states=None,
                data: Callable | None = None, slot: str = "main"):
    if page not in PAGES:
        raise ValueError(f"no page {page!r} takes sections; the pages are {PAGES}")
    if states is not None:
        if page not in PAGES_WITH_STATES:
            raise ValueError(f"the {page} page has no states to show the section {name!r} in")
        states = frozenset(states)
    section = Section(page, name, template, order, permission, states, data, slot)
    introspectable = config.introspectable("page sections", (page, name), f"{page} page: {name}", "page section")
    introspectable.update(page=page, name=name, template=template, order=order, permission=permission,
                          states=states, slot=slot, data=data)

    def register():
        sections = config.registry.setdefault("page_sections", {})
        others = [s for s in sections.get(page, ()) if s.name != name]
        sections[page] = tuple(sorted([*others, section], key=lambda s: (s.order, s.name)))

    config.action(("page section", page, name), register, introspectables=(introspectable,))


@dataclass(frozen=True)
class HeadPart:
    name: str
    part: Callable
    order: int = 100


def add_head_part(config, name: str, part: Callable, order: int = 100):
    """`part(context, request) -> Markup | None`: tags in the `<head>` of every page it gives some for."""
    head_part = HeadPart(name, config.maybe_dotted(part), order)
    introspectable = config.introspectable("head parts", name, f"head: {name}", "head part")
    introspectable.update(name=name, part=part, order=order)

    def register():
        others = [p for p in config.registry.get("head_parts", ()) if p.name != name]
        config.registry["head_parts"] = tuple(sorted([*others, head_part], key=lambda p: (p.order, p.name)))

    config.action(("head part", name), register, introspectables=(introspectable,))


def render_head_parts(request) -> Markup:
    """What the head parts give for this page (its context is the request's)."""
    context = getattr(request, "context", None)
    given = (part.part(context, request) for part in request.registry.get("head_parts", ()))
    return Markup("\n").join(markup for markup in given if markup)


# The resources a domain or a host may give children of its own, each by its directive add_<resource>_child:
# the site's root (/<name>/), the signed-in person's pages (/me/<name>/), every agency and every draft.
CHILD_RESOURCES = ("root", "me", "agency", "draft")


def add_child(config, resource: str, name: str, factory: Callable):
    """`factory(parent)` is the child `name` of the root, of /me/, of every agency or of every draft (`resource`
    one of CHILD_RESOURCES)."""
    if resource not in CHILD_RESOURCES:
        raise ValueError(f"no resource {resource!r} takes children; one of {', '.join(CHILD_RESOURCES)}")
    introspectable = config.introspectable("page children", (resource, name), f"{resource}/{name}", "page child")
    introspectable.update(resource=resource, name=name, factory=factory)

    def register():
        config.registry.setdefault("children", {}).setdefault(resource, {})[name] = factory

    config.action(("child", resource, name), register, introspectables=(introspectable,))


def child_of(resource, kind: str, name: str):
    """The child `name` of `resource` registered by its add_<kind>_child; KeyError (404) when none is. The registry
    is the request's: the resource, or its parent in the traversal, holds it."""
    from pyramid.threadlocal import get_current_registry

    request = getattr(resource, "request", None) or getattr(resource.__parent__, "request", None)
    registry = request.registry if request is not None else get_current_registry()
    factory = registry.get("children", {}).get(kind, {})[name]
    child = factory(resource)
    child.__name__, child.__parent__ = name, resource
    return child


def _page_directive(page):
    def directive(config, name, template, **options):
        add_section(config, page, name, template, **options)

    directive.__name__ = f"add_{page}_section"
    directive.__doc__ = f"A section of the {page} page (eparticipation/sections.py)."
    return directive


def _child_directive(resource):
    def directive(config, name, factory):
        add_child(config, resource, name, factory)

    directive.__name__ = f"add_{resource}_child"
    directive.__doc__ = f"A child of every {resource} in the traversal (eparticipation/sections.py)."
    return directive


def includeme(config):
    """The directives; including this twice (a host's package may, to be sure of them) changes nothing."""
    for page in PAGES:
        config.add_directive(f"add_{page}_section", _page_directive(page))
    for resource in CHILD_RESOURCES:
        config.add_directive(f"add_{resource}_child", _child_directive(resource))
    config.add_directive("add_head_part", add_head_part)
