"""Service feedback (DESIGN P4): an agency's services and processes, rated by citizens once a month."""


def services_data(agency, request) -> dict:
    """The agency page's services section: each service's average rating (one query)."""
    from eparticipation.feedback.services import services_summary

    return {"services_summary": services_summary(request, agency)}


def includeme(config):
    from eparticipation.feedback.models import ServiceContainer
    from eparticipation.feedback.services import personal_ratings

    config.scan()
    config.include("eparticipation.sections")
    config.add_agency_child("services", ServiceContainer)
    config.add_agency_section("services", "feedback/agency_section.jinja2", order=30, data=services_data)
    config.add_personal_data("service_ratings", personal_ratings)
