"""Who may do what to one comment. The draft's ACL (consultations/workflow.py) gives participation and
moderation by state; a comment adds that its author may edit or withdraw it while the consultation runs."""

from pyramid.authorization import Allow

from eparticipation.consultations.models import State
from eparticipation.participation.models import CommentState
from eparticipation.permissions import Permissions
from eparticipation.security import user_principal


def comment_acl(comment) -> list:
    draft = comment.__parent__.__parent__ if comment.__parent__ is not None else None
    if draft is not None and draft.state == State.consultation and comment.state == CommentState.visible:
        return [(Allow, user_principal(comment.author_id), Permissions.CommentEdit)]
    return []
