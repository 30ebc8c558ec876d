"""Consultations: draft legal documents, their articles, and the workflow that puts them to the public."""


def includeme(config):
    from eparticipation.consultations.models import register_draft_child
    from eparticipation.resources import ArticleContainer

    config.include(".workflow")
    register_draft_child("articles", lambda draft: ArticleContainer(None))
