"""/consultations/<id>/comments/<comment id>/ and /consultations/<id>/votes/."""

import sqlalchemy as sa

from eparticipation.participation.models import Comment


class CommentContainer:
    __name__ = "comments"
    __parent__ = None

    def __init__(self, draft):
        self.draft = draft

    def __getitem__(self, name):
        if not (name.isascii() and name.isdigit()):
            raise KeyError(name)
        request_session = sa.inspect(self.draft).session
        comment = request_session.get(Comment, int(name))
        if comment is None or comment.draft_id != self.draft.id:
            raise KeyError(name)
        comment.__parent__ = self
        return comment


class VoteBox:
    """The draft's tally, and the place the signed-in participant's vote is sent to."""

    __name__ = "votes"
    __parent__ = None

    def __init__(self, draft):
        self.draft = draft
