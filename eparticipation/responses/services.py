"""Rules of responding (R1, R2) and the queries of the work page, the public outcome, the publish guard and
the people told on publishing. Counts are SQL aggregates; lists are keyset-paged."""

import difflib
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, lazyload

from eparticipation import search
from eparticipation.accounts.models import User
from eparticipation.audit import record
from eparticipation.consultations.models import Article, ConsultedArticle, Draft, State
from eparticipation.i18n import _
from eparticipation.participation.models import Comment, CommentState, CommentSupport, Vote
from eparticipation.participation.services import CAMPAIGN_MIN_AUTHORS
from eparticipation.responses.models import Decision, Response, ResponseChange, ResponseComment, ResponseRevision
from eparticipation.surveys.models import Submission, Survey

WORK_PAGE_SIZE = 50
OUTCOME_PAGE_SIZE = 50


class Refused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def answered():
    """SQL: this comment is covered by a response."""
    return sa.exists().where(ResponseComment.comment_id == Comment.id)


def latest_revision_number():
    """SQL: the number of the latest revision of the response that covers the outer query's comment."""
    inner = aliased(ResponseRevision)
    return (
        sa.select(sa.func.max(inner.number))
        .where(inner.response_id == ResponseComment.response_id)
        .correlate_except(inner)
        .scalar_subquery()
    )


def response_to(dbsession, comment: Comment) -> tuple[ResponseRevision, int] | None:
    """The latest wording of the response that covers the comment, and the response's id; None if unanswered."""
    row = dbsession.execute(
        sa.select(ResponseRevision, ResponseComment.response_id)
        .join(ResponseComment, ResponseComment.response_id == ResponseRevision.response_id)
        .where(ResponseComment.comment_id == comment.id, ResponseRevision.number == latest_revision_number())
    ).first()
    return None if row is None else (row[0], row[1])


# --- writing ------------------------------------------------------------------------------------------


def ensure_closed(draft: Draft):
    if draft.state != State.closed:
        raise Refused(_("Comments are answered after the consultation closes and until the outcome is published."))


def respond(request, draft: Draft, comment_ids: list[int], decision: Decision, reason: str,
            legal_basis_law: str | None = None, legal_basis_article: str | None = None) -> Response:
    """One response to one or more visible, unanswered comments of this draft."""
    ensure_closed(draft)
    ids = sorted(set(comment_ids))
    if not ids:
        raise Refused(_("Choose at least one comment to answer."))
    found = request.dbsession.execute(
        sa.select(Comment.id, Comment.state, answered().label("answered"))
        .where(Comment.draft_id == draft.id, Comment.id.in_(ids))
    ).all()
    if len(found) != len(ids) or any(row.state != CommentState.visible for row in found):
        raise Refused(_("Only the visible comments of this draft can be answered."))
    if any(row.answered for row in found):
        raise Refused(_("Some of the chosen comments have been answered meanwhile; choose again."))
    response = Response(draft_id=draft.id, created_by_id=request.identity.id, created_at=request.now)
    response.covered = [ResponseComment(comment_id=i) for i in ids]
    revision = new_revision(request, response, 1, decision, reason, legal_basis_law, legal_basis_article)
    response.revisions.append(revision)
    request.dbsession.add(response)
    request.dbsession.flush()
    record(request, "response.create", response, draft=draft, after={"comments": ids, **revision.as_dict()})
    return response


def revise(request, draft: Draft, response: Response, decision: Decision, reason: str,
           legal_basis_law: str | None = None, legal_basis_article: str | None = None) -> ResponseRevision | None:
    """A new wording; the earlier ones stay. Returns None when nothing changed."""
    ensure_closed(draft)
    current = response.current
    revision = new_revision(request, response, current.number + 1, decision, reason, legal_basis_law,
                            legal_basis_article)
    if revision.as_dict() == current.as_dict():
        return None
    response.revisions.append(revision)
    after = {"revision": revision.number, **revision.as_dict()}
    if revision.decision not in CHANGING_DECISIONS:  # a refusal changes no article
        removed = request.dbsession.execute(sa.delete(ResponseChange).where(ResponseChange.response_id == response.id))
        if removed.rowcount:
            after["articles"] = []
    request.dbsession.flush()
    record(request, "response.revise", response, draft=draft, before=current.as_dict(), after=after)
    return revision


