"""Who may make which transition in which state (DESIGN §2, §4), from the ACL computed by the workflow."""

import pytest
from pyramid.authorization import ACLHelper, Authenticated, Everyone

from eparticipation.consultations.models import Draft, State
from eparticipation.consultations.workflow import TRANSITIONS
from eparticipation.permissions import Permissions
from eparticipation.security import agency_principal, role_principal

AGENCY, OTHER = 1, 2
PRINCIPALS = {
    "anonymous": [Everyone],
    "citizen": [Everyone, Authenticated, "u:9"],
    "editor": [Everyone, Authenticated, "u:1", agency_principal(AGENCY, "editor")],
    "coordinator": [Everyone, Authenticated, "u:2", agency_principal(AGENCY, "coordinator")],
    "other editor": [Everyone, Authenticated, "u:3", agency_principal(OTHER, "editor")],
    "other coordinator": [Everyone, Authenticated, "u:4", agency_principal(OTHER, "coordinator")],
    "auditor": [Everyone, Authenticated, "u:5", role_principal("auditor")],
    "admin": [Everyone, Authenticated, "u:6", role_principal("admin")],
}
# The only (state, transition, who) allowed; everything else is refused.
ALLOWED = {
    (State.draft, "open", "coordinator"),
    (State.consultation, "extend", "coordinator"),
    (State.consultation, "withdraw", "coordinator"),
    (State.closed, "publish", "coordinator"),
}


def permits(state, who, permission):
    draft = Draft(agency_id=AGENCY, state=state)
    return bool(ACLHelper().permits(draft, PRINCIPALS[who], permission))


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("name", [n for n, t in TRANSITIONS.items() if t.permission is not None])
@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_transition_matrix(state, name, who):
    transition = TRANSITIONS[name]
    allowed = permits(state, who, transition.permission) and transition.source == state
    assert allowed == ((state, name, who) in ALLOWED)


def test_the_clock_alone_closes():
    assert TRANSITIONS["close"].permission is None


@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_unopened_drafts_are_seen_by_their_agency_and_auditors_only(who):
    assert permits(State.draft, who, Permissions.DraftView) == (who in ("editor", "coordinator", "auditor"))


@pytest.mark.parametrize("state", [State.consultation, State.closed, State.published])
def test_opened_drafts_are_public(state):
    assert permits(state, "anonymous", Permissions.DraftView)


@pytest.mark.parametrize("state, editable", [(State.draft, True), (State.consultation, False),
                                              (State.closed, True), (State.published, False)])
def test_articles_are_editable_before_opening_and_for_the_final_text_only(state, editable):
    assert permits(state, "editor", Permissions.ArticleEdit) == editable
    assert not permits(state, "other editor", Permissions.ArticleEdit)
    assert not permits(state, "auditor", Permissions.ArticleEdit)


@pytest.mark.parametrize("state", list(State))
def test_history_is_for_the_agency_and_auditors(state):
    for who in PRINCIPALS:
        assert permits(state, who, Permissions.DraftHistory) == (who in ("editor", "coordinator", "auditor")), who
