"""/consultations/<id>/comments/<comment id>/ and /consultations/<id>/votes/."""

from eparticipation.participation.models import Comment
from eparticipation.resources import DraftRows


class CommentContainer(DraftRows):
    __name__ = "comments"
    model = Comment


class VoteBox:
    """The draft's tally, and the place the signed-in participant's vote is sent to."""

    __name__ = "votes"
    __parent__ = None

    def __init__(self, draft):
        self.draft = draft