def new_revision(request, response, number, decision, reason, law, article) -> ResponseRevision:
    decision = Decision(decision)
    reason, law, article = (reason or "").strip(), (law or "").strip() or None, (article or "").strip() or None
    if not reason:
        raise Refused(_("Give the reason for the decision."))
    if decision.needs_legal_basis and not (law and article):
        raise Refused(_("A rejection or partial acceptance names its legal basis: the law and its article."))
    return ResponseRevision(number=number, decision=decision, reason=reason, legal_basis_law=law,
                            legal_basis_article=article, author_id=request.identity.id, written_at=request.now)


# --- evidence that participation changed the text ------------------------------------------------------

CHANGING_DECISIONS = (Decision.accepted, Decision.partially_accepted)


def set_changed_articles(request, draft: Draft, response: Response, article_ids: list[int]) -> list[str]:
    """The articles of the final text this response changed (replacing what was recorded); their numbers.
    Only an accepted or partly accepted response changes the text, and only while the final text is written."""
    ensure_closed(draft)
    ids = sorted(set(article_ids))
    if ids and response.current.decision not in CHANGING_DECISIONS:
        raise Refused(_("Only an accepted or partially accepted response changes the final text."))
    articles = {article.id: article for article in draft.articles}
    if any(i not in articles for i in ids):
        raise Refused(_("Choose articles of this draft's final text."))
    dbsession = request.dbsession
    before = sorted(dbsession.scalars(sa.select(ResponseChange.article_id)
                                      .where(ResponseChange.response_id == response.id)).all())
    if before == ids:
        return [articles[i].number for i in ids]
    dbsession.execute(sa.delete(ResponseChange).where(ResponseChange.response_id == response.id))
    dbsession.add_all(ResponseChange(response_id=response.id, article_id=i) for i in ids)
    dbsession.flush()
    numbers = [articles[i].number for i in ids]
    record(request, "response.changes", response, draft=draft,
           before={"articles": [articles[i].number if i in articles else i for i in before]},
           after={"articles": numbers})
    return numbers


def changed_articles(dbsession, draft: Draft) -> dict[int, list[str]]:
    """The final text's article numbers each response of the draft changed, in the text's order: one statement."""
    rows = dbsession.execute(
        sa.select(ResponseChange.response_id, Article.number)
        .join(Article, Article.id == ResponseChange.article_id)
        .where(Article.draft_id == draft.id)
        .order_by(ResponseChange.response_id, Article.position)
    ).all()
    found: dict[int, list[str]] = {}
    for response_id, number in rows:
        found.setdefault(response_id, []).append(number)
    return found


def comments_behind_changes(dbsession, draft: Draft) -> dict[str, list[int]]:
    """Per article of the final text, the visible comments whose responses changed it: one statement."""
    rows = dbsession.execute(
        sa.select(Article.number, ResponseComment.comment_id)
        .join(ResponseChange, ResponseChange.article_id == Article.id)
        .join(ResponseComment, ResponseComment.response_id == ResponseChange.response_id)
        .join(Comment, Comment.id == ResponseComment.comment_id)
        .where(Article.draft_id == draft.id, Comment.state == CommentState.visible)
        .order_by(Article.position, ResponseComment.comment_id)
    ).all()
    found: dict[str, list[int]] = {}
    for number, comment_id in rows:
        found.setdefault(number, []).append(comment_id)
    return found


# --- the publish guard and the editors' work page -------------------------------------------------------


def unanswered_count(dbsession, draft: Draft) -> int:
    return dbsession.scalar(
        sa.select(sa.func.count(Comment.id))
        .where(Comment.draft_id == draft.id, Comment.state == CommentState.visible, ~answered())
    )


