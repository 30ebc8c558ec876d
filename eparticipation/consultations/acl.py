"""The permissions of a draft in each state, and its ACL (DESIGN §4): apart from the workflow's transitions, so that
the draft (models.py) asks its ACL of this module and this module needs only the states."""

from functools import lru_cache

from pyramid.authorization import DENY_ALL, Allow, Deny, Everyone

from eparticipation.accounts.models import Role
from eparticipation.accounts.principals import VERIFIED
from eparticipation.consultations.states import State
from eparticipation.permissions import Permissions as P
from eparticipation.security import abstention_principal, agency_principal, role_principal

# Taking part in a consultation: what the agency's own staff abstain from (reporting abuse is not taking part).
TAKING_PART = (P.CommentAdd, P.CommentSupport, P.VoteCast, P.SurveyAnswer)

# What each role may do to a draft in each state. Every state's ACL ends in DENY_ALL: nothing is
# inherited from the agency or the site, so a permission not listed here does not exist.
STATE_PERMISSIONS = {
    State.draft: {
        Role.editor: (P.DraftView, P.DraftEdit, P.ArticleEdit, P.DraftHistory, P.SurveyDesign),
        Role.coordinator: (P.DraftView, P.DraftEdit, P.ArticleEdit, P.DraftHistory, P.DraftOpen),
        Role.auditor: (P.DraftView, P.DraftHistory),
    },
    State.consultation: {
        Everyone: (P.DraftView,),
        # Participation: signed-in people who confirmed their address, only while the consultation runs (P6: closed
        # means closed).
        VERIFIED: (P.CommentAdd, P.CommentSupport, P.CommentReport, P.VoteCast, P.SurveyAnswer),
        Role.editor: (P.DraftHistory, P.CommentModerate),
        Role.coordinator: (P.DraftHistory, P.DraftExtend, P.DraftWithdraw),
        Role.auditor: (P.DraftHistory,),
    },
    State.closed: {
        Everyone: (P.DraftView,),
        # The responses are written now (R1) and seen by the public only once published.
        Role.editor: (P.ArticleEdit, P.DraftHistory, P.CommentModerate, P.ReportEdit, P.ReportView,
                      P.ResponseHistory, P.ResponseView, P.ResponseWrite),
        Role.coordinator: (P.DraftHistory, P.DraftPublish, P.ReportView, P.ResponseHistory, P.ResponseView),
        Role.auditor: (P.DraftHistory, P.ReportView, P.ResponseHistory, P.ResponseView),
    },
    State.published: {
        Everyone: (P.DraftView, P.ReportView, P.ResponseView),
        Role.editor: (P.DraftHistory, P.ResponseHistory),
        Role.coordinator: (P.DraftHistory, P.ResponseHistory),
        Role.auditor: (P.DraftHistory, P.ResponseHistory),
    },
}


def acl_for(draft) -> list:
    return list(state_acl(draft.state, draft.agency_id))


@lru_cache(maxsize=1024)
def state_acl(state: State, agency_id: int) -> tuple:
    """The ACL of a draft of this agency in this state: a page checks a dozen permissions on its draft,
    and the table above does not change while the application runs."""
    # The agency's own editors and coordinators do not take part in its consultations (unless the site lets
    # them: then they have no abstention principal, security.py); denied before everyone signed in is allowed.
    acl = [(Deny, abstention_principal(agency_id), permission) for permission in TAKING_PART
           if state == State.consultation]
    for who, permissions in STATE_PERMISSIONS[state].items():
        if who in (Everyone, VERIFIED):
            principal = who
        elif who.is_agency_role:
            principal = agency_principal(agency_id, who)
        else:
            principal = role_principal(who)
        acl.extend((Allow, principal, permission) for permission in permissions)
    acl.append(DENY_ALL)
    return tuple(acl)
