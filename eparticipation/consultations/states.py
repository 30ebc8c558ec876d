"""The states of a draft's workflow, apart from the models and the workflow, which both need them."""

import enum


class State(enum.StrEnum):
    draft = "draft"
    consultation = "consultation"
    closed = "closed"
    published = "published"