def every_comment_answered(draft, request, **params):
    """W4 guard: publishing is refused while any visible comment lacks a response."""
    missing = unanswered_count(request.dbsession, draft)
    if missing:
        return [_("${count} visible comments have no response yet; answer them before publishing.",
                  mapping={"count": missing})]
    return []


@dataclass
class ArticleProgress:
    article: ConsultedArticle | None  # None: comments on the whole draft
    comments: int
    unanswered: int


def progress_by_article(dbsession, draft: Draft) -> list[ArticleProgress]:
    rows = dbsession.execute(
        sa.select(Comment.article_id, sa.func.count(Comment.id),
                  sa.func.sum(sa.case((answered(), 0), else_=1)))
        .where(Comment.draft_id == draft.id, Comment.state == CommentState.visible)
        .group_by(Comment.article_id)
    ).all()
    counts = {article_id: (total, int(missing or 0)) for article_id, total, missing in rows}
    progress = [ArticleProgress(None, *counts[None])] if None in counts else []
    progress += [ArticleProgress(a, *counts[a.id]) for a in draft.consulted_articles if a.id in counts]
    return progress


def campaign_prints(dbsession, draft: Draft):
    return (
        sa.select(Comment.fingerprint)
        .where(Comment.draft_id == draft.id, Comment.state == CommentState.visible)
        .group_by(Comment.fingerprint)
        .having(sa.func.count(sa.distinct(Comment.author_id)) >= CAMPAIGN_MIN_AUTHORS)
    )


@dataclass
class WorkFilters:
    article: str = ""  # a consulted article's number, "draft" for the whole draft, "" for all
    campaign: bool = False
    q: str = ""
    unanswered: bool = True
    after: int | None = None  # keyset cursor: the last comment id of the previous page
    search_after: tuple[float, int] | None = None  # with words to search for: the (score, id) of that comment

    @property
    def search(self) -> search.Search:
        return search.Search.of(self.q)


@dataclass
class WorkPage:
    comments: list[Comment]
    responses: dict[int, Response]  # comment id -> its response
    campaigns: set[str]
    next_after: str | None
    snippets: dict[int, object] = field(default_factory=dict)  # comment id -> the text around the words (Markup)


def work_page(dbsession, draft: Draft, filters: WorkFilters) -> WorkPage:
    """The comments an editor chooses from, oldest first: filterable by article, campaign marker and words, which
    are looked for on the search index, the best matches first."""
    query = (
        sa.select(Comment)
        .where(Comment.draft_id == draft.id, Comment.state == CommentState.visible)
        .options(joinedload(Comment.author).lazyload(User.grants))
    )
    if filters.article == "draft":
        query = query.where(Comment.article_id.is_(None))
    elif filters.article:
        article = next((a for a in draft.consulted_articles if a.number == filters.article), None)
        query = query.where(Comment.article_id == (article.id if article else -1))
    if filters.campaign:
        query = query.where(Comment.fingerprint.in_(campaign_prints(dbsession, draft)))
    if filters.unanswered:
        query = query.where(~answered())
    wanted = filters.search
    if wanted.usable:
        query, score = search.ranked(query, search.comments_index(), wanted, search.dialect_of(dbsession))
        query = search.ordered(query.add_columns(score), score, Comment.id, filters.search_after)
        rows = dbsession.execute(query.limit(WORK_PAGE_SIZE + 1)).unique().all()
        comments = [comment for comment, _ in rows[:WORK_PAGE_SIZE]]
        next_after = search.cursor_of(rows[WORK_PAGE_SIZE - 1][1], comments[-1].id) if len(rows) > WORK_PAGE_SIZE \
            else None
    else:
        if filters.after:
            query = query.where(Comment.id > filters.after)
        comments = dbsession.scalars(query.order_by(Comment.id).limit(WORK_PAGE_SIZE + 1)).unique().all()
        next_after = None
        if len(comments) > WORK_PAGE_SIZE:
            comments = comments[:WORK_PAGE_SIZE]
            next_after = str(comments[-1].id)
    ids = [c.id for c in comments]
    responses = {}
    if ids:
        for link, response in dbsession.execute(
            sa.select(ResponseComment, Response).join(Response, Response.id == ResponseComment.response_id)
            .where(ResponseComment.comment_id.in_(ids))
        ).all():
            responses[link.comment_id] = response
    prints = {c.fingerprint for c in comments}
    campaigns = set(dbsession.scalars(campaign_prints(dbsession, draft).where(Comment.fingerprint.in_(prints)))) \
        if prints else set()
    snippets = {c.id: found for c in comments if (found := search.snippet(c.body, wanted)) is not None} \
        if wanted.usable else {}
    return WorkPage(comments, responses, campaigns, next_after, snippets)


