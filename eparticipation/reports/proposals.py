"""What participation changed: the accepted and partially accepted proposals, each with the comments it
answers and the articles of the final text it changed (the evidence of `response_changes`). Three statements,
whatever the number of responses."""

from dataclasses import dataclass, field

import sqlalchemy as sa

from eparticipation.consultations.models import ConsultedArticle, Draft
from eparticipation.participation.models import Comment, CommentState
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision
from eparticipation.responses.services import changed_articles

ADOPTED = (Decision.accepted, Decision.partially_accepted)
QUOTES_PER_PROPOSAL = 1


@dataclass
class Proposal:
    response_id: int
    decision: Decision
    reason: str
    legal_basis_law: str | None
    legal_basis_article: str | None
    comments: int = 0  # the visible comments it answers
    articles: list[str] = field(default_factory=list)  # the consulted articles they were on ("" = whole draft)
    changed: list[str] = field(default_factory=list)  # the final text's articles it changed
    quotes: list[str] = field(default_factory=list)


def adopted_proposals(dbsession, draft: Draft) -> list[Proposal]:
    """The responses whose latest wording accepts, wholly or in part, in the order they were first written;
    those with no visible comment left are dropped (nothing to show a reader)."""
    latest = (
        sa.select(ResponseRevision.response_id, sa.func.max(ResponseRevision.number).label("number"))
        .join(Response, Response.id == ResponseRevision.response_id)
        .where(Response.draft_id == draft.id)
        .group_by(ResponseRevision.response_id)
        .subquery()
    )
    revisions = dbsession.execute(
        sa.select(ResponseRevision.response_id, ResponseRevision.decision, ResponseRevision.reason,
                  ResponseRevision.legal_basis_law, ResponseRevision.legal_basis_article)
        .join(latest, sa.and_(latest.c.response_id == ResponseRevision.response_id,
                              latest.c.number == ResponseRevision.number))
        .where(ResponseRevision.decision.in_(ADOPTED))
        .order_by(ResponseRevision.response_id)
    ).all()
    if not revisions:
        return []
    proposals = {row[0]: Proposal(*row) for row in revisions}
    covered = dbsession.execute(
        sa.select(ResponseComment.response_id, Comment.body, ConsultedArticle.number)
        .join(Comment, Comment.id == ResponseComment.comment_id)
        .outerjoin(ConsultedArticle, ConsultedArticle.id == Comment.article_id)
        .where(ResponseComment.response_id.in_(proposals), Comment.state == CommentState.visible)
        .order_by(ResponseComment.response_id, Comment.id)
    ).all()
    for response_id, body, article in covered:
        proposal = proposals[response_id]
        proposal.comments += 1
        if (article or "") not in proposal.articles:
            proposal.articles.append(article or "")
        if len(proposal.quotes) < QUOTES_PER_PROPOSAL:
            proposal.quotes.append(body)
    for response_id, numbers in changed_articles(dbsession, draft).items():
        if response_id in proposals:
            proposals[response_id].changed = numbers
    return [p for p in proposals.values() if p.comments]
