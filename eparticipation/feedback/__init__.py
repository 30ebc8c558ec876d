"""Service feedback (DESIGN P4): an agency's services and processes, rated by citizens once a month."""


def includeme(config):
    from eparticipation.agencies.models import AGENCY_CHILDREN
    from eparticipation.feedback.models import ServiceContainer

    AGENCY_CHILDREN["services"] = ServiceContainer
