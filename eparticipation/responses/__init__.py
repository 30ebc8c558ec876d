"""Accountability (DESIGN R1, R2): a documented response to every comment, revised but never overwritten,
published with the outcome of the consultation."""


def comment_response(comment, request) -> dict:
    """The comment page's section: the agency's response to the comment, for whoever may read responses
    (everyone once the outcome is published; the agency and auditors before: the section's permission), with a
    link to its every wording for those who may see them."""
    from eparticipation.consultations import draft_url
    from eparticipation.permissions import Permissions
    from eparticipation.responses.schemas import DECISION_LABELS
    from eparticipation.responses.services import response_to

    draft = comment.__parent__.draft
    found = response_to(request.dbsession, comment)
    history_url = None
    if found is not None and request.has_permission(Permissions.ResponseHistory, draft):
        history_url = draft_url(request, draft, "responses", str(found[1]), "")
    return {"response": found[0] if found else None, "response_history_url": history_url,
            "decision_labels": DECISION_LABELS}


def comments_behind_changes(draft, request) -> dict:
    """The comparison page's per-article part: the comments whose accepted responses changed the article."""
    from eparticipation.responses.services import comments_behind_changes as found

    return {"comments_behind": found(request.dbsession, draft)}


def includeme(config):
    from eparticipation.consultations.models import State
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.permissions import Permissions
    from eparticipation.responses.resources import ResponseContainer
    from eparticipation.responses.services import every_comment_answered
    from eparticipation.responses.subscribers import announce_queued, tell_participants

    config.scan()
    config.include("eparticipation.sections")
    config.add_draft_child("responses", ResponseContainer)
    # The draft page: the staff's link to the responses' work, once closed; everyone's to the outcome, once published.
    config.add_draft_section("responses", "responses/draft_actions.jinja2", slot="actions", order=10,
                             permission=Permissions.ResponseHistory, states=(State.closed, State.published))
    config.add_comment_section("response", "responses/comment_section.jinja2", permission=Permissions.ResponseView,
                               data=comment_response)
    config.add_draft_section("outcome", "responses/draft_outcome.jinja2", slot="outcome", order=10,
                             permission=Permissions.ResponseView, states=(State.published,))
    config.add_compare_section("evidence", "responses/compare_evidence.jinja2", slot="article",
                               permission=Permissions.ResponseView, data=comments_behind_changes)
    config.add_workflow_guard("publish", every_comment_answered)
    config.add_subscriber(tell_participants, DraftTransitioned)
    config.include("eparticipation.tasks")
    config.add_worker_task("outcome-announcements", announce_queued)
