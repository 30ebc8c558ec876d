"""A participant's own parts of the draft page that every signed-in participant shares (eparticipation/personal.py):
their vote, the listed comments they wrote or support, whether they answered the survey (read in one statement
the first time they see that page, then kept with it), and their unread messages (loaded with them)."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.csrf import get_csrf_token

from eparticipation import personal
from eparticipation.messaging import unread_badge
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
)

# A page kept for a popular draft remembers at most this many people's facts; then it starts over.
PEOPLE_PER_PAGE = 10_000


@dataclass(frozen=True)
class ParticipantFacts:
    vote: str = ""
    supported: frozenset[int] = field(default_factory=frozenset)
    answered: bool = False


def participant_facts(dbsession, draft_id: int, user_id: int, comment_ids) -> ParticipantFacts:
    """The person's vote on the draft, which of `comment_ids` they support, and whether they answered its
    survey. Each of these changes the draft's `participation_version` (participation/services.py,
    surveys/services.py), so they are kept with a page kept under that version."""
    vote, supported, answered = "", set(), False
    rows = dbsession.execute(_FACTS, {"draft_id": draft_id, "user_id": user_id, "comment_ids": list(comment_ids)})
    for kind, value in rows:
        if kind == "vote":
            vote = value
        elif kind == "support":
            supported.add(int(value))
        else:
            answered = True
    return ParticipantFacts(vote, frozenset(supported), answered)


def participant_page(request, draft, shared: personal.SharedPage) -> bytes:
    """The shared draft page as the signed-in participant sees it. `shared.facts` maps each listed comment to
    its author."""
    user = request.identity
    authors = shared.facts
    facts = shared.people.get(user.id)
    if facts is None:
        facts = participant_facts(request.dbsession, draft.id, user.id, authors)
        if len(shared.people) >= PEOPLE_PER_PAGE:
            shared.people.clear()
        shared.people[user.id] = facts

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
                                personal.UNREAD: unread_badge(request, user.unread_messages)})
