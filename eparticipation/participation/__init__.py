"""Participation (DESIGN P1–P7): comments on drafts and articles, supports and reports, moderation, votes."""


def includeme(config):
    from eparticipation.consultations.models import register_draft_child
    from eparticipation.participation.resources import CommentContainer, VoteBox

    register_draft_child("comments", CommentContainer)
    register_draft_child("votes", VoteBox)
