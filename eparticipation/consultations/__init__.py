"""Consultations: draft legal documents, their articles, and the workflow that puts them to the public."""


def includeme(config):
    config.include(".workflow")
