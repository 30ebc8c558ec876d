"""Who may do what to one comment. The draft's ACL (consultations/workflow.py) gives participation and
moderation by state; a comment adds that its author may edit or withdraw it while the consultation runs.

An agency's own editors and coordinators do not take part in its consultations nor rate its services: the
ACLs deny it to their abstention principal (security.py). A site that lets them
(`eparticipation.participation.staff_of_agency_may_take_part = true`) counts what they send as a government
employee's, whatever their profile says, and their comments say they come from the agency's staff."""

from pyramid.authorization import Allow

from eparticipation.consultations.models import State
from eparticipation.i18n import _
from eparticipation.participation.states import CommentState
from eparticipation.permissions import Permissions
from eparticipation.security import STAFF_MAY_TAKE_PART, user_principal

STAFF_ABSTAIN_TITLE = _("Not for the agency's own staff")
STAFF_ABSTAIN_MESSAGE = _("As an editor or coordinator of this agency, you do not take part in its own "
                          "consultations or rate its services: the public's voice is counted apart from the agency's.")


def is_agency_staff(user, agency_id: int | None) -> bool:
    """An editor or coordinator of the agency."""
    return user is not None and agency_id is not None and any(
        grant.agency_id == agency_id and grant.role.is_agency_role for grant in user.grants)


def abstains(request, agency_id: int | None) -> bool:
    """The signed-in person is the agency's staff, whom this site keeps out of the agency's consultations."""
    allowed = request.registry.settings.get(STAFF_MAY_TAKE_PART, False)
    return not allowed and is_agency_staff(request.identity, agency_id)


def comment_acl(comment) -> list:
    draft = comment.__parent__.__parent__ if comment.__parent__ is not None else None
    if draft is not None and draft.state == State.consultation and comment.state == CommentState.visible:
        return [(Allow, user_principal(comment.author_id), Permissions.CommentEdit)]
    return []
