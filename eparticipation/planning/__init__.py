"""The forward plan and notice of intent: each agency announces the drafts it plans to put to consultation in the
coming Jalali year (title, document type, expected quarter, drafting unit, a short reason); people comment on an
announced entry's intent and follow it, and are told once when the draft written from it opens for consultation.

    /plan/                          every agency's announced entries for the coming four quarters
    /agencies/<code>/plan/          one agency's entries of a Jalali year, by quarter and document type
    /agencies/<code>/plan/<id>/     an entry: its intent, status, comments, and its draft's consultation once linked
    /agencies/<code>/new-draft?plan=<id>   the new-draft form filled in from the entry; the draft is linked to it

The draft page says when its draft was announced (a draft section); `services.announced_in_advance` tells the
oversight pages which consultations were announced before they opened.
"""


def draft_section_data(draft, request) -> dict:
    """The draft page's "announced in the forward plan" line: the entry written into this draft, if any."""
    from eparticipation.planning.services import entry_of_draft

    return {"plan_entry": entry_of_draft(request.dbsession, draft.id)}


def agency_section_data(agency, request) -> dict:
    from eparticipation.planning.services import coming_year

    return {"plan_quarters": coming_year(request.now)}


def forget_closed_account(event):
    from eparticipation.planning.services import forget_person

    forget_person(event.request.dbsession, event.user.id)


def includeme(config):
    from eparticipation.accounts.events import AccountClosed
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.permissions import Permissions
    from eparticipation.planning.models import AgencyPlan, SitePlan
    from eparticipation.planning.services import (
        on_transition,
        personal_plan_comments,
        personal_plan_follows,
        tell_due_followers,
    )

    config.scan()
    config.include("eparticipation.sections")
    config.include("eparticipation.tasks")
    config.add_agency_child("plan", AgencyPlan)
    config.add_root_child("plan", SitePlan)
    config.add_agency_section("forward-plan", "planning/agency_section.jinja2", order=15, data=agency_section_data)
    config.add_draft_section("forward-plan", "planning/draft_section.jinja2", order=5,
                             permission=Permissions.DraftView, data=draft_section_data)
    config.add_personal_data("plan_comments", personal_plan_comments)
    config.add_personal_data("plan_follows", personal_plan_follows)
    config.add_subscriber(on_transition, DraftTransitioned)
    config.add_subscriber(forget_closed_account, AccountClosed)
    config.add_tick_task("plan-followers", tell_due_followers)
