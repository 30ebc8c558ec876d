"""A participant's own parts of the draft page that every signed-in participant shares (eparticipation/personal.py):
their vote, the listed comments they wrote or support, the parts other domains add (whether they answered the
survey: consultations.add_shared_page_part), all read in one statement the first time they see that page, then kept
with it, and their unread messages (loaded with them)."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.csrf import get_csrf_token

from eparticipation import personal
from eparticipation.participation.models import CommentSupport, Vote
from eparticipation.templating import unread_badge

_OWN_FACTS = (
    sa.select(sa.literal("vote"), sa.cast(Vote.choice, sa.String))
    .where(Vote.draft_id == sa.bindparam("draft_id"), Vote.user_id == sa.bindparam("user_id")),
    sa.select(sa.literal("support"), sa.cast(CommentSupport.comment_id, sa.String))
    .where(CommentSupport.user_id == sa.bindparam("user_id"),
           CommentSupport.comment_id.in_(sa.bindparam("comment_ids", expanding=True))),
)


def facts_statement(registry):
    """Built once: the statement is the same for every participant and every draft, only its parameters change."""
    statement = registry.get("participant_facts_statement")
    if statement is None:
        parts = registry.get("shared_draft_page_parts", {}).values()
        statement = registry["participant_facts_statement"] = sa.union_all(*_OWN_FACTS, *(p.select for p in parts))
    return statement


# A page kept for a popular draft remembers at most this many people's facts; then it starts over.
PEOPLE_PER_PAGE = 10_000


@dataclass(frozen=True)
class ParticipantFacts:
    vote: str = ""
    supported: frozenset[int] = field(default_factory=frozenset)
    others: dict = field(default_factory=dict)  # slot -> value, of the parts other domains add


def participant_facts(dbsession, draft_id: int, user_id: int, comment_ids, statement) -> ParticipantFacts:
    """The person's vote on the draft, which of `comment_ids` they support, and the other parts' facts (whether
    they answered its survey). Each of these changes the draft's `participation_version` (participation/services.py,
    surveys/services.py), so they are kept with a page kept under that version."""
    vote, supported, others = "", set(), {}
    rows = dbsession.execute(statement, {"draft_id": draft_id, "user_id": user_id, "comment_ids": list(comment_ids)})
    for kind, value in rows:
        if kind == "vote":
            vote = value
        elif kind == "support":
            supported.add(int(value))
        else:
            others[kind] = value
    return ParticipantFacts(vote, frozenset(supported), others)


def participant_page(request, draft, shared: personal.SharedPage) -> bytes:
    """The shared draft page as the signed-in participant sees it. `shared.facts` maps each listed comment to
    its author."""
    user = request.identity
    authors = shared.facts
    parts = request.registry.get("shared_draft_page_parts", {})
    facts = shared.people.get(user.id)
    if facts is None:
        facts = participant_facts(request.dbsession, draft.id, user.id, authors, facts_statement(request.registry))
        if len(shared.people) >= PEOPLE_PER_PAGE:
            shared.people.clear()
        shared.people[user.id] = facts

    def choose(slot: str) -> str:
        if slot == "vote":
            return facts.vote
        part = parts.get(slot)
        if part is not None:
            return part.choose(facts.others.get(slot))
        kind, _, number = slot.partition(":")
        if kind != "support":
            raise personal.MalformedSharedPage(f"no participant's choice for the slot {slot}")
        comment_id = int(number)
        if authors.get(comment_id) == user.id:
            return "own"
        return "supported" if comment_id in facts.supported else "other"

    return shared.fill(choose, {personal.CSRF: get_csrf_token(request),
                                personal.UNREAD: unread_badge(request, user.unread_messages)})


class DraftPageOverlay:
    """The draft page that signed-in participants share, offered to consultations' draft page
    (consultations.set_draft_page_overlay): the listed comments' authors are its facts."""

    @staticmethod
    def facts(sections) -> dict:
        data = sections.data("comments")
        if data is None:
            return {}
        return {c.id: c.author_id for c in data["p"]["page"].comments}

    @staticmethod
    def personalise(request, draft, shared: personal.SharedPage) -> bytes:
        return participant_page(request, draft, shared)