# --- the public outcome ---------------------------------------------------------------------------------


def decision_counts(dbsession, draft: Draft) -> dict[Decision, int]:
    """Answered visible comments per decision of their response's latest revision."""
    rows = dbsession.execute(
        sa.select(ResponseRevision.decision, sa.func.count(ResponseComment.comment_id))
        .join(Comment, Comment.id == ResponseComment.comment_id)
        .join(ResponseRevision, sa.and_(ResponseRevision.response_id == ResponseComment.response_id,
                                        ResponseRevision.number == latest_revision_number()))
        .where(Comment.draft_id == draft.id, Comment.state == CommentState.visible)
        .group_by(ResponseRevision.decision)
    ).all()
    counts = {decision: 0 for decision in Decision}
    counts.update(dict(rows))
    return counts


@dataclass
class OutcomeRow:
    comment: Comment
    revision: ResponseRevision | None
    response_id: int | None


def outcome_page(dbsession, draft: Draft, article: str = "", after: int | None = None, author_id: int | None = None):
    """Visible comments (of one author, if given) with their responses' latest wording, in the order they were
    written."""
    query = (
        sa.select(Comment, ResponseRevision, ResponseComment.response_id)
        .outerjoin(ResponseComment, ResponseComment.comment_id == Comment.id)
        .outerjoin(ResponseRevision, sa.and_(ResponseRevision.response_id == ResponseComment.response_id,
                                             ResponseRevision.number == latest_revision_number()))
        .where(Comment.draft_id == draft.id, Comment.state == CommentState.visible)
        .options(joinedload(Comment.author).lazyload(User.grants))
    )
    if article == "draft":
        query = query.where(Comment.article_id.is_(None))
    elif article:
        found = next((a for a in draft.consulted_articles if a.number == article), None)
        query = query.where(Comment.article_id == (found.id if found else -1))
    if author_id is not None:
        query = query.where(Comment.author_id == author_id)
    if after:
        query = query.where(Comment.id > after)
    rows = [OutcomeRow(*row) for row in dbsession.execute(query.order_by(Comment.id).limit(OUTCOME_PAGE_SIZE + 1))]
    next_after = None
    if len(rows) > OUTCOME_PAGE_SIZE:
        rows = rows[:OUTCOME_PAGE_SIZE]
        next_after = rows[-1].comment.id
    return rows, next_after


@dataclass
class Participant:
    user: sa.Row  # what telling them needs of their account: id, email, locale, is_active
    answered: int  # their visible comments on the draft that were answered; 0 for most


