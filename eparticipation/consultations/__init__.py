"""Consultations: draft legal documents, their articles, and the workflow that puts them to the public."""


def draft_url(request, draft, *elements, anchor=None, query=None):
    """The address of a draft's page (or of one of its views), from any page."""
    return request.resource_url(request.root, "consultations", str(draft.id), *(elements or ("",)), anchor=anchor,
                                query=query)


def includeme(config):
    from eparticipation.consultations.models import register_draft_child
    from eparticipation.resources import ArticleContainer

    config.include(".workflow")
    register_draft_child("articles", lambda draft: ArticleContainer(None))
