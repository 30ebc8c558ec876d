"""A participant's own parts of the draft page that every signed-in participant shares (eparticipation/personal.py):
their vote, the listed comments they wrote or support, whether they answered the survey, and their unread
messages — read in one statement, then chosen among the shared page's variants."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.csrf import get_csrf_token

from eparticipation import personal
from eparticipation.messaging import unread_badge
from eparticipation.messaging.models import InboxMessage
from eparticipation.participation.models import CommentSupport, Vote
from eparticipation.surveys.models import Submission, Survey

# Built once: the statement is the same for every participant and every draft, only its parameters change.
_FACTS = sa.union_all(
    sa.select(sa.literal("vote"), sa.cast(Vote.choice, sa.String))
    .where(Vote.draft_id == sa.bindparam("draft_id"), Vote.user_id == sa.bindparam("user_id")),
    sa.select(sa.literal("support"), sa.cast(CommentSupport.comment_id, sa.String))
    .where(CommentSupport.user_id == sa.bindparam("user_id"),
           CommentSupport.comment_id.in_(sa.bindparam("comment_ids", expanding=True))),
    sa.select(sa.literal("survey"), sa.literal("answered"))
    .select_from(Submission).join(Survey, Survey.id == Submission.survey_id)
    .where(Survey.draft_id == sa.bindparam("draft_id"), Submission.user_id == sa.bindparam("user_id")),
    sa.select(sa.literal("unread"), sa.cast(sa.func.count(InboxMessage.id), sa.String))
    .where(InboxMessage.user_id == sa.bindparam("user_id"), InboxMessage.read_at.is_(None)),
)


@dataclass
class ParticipantFacts:
    vote: str = ""
    supported: set[int] = field(default_factory=set)
    answered: bool = False
    unread: int = 0


def participant_facts(dbsession, draft_id: int, user_id: int, comment_ids) -> ParticipantFacts:
    facts = ParticipantFacts()
    rows = dbsession.execute(_FACTS, {"draft_id": draft_id, "user_id": user_id, "comment_ids": list(comment_ids)})
    for kind, value in rows:
        if kind == "vote":
            facts.vote = value
        elif kind == "support":
            facts.supported.add(int(value))
        elif kind == "survey":
            facts.answered = True
        else:
            facts.unread = int(value)
    return facts


def participant_page(request, draft, shared: personal.SharedPage) -> bytes:
    """The shared draft page as the signed-in participant sees it. `shared.facts` maps each listed comment to
    its author."""
    user = request.identity
    authors = shared.facts
    facts = participant_facts(request.dbsession, draft.id, user.id, authors)

    def choose(slot: str) -> str:
        if slot == "vote":
            return facts.vote
        if slot == "survey":
            return "answered" if facts.answered else "unanswered"
        kind, _, number = slot.partition(":")
        if kind != "support":
            raise personal.MalformedSharedPage(f"no participant's choice for the slot {slot}")
        comment_id = int(number)
        if authors.get(comment_id) == user.id:
            return "own"
        return "supported" if comment_id in facts.supported else "other"

    return shared.fill(choose, {personal.CSRF: get_csrf_token(request),
                                personal.UNREAD: unread_badge(request, facts.unread)})
