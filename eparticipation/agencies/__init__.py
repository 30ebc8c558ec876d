"""Agencies: the ministry, its affiliated agencies, and their units."""


def agency_url(request, agency, *elements):
    """The address of an agency's page (or of one of its views), from any page."""
    return request.resource_url(request.root, "agencies", agency.code, *(elements or ("",)))


def includeme(config):
    config.scan()
    config.add_request_method(agency_url)
