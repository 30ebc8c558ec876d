"""On publishing (W4), every participant whose comments were answered is told (R3): in their inbox, by e-mail
and on the messengers they linked, through the outbox, in the same transaction as the publishing."""

import sqlalchemy as sa

from eparticipation.i18n import _
from eparticipation.messaging import notify
from eparticipation.participation.models import Comment, CommentState
from eparticipation.responses.services import answered, respondents


def tell_participants(event):
    if event.event.transition == "publish":
        tell_respondents(event.request, event.draft)


def tell_respondents(request, draft):
    """One message to each participant whose comments were answered (once per draft: notify's key)."""
    answered_per_author = dict(request.dbsession.execute(
        sa.select(Comment.author_id, sa.func.count(Comment.id))
        .where(Comment.draft_id == draft.id, Comment.state == CommentState.visible, answered())
        .group_by(Comment.author_id)
    ).all())
    link = request.resource_url(request.root, "consultations", str(draft.id), "outcome", query={"mine": "1"})
    agency = draft.agency
    for user in respondents(request.dbsession, draft):
        language = user.locale or "fa"
        text = draft.text(language)
        title = text.title if text else ""
        notify(
            request, user, key=f"responses:draft:{draft.id}",
            subject=_("Your comments on “${title}” have been answered", mapping={"title": title}),
            body=_("${agency} has published the outcome of its consultation on “${title}” and its response to "
                   "${count} of your comments, with the reasons and legal basis. Read them here:",
                   mapping={"agency": agency.name(language), "title": title,
                            "count": answered_per_author.get(user.id, 0)}),
            link=link,
        )
