"""Accountability (DESIGN R1, R2): a documented response to every comment, revised but never overwritten,
published with the outcome of the consultation."""


def includeme(config):
    from eparticipation.consultations.models import register_draft_child
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.responses.resources import ResponseContainer
    from eparticipation.responses.services import every_comment_answered
    from eparticipation.responses.subscribers import tell_participants

    register_draft_child("responses", ResponseContainer)
    config.add_workflow_guard("publish", every_comment_answered)
    config.add_subscriber(tell_participants, DraftTransitioned)
