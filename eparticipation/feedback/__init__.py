"""Service feedback (DESIGN P4): an agency's services and processes, rated by citizens once a month."""


def includeme(config):
    from eparticipation.agencies.models import AGENCY_CHILDREN
    from eparticipation.feedback.models import ServiceContainer
    from eparticipation.feedback.services import personal_ratings

    AGENCY_CHILDREN["services"] = ServiceContainer
    config.add_personal_data("service_ratings", personal_ratings)