def participants(dbsession, draft: Draft) -> list[Participant]:
    """Everyone still active who took part in this draft's consultation in any way — commented (in any state),
    supported a comment, voted or answered the survey — ordered by id: they are told on publishing (W4, R3).
    One statement, whatever the number of people: a union of the ids of each kind of activity."""
    took_part = sa.union(
        sa.select(Comment.author_id.label("user_id")).where(Comment.draft_id == draft.id),
        sa.select(CommentSupport.user_id).join(Comment, Comment.id == CommentSupport.comment_id)
        .where(Comment.draft_id == draft.id),
        sa.select(Vote.user_id).where(Vote.draft_id == draft.id),
        sa.select(Submission.user_id).join(Survey, Survey.id == Submission.survey_id)
        .where(Survey.draft_id == draft.id),
    ).subquery()
    answered_per_author = (
        sa.select(Comment.author_id, sa.func.count(Comment.id).label("answered"))
        .where(Comment.draft_id == draft.id, Comment.state == CommentState.visible, answered())
        .group_by(Comment.author_id)
        .subquery()
    )
    # Plain rows, not accounts: a consultation can have a hundred thousand participants.
    people = sa.select(User.id, User.email, User.locale, User.is_active).subquery()
    rows = dbsession.execute(
        sa.select(people, sa.func.coalesce(answered_per_author.c.answered, 0))
        .join(took_part, took_part.c.user_id == people.c.id)
        .outerjoin(answered_per_author, answered_per_author.c.author_id == people.c.id)
        .where(people.c.is_active)  # a closed account is not told, not even in the inbox nobody opens
        .order_by(people.c.id)
    ).all()
    return [Participant(row, row[-1]) for row in rows]


@dataclass(frozen=True)
class AnswerLine:
    """One answered comment as its author is told of it: where it was, what was decided and why."""

    comment_id: int
    article_number: str | None  # None: on the whole draft
    decision: Decision
    reason: str
    legal_basis_law: str | None
    legal_basis_article: str | None


def answers_by_author(dbsession, draft: Draft, per_author: int) -> dict[int, list[AnswerLine]]:
    """Each author's first `per_author` answered visible comments (in the order they wrote them), each with the
    latest wording of its response: one statement for the whole consultation."""
    rows = dbsession.execute(
        sa.select(Comment.author_id, Comment.id, ConsultedArticle.number, ResponseRevision.decision,
                  ResponseRevision.reason, ResponseRevision.legal_basis_law, ResponseRevision.legal_basis_article)
        .join(ResponseComment, ResponseComment.comment_id == Comment.id)
        .join(ResponseRevision, ResponseRevision.response_id == ResponseComment.response_id)
        .outerjoin(ConsultedArticle, ConsultedArticle.id == Comment.article_id)
        .where(Comment.draft_id == draft.id, Comment.state == CommentState.visible,
               ResponseRevision.number == latest_revision_number())
        .order_by(Comment.author_id, Comment.id)
    ).all()
    found: dict[int, list[AnswerLine]] = {}
    for author_id, *line in rows:
        lines = found.setdefault(author_id, [])
        if len(lines) < per_author:
            lines.append(AnswerLine(*line))
    return found


def comments_of(dbsession, response: Response) -> list[Comment]:
    return dbsession.scalars(
        sa.select(Comment).where(Comment.id.in_(response.comment_ids)).order_by(Comment.id)
        .options(joinedload(Comment.author).lazyload(User.grants))
    ).unique().all()


# --- history ---------------------------------------------------------------------------------------------


@dataclass
class Change:
    field: str
    before: str | None
    after: str | None
    words: list[tuple[str, str]]  # (" ", word) kept, ("-", word) removed, ("+", word) added


def changes_between(before: ResponseRevision, after: ResponseRevision) -> list[Change]:
    """What a revision changed, field by field; long texts word by word."""
    changes = []
    old, new = before.as_dict(), after.as_dict()
    for field in ("decision", "reason", "legal_basis_law", "legal_basis_article"):
        if old[field] == new[field]:
            continue
        words = []
        if field == "reason":
            matcher = difflib.SequenceMatcher(a=old[field].split(), b=new[field].split(), autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                if tag == "equal":
                    words.append((" ", " ".join(matcher.a[i1:i2])))
                if tag in ("delete", "replace"):
                    words.append(("-", " ".join(matcher.a[i1:i2])))
                if tag in ("insert", "replace"):
                    words.append(("+", " ".join(matcher.b[j1:j2])))
        changes.append(Change(field, old[field], new[field], words))
    return changes
