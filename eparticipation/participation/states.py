"""The states of a comment, apart from the models and the comment's ACL (security.py), which both need them."""

import enum


class CommentState(enum.StrEnum):
    visible = "visible"
    hidden = "hidden"  # by the moderators, with a reason; shown as hidden, never deleted
    withdrawn = "withdrawn"  # by its author while the consultation ran
