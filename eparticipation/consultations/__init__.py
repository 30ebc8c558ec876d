"""Consultations: draft legal documents, their articles, and the workflow that puts them to the public."""

from dataclasses import dataclass
from typing import Callable


def draft_url(request, draft, *elements, anchor=None, query=None):
    """The address of a draft's page (or of one of its views), from any page."""
    return request.resource_url(request.root, "consultations", str(draft.id), *(elements or ("",)), anchor=anchor,
                                query=query)


def set_draft_page_overlay(config, overlay):
    """The draft page that signed-in participants share (pagecache.py, personal.py) is offered by whichever
    domain fills in each person's parts: `overlay.facts(sections)` gives what the shared page's parts are
    chosen by (from the page's shown sections), `overlay.personalise(request, draft, shared) -> bytes` one
    person's page. Without an overlay, every signed-in visitor's page is rendered for them."""

    def register():
        config.registry["draft_page_overlay"] = overlay

    config.action("draft page overlay", register)


def unopened_drafts(agency, request) -> dict:
    """The agency staff page's section: the agency's drafts not yet opened, the last changed first."""
    import sqlalchemy as sa
    from sqlalchemy.orm import selectinload

    from eparticipation.consultations.models import Draft, State
    from eparticipation.permissions import Permissions

    unopened = request.dbsession.scalars(
        sa.select(Draft).where(Draft.agency_id == agency.id, Draft.state == State.draft)
        .options(selectinload(Draft.texts)).order_by(Draft.updated_at.desc())
    ).all()
    return {"unopened": unopened, "can_add_draft": request.has_permission(Permissions.DraftAdd, agency)}


@dataclass(frozen=True)
class SharedPagePart:
    """A personal part of the draft page signed-in participants share, added by a domain whose section marks it
    with the `personal` macro (personal.py): `select` gives at most one row (slot, value) of the person's fact,
    with the bind parameters `draft_id` and `user_id` (the overlay reads every part's in one statement);
    `choose(value or None)` names the variant to serve. Whatever changes the fact must move the draft's
    `participation_version`, which the page is kept under."""

    slot: str
    select: object
    choose: Callable


def add_shared_page_part(config, slot: str, select, choose: Callable):
    def register():
        config.registry.setdefault("shared_draft_page_parts", {})[slot] = SharedPagePart(slot, select, choose)

    config.action(("shared draft page part", slot), register)


def read_settings(settings: dict) -> None:
    """The consultations' settings, parsed and validated in place."""
    from eparticipation import settings as parse

    # The languages a draft must have before it opens (and its survey and report); surveys and reports read it too.
    parse.words(settings, "eparticipation.required_languages", "fa en")
    parse.integer(settings, "eparticipation.min_consultation_days", 30)
    # How far ahead a consultation may be planned (its opening and its end); further is a typing mistake.
    parse.integer(settings, "eparticipation.max_years_ahead", 2)
    # The supporting documents a draft document must carry before it opens (W1): any of memorandum,
    # impact_assessment and provisions_table; none by default.
    from eparticipation.consultations.models import SupportingKind

    required = parse.words(settings, "eparticipation.consultations.required_supporting_documents", "")
    unknown = [kind for kind in required if kind not in SupportingKind.__members__]
    if unknown:
        raise ValueError(f"eparticipation.consultations.required_supporting_documents: unknown {' '.join(unknown)} "
                         f"(known: {' '.join(SupportingKind.__members__)})")


def includeme(config):
    from eparticipation.audit.subscribers import workflow_transition
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.resources import ArticleContainer

    from pyramid.events import BeforeRender

    from eparticipation.consultations.naming import naming_globals

    read_settings(config.get_settings())
    config.scan()
    config.add_subscriber(naming_globals, BeforeRender)
    config.include("eparticipation.sections")
    config.include(".workflow")
    # Every transition is written to the audit log, in the transition's transaction.
    config.add_subscriber(workflow_transition, DraftTransitioned)
    config.add_directive("set_draft_page_overlay", set_draft_page_overlay)
    config.add_directive("add_shared_page_part", add_shared_page_part)
    config.add_draft_child("articles", lambda draft: ArticleContainer(None))
    # The draft page's own sections; the values come from the view (consultations.views.draft_page).
    config.add_draft_section("timeline", "consultations/timeline_section.jinja2", order=10)
    config.add_draft_section("calls", "consultations/calls_section.jinja2", order=20)
    config.add_draft_section("articles", "consultations/articles_section.jinja2", order=30)
    config.add_agency_staff_section("unopened", "consultations/staff_section.jinja2", order=10, data=unopened_drafts)
