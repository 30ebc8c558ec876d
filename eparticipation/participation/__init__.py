"""Participation (DESIGN P1–P7): comments on drafts and articles, supports and reports, moderation, votes."""

def participation_data(context, request) -> dict:
    """The draft page's participation sections' data (computed once for all of them)."""
    from eparticipation.participation.views import draft_participation

    return {"p": draft_participation(request, context)}


def includeme(config):
    from eparticipation.consultations.models import State
    from eparticipation.participation.overlay import DraftPageOverlay
    from eparticipation.participation.resources import CommentContainer, VoteBox
    from eparticipation.participation.services import personal_comments, personal_votes

    config.scan()
    config.include("eparticipation.sections")
    config.add_draft_child("comments", CommentContainer)
    config.add_draft_child("votes", VoteBox)
    opened = (State.consultation, State.closed, State.published)
    config.add_draft_section("votes", "participation/vote_section.jinja2", order=50, states=opened,
                             data=participation_data)
    config.add_draft_section("comments", "participation/comments_section.jinja2", order=60, states=opened,
                             data=participation_data)
    # Under each article of the consulted text: its comment count and a form to comment on it.
    config.add_draft_section("article-comments", "participation/article_section.jinja2", slot="article",
                             states=opened, data=participation_data)
    # Signed-in participants share one rendering of the draft page, their own parts filled in (overlay.py).
    config.set_draft_page_overlay(DraftPageOverlay)
    config.add_personal_data("comments", personal_comments)
    config.add_personal_data("votes", personal_votes)
