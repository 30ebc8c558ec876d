"""Participation (DESIGN P1–P7): comments on drafts and articles, supports and reports, moderation, votes."""


def includeme(config):
    from eparticipation.consultations.models import register_draft_child
    from eparticipation.participation.resources import CommentContainer, VoteBox
    from eparticipation.participation.services import personal_comments, personal_votes

    register_draft_child("comments", CommentContainer)
    register_draft_child("votes", VoteBox)
    config.add_personal_data("comments", personal_comments)
    config.add_personal_data("votes", personal_votes)
