"""Participation rules (P1, P2, P5, P6): who may send what, when, how often; and the queries that show it
(paged comments, tallies, campaigns) in a bounded number of statements, counted by SQL."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from math import ceil

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eparticipation import ratelimits
from eparticipation.accounts.models import StakeholderCategory, User
from eparticipation.audit import record
from eparticipation.consultations.models import ConsultedArticle, Draft
from eparticipation.db import dialect_insert
from eparticipation.i18n import _
from eparticipation.participation.events import CommentChanged, VoteCast
from eparticipation.participation.models import (
    Comment,
    CommentReport,
    CommentRevision,
    CommentState,
    CommentSupport,
    HidingReason,
    ModerationAct,
    Vote,
    VoteChoice,
)
from eparticipation.participation.security import is_agency_staff
from eparticipation.text import normalise

COMMENTS_PER_PAGE = 20
# Identical texts from at least this many participants are a campaign (counted apart in the report).
CAMPAIGN_MIN_AUTHORS = 3


class Refused(Exception):
    """A participation refused by a rule; its message is for the participant. A refusal for sending too often
    (429) says in `retry_after` how many seconds to wait."""

    def __init__(self, message, status=400, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class AlreadySent(Exception):
    """The same comment from the same person reached us twice at once: the first is kept."""

    def __init__(self, comment_id: int):
        super().__init__(comment_id)
        self.comment_id = comment_id


def limit(request, action: str) -> ratelimits.Rule:
    """One more `action` of the signed-in person, counted atomically (eparticipation.ratelimits); refused
    with 429 past the action's limit."""
    try:
        return ratelimits.take(request, action)
    except ratelimits.RateLimited as limited:
        raise Refused(limited.message, status=429, retry_after=limited.seconds) from None


def fingerprint(body: str) -> str:
    return hashlib.sha256(normalise(body).encode("utf-8")).hexdigest()


def participation_changed(dbsession, draft_id: int):
    """What the draft page shows of participation has changed: move the draft's version, in the same
    transaction, so that no process serves a cached page from before it. Last in each change, so that
    every participation locks its own rows first and the draft's row last."""
    dbsession.execute(
        sa.update(Draft).where(Draft.id == draft_id)
        .values(participation_version=Draft.participation_version + 1)
        .execution_options(synchronize_session="evaluate")
    )


def ensure_accepting(draft: Draft, now: datetime):
    """P6: participation only between the opening and the end of the consultation."""
    if draft.is_accepting(now):
        return
    if draft.opens_at is not None and now < draft.opens_at:
        raise Refused(_("This consultation opens on ${date}; participation starts then.",
                        mapping={"date": draft.opens_at}), status=403)
    raise Refused(_("This consultation is closed: comments, votes and survey answers are no longer accepted."),
                  status=403)


def add_comment(request, draft: Draft, body: str, article: ConsultedArticle | None, anonymous: bool = False,
                organisation_name: str | None = None, organisation_kind=None) -> Comment:
    now, user, dbsession = request.now, request.identity, request.dbsession
    ensure_accepting(draft, now)
    # The counter's row is the person's lock (PostgreSQL) for the rest of this transaction: the count of their
    # recent comments below is then exact however many they send at once.
    rule = limit(request, "comment")
    recent = dbsession.scalars(
        sa.select(Comment.created_at).where(Comment.author_id == user.id, Comment.created_at > now - rule.window)
        .order_by(Comment.created_at.desc()).limit(rule.max_hits)
    ).all()
    if len(recent) >= rule.max_hits:
        # The limit lifts when the oldest of the last `max_hits` comments leaves the window.
        seconds = max(1, ceil((recent[-1] + rule.window - now).total_seconds()))
        raise Refused(_("You have sent ${count} comments in the last ${minutes} minutes; please wait a little.",
                        mapping={"count": len(recent), "minutes": rule.minutes}), status=429, retry_after=seconds)
    print_ = fingerprint(body)
    if own_comment_with(dbsession, draft, user, print_) is not None:
        raise Refused(_("You have already sent this comment on this draft."))
    # Only a site that lets its agencies' staff take part gets here with one (the ACL denies it otherwise).
    staff = is_agency_staff(user, draft.agency_id)
    # The unique index (draft, author, fingerprint) arbitrates between parallel sends of one text: the
    # statement that loses inserts nothing, and its sender is told that the first one was received.
    comment = dbsession.scalar(
        dialect_insert(dbsession, Comment)
        .values(draft_id=draft.id, article_id=article.id if article else None, author_id=user.id, body=body,
                fingerprint=print_, anonymous=anonymous, organisation_name=organisation_name,
                organisation_kind=organisation_kind, by_agency_staff=staff,
                stakeholder_category=StakeholderCategory.government if staff else user.stakeholder_category,
                state=CommentState.visible, support_count=0, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["draft_id", "author_id", "fingerprint"],
                                index_where=sa.text("state <> 'withdrawn'"))  # the index's own condition
        # The row comes back as the session's Comment (no second statement to load it, nor its author's grants).
        .returning(Comment)
    )
    if comment is None:
        raise AlreadySent(own_comment_with(dbsession, draft, user, print_))
    request.registry.notify(CommentChanged(request, comment, draft, "added"))
    participation_changed(dbsession, draft.id)
    return comment


def own_comment_with(dbsession, draft: Draft, user, print_: str) -> int | None:
    """The id of the person's comment on the draft with this fingerprint (not withdrawn), if any."""
    return dbsession.scalar(
        sa.select(Comment.id).where(Comment.draft_id == draft.id, Comment.author_id == user.id,
                                    Comment.fingerprint == print_, Comment.state != CommentState.withdrawn)
    )


def edit_comment(request, comment: Comment, draft: Draft, body: str):
    ensure_accepting(draft, request.now)
    if body == comment.body:
        return
    print_ = fingerprint(body)
    same = own_comment_with(request.dbsession, draft, request.identity, print_)
    if same is not None and same != comment.id:
        raise Refused(_("You have already sent this comment on this draft."))
    comment.revisions.append(CommentRevision(body=comment.body, written_at=comment.updated_at))
    previous = comment.fingerprint
    comment.body, comment.fingerprint, comment.updated_at = body, print_, request.now
    comment.search_text = normalise(body)
    request.registry.notify(CommentChanged(request, comment, draft, "edited", previous_fingerprint=previous))
    participation_changed(request.dbsession, draft.id)


def withdraw_comment(request, comment: Comment, draft: Draft):
    """The author takes the comment back: it leaves the page and the report, and the audit log says who did
    (nothing is deleted, and no one else may)."""
    ensure_accepting(draft, request.now)
    before = comment.state
    comment.state, comment.updated_at = CommentState.withdrawn, request.now
    record(request, "comment.withdraw", comment, draft=draft, before={"state": before}, after={"state": comment.state})
    request.registry.notify(CommentChanged(request, comment, draft, "withdrawn"))
    participation_changed(request.dbsession, draft.id)


def support_comment(request, comment: Comment, draft: Draft):
    """Once per participant (the database refuses a second); the count moves in the same statement."""
    ensure_accepting(draft, request.now)
    if comment.author_id == request.identity.id:
        raise Refused(_("You cannot support your own comment."))
    if comment.state != CommentState.visible:
        raise Refused(_("This comment can no longer be supported."))
    inserted = request.dbsession.scalar(
        dialect_insert(request.dbsession, CommentSupport)
        .values(comment_id=comment.id, user_id=request.identity.id, supported_at=request.now)
        .on_conflict_do_nothing(index_elements=["comment_id", "user_id"])
        .returning(CommentSupport.id)
    )
    if inserted is None:
        raise Refused(_("You already support this comment."))
    request.dbsession.execute(
        sa.update(Comment).where(Comment.id == comment.id).values(support_count=Comment.support_count + 1)
    )
    request.dbsession.expire(comment, ["support_count"])
    participation_changed(request.dbsession, draft.id)


def report_comment(request, comment: Comment, draft: Draft, reason: str):
    ensure_accepting(draft, request.now)
    request.dbsession.execute(
        dialect_insert(request.dbsession, CommentReport)
        .values(comment_id=comment.id, user_id=request.identity.id, reason=reason, reported_at=request.now)
        .on_conflict_do_nothing(index_elements=["comment_id", "user_id"])
    )


def reports_on(dbsession, comment: Comment) -> list[tuple[str, datetime]]:
    """The reasons participants gave for reporting the comment, and when, oldest first."""
    return dbsession.execute(
        sa.select(CommentReport.reason, CommentReport.reported_at)
        .where(CommentReport.comment_id == comment.id).order_by(CommentReport.id)
    ).all()


def lock_comment(dbsession, comment: Comment):
    """The comment's row, locked and read again: of moderators acting on it at once, each sees what the one
    before did (SQLite's writers are serialised anyway)."""
    dbsession.execute(sa.select(Comment.id).where(Comment.id == comment.id).with_for_update())
    dbsession.refresh(comment, ["state", "hidden_category", "hidden_reason"])


def hide_comment(request, comment: Comment, draft: Draft, category: HidingReason, reason: str):
    lock_comment(request.dbsession, comment)
    if comment.state == CommentState.hidden:
        raise Refused(_("This comment is already hidden."), status=409)
    before = comment.state
    comment.state, comment.hidden_category, comment.hidden_reason = CommentState.hidden, category, reason
    request.dbsession.add(ModerationAct(comment_id=comment.id, action="hide", category=category, reason=reason,
                                        actor_id=request.identity.id, at=request.now))
    record(request, "comment.hide", comment, draft=draft, before={"state": before},
           after={"state": comment.state, "category": category, "reason": reason})
    request.registry.notify(CommentChanged(request, comment, draft, "hidden"))
    participation_changed(request.dbsession, comment.draft_id)


def restore_comment(request, comment: Comment, draft: Draft):
    lock_comment(request.dbsession, comment)
    if comment.state != CommentState.hidden:
        raise Refused(_("This comment is not hidden (any more)."), status=409)
    before = {"state": comment.state, "category": comment.hidden_category, "reason": comment.hidden_reason}
    comment.state, comment.hidden_category, comment.hidden_reason = CommentState.visible, None, None
    request.dbsession.add(ModerationAct(comment_id=comment.id, action="restore", actor_id=request.identity.id,
                                        at=request.now))
    record(request, "comment.restore", comment, draft=draft, before=before, after={"state": comment.state})
    request.registry.notify(CommentChanged(request, comment, draft, "restored"))
    participation_changed(request.dbsession, comment.draft_id)


def cast_vote(request, draft: Draft, choice: VoteChoice):
    """P2: one vote per participant per draft, changed by voting again. An upsert, so that parallel
    requests of one participant end with exactly one row whatever their order."""
    ensure_accepting(draft, request.now)
    insert = dialect_insert(request.dbsession, Vote).values(
        draft_id=draft.id, user_id=request.identity.id, choice=choice, cast_at=request.now, updated_at=request.now
    )
    request.dbsession.execute(
        insert.on_conflict_do_update(
            index_elements=["draft_id", "user_id"], set_={"choice": insert.excluded.choice, "updated_at": request.now}
        )
    )
    request.registry.notify(VoteCast(request, draft))
    participation_changed(request.dbsession, draft.id)


def tally(dbsession, draft: Draft, user=None) -> tuple[dict[VoteChoice, int], VoteChoice | None]:
    """The votes for each choice, and the user's own vote (None if they have not voted), in one statement."""
    mine = sa.func.max(sa.case((Vote.user_id == user.id, 1), else_=0)) if user is not None else sa.literal(0)
    rows = dbsession.execute(
        sa.select(Vote.choice, sa.func.count(Vote.id), mine).where(Vote.draft_id == draft.id).group_by(Vote.choice)
    ).all()
    counts = {choice: number for choice, number, _ in rows}
    own = next((choice for choice, _, is_mine in rows if is_mine), None)
    return {choice: counts.get(choice, 0) for choice in VoteChoice}, own


@dataclass
class Summary:
    """What the draft page shows above its comments."""

    tally: dict[VoteChoice, int]
    my_vote: VoteChoice | None
    counts: dict[int | None, int]  # visible comments per consulted article (None: on the whole draft)


def participation_summary(dbsession, draft: Draft, user) -> Summary:
    """The tally, the user's own vote and the visible comments per article, in one statement."""
    mine = sa.func.max(sa.case((Vote.user_id == user.id, 1), else_=0)) if user is not None else sa.literal(0)
    votes = (
        sa.select(sa.literal("vote").label("kind"), sa.cast(Vote.choice, sa.String).label("key"),
                  sa.func.count(Vote.id).label("number"), mine.label("mine"))
        .where(Vote.draft_id == draft.id).group_by(Vote.choice)
    )
    comments = (
        sa.select(sa.literal("comments"), sa.cast(Comment.article_id, sa.String), sa.func.count(Comment.id),
                  sa.literal(0))
        .where(Comment.draft_id == draft.id, Comment.state == CommentState.visible).group_by(Comment.article_id)
    )
    tally, my_vote, counts = dict.fromkeys(VoteChoice, 0), None, {}
    for kind, key, number, is_mine in dbsession.execute(sa.union_all(votes, comments)):
        if kind == "vote":
            tally[VoteChoice(key)] = number
            my_vote = VoteChoice(key) if is_mine else my_vote
        else:
            counts[int(key) if key is not None else None] = number
    return Summary(tally, my_vote, counts)


@dataclass
class CommentPage:
    comments: list  # rows of LISTED_COLUMNS
    next_cursor: str | None
    supported: set[int]  # ids the current user supports
    campaigns: set[str]  # fingerprints posted by many participants
    reports: dict[int, int]  # comment id -> number of reports (moderators only)


# What the list of comments shows of each (participation/comment_macros.jinja2's comment_item): plain rows,
# not Comment objects with their authors' whole accounts, which cost more to load than the page to render.
LISTED_COLUMNS = (
    Comment.id, Comment.author_id, Comment.body, Comment.fingerprint, Comment.anonymous, Comment.organisation_name,
    Comment.state, Comment.hidden_category, Comment.hidden_reason, Comment.support_count, Comment.created_at,
    Comment.updated_at, Comment.by_agency_staff, User.display_name.label("author_name"), ConsultedArticle.number.label("article_number"),
)


def comments_page(request, draft: Draft, article_id: int | None = None, sort: str = "newest", after: str = "",
                  with_reports: bool = False) -> CommentPage:
    """One page of a draft's comments, keyset-paged (deep pages cost what the first does), in a fixed number
    of statements whatever the number of comments."""
    dbsession = request.dbsession
    query = (
        sa.select(*LISTED_COLUMNS)
        .join(User, User.id == Comment.author_id)
        .outerjoin(ConsultedArticle, ConsultedArticle.id == Comment.article_id)
        .where(Comment.draft_id == draft.id, Comment.state != CommentState.withdrawn)
    )
    if article_id is not None:
        query = query.where(Comment.article_id == article_id)
    key = Comment.support_count if sort == "supported" else Comment.created_at
    cursor = parse_cursor(after, sort)
    if cursor is not None:
        # A row value, which the listing indexes (draft_id, key, id) bound: every page costs what the first does.
        query = query.where(sa.tuple_(key, Comment.id) < cursor)
    comments = dbsession.execute(query.order_by(key.desc(), Comment.id.desc()).limit(COMMENTS_PER_PAGE + 1)).all()
    next_cursor = None
    if len(comments) > COMMENTS_PER_PAGE:
        comments = comments[:COMMENTS_PER_PAGE]
        last = comments[-1]
        value = last.support_count if sort == "supported" else last.created_at.isoformat()
        next_cursor = f"{value}_{last.id}"
    ids = [c.id for c in comments]
    user = request.identity
    supported = set()
    if user is not None and ids:
        supported = set(dbsession.scalars(
            sa.select(CommentSupport.comment_id).where(CommentSupport.user_id == user.id,
                                                       CommentSupport.comment_id.in_(ids))
        ))
    prints = {c.fingerprint for c in comments}
    campaigns = set()
    if prints:
        campaigns = set(dbsession.scalars(
            sa.select(Comment.fingerprint)
            .where(Comment.draft_id == draft.id, Comment.fingerprint.in_(prints),
                   Comment.state != CommentState.withdrawn)
            .group_by(Comment.fingerprint)
            .having(sa.func.count(sa.distinct(Comment.author_id)) >= CAMPAIGN_MIN_AUTHORS)
        ))
    reports = {}
    if with_reports and ids:
        reports = dict(dbsession.execute(
            sa.select(CommentReport.comment_id, sa.func.count(CommentReport.id))
            .where(CommentReport.comment_id.in_(ids)).group_by(CommentReport.comment_id)
        ).all())
    return CommentPage(comments, next_cursor, supported, campaigns, reports)


def parse_cursor(text: str, sort: str):
    """The (key, id) a next-page link carries; None without one, 400 for one that was tampered with."""
    from eparticipation.inputs import not_a_number, parse_integer

    if not text:
        return None
    value, separator, comment_id = text.rpartition("_")
    try:
        key = parse_integer(value) if sort == "supported" else datetime.fromisoformat(value)
        number = parse_integer(comment_id)
    except ValueError:
        key = number = None
    if key is None or number is None:
        raise not_a_number("after")
    return key, number


def personal_comments(dbsession, user) -> list[dict]:
    """The person's comments, in every state, with their earlier wordings (for their data download)."""
    comments = dbsession.scalars(
        sa.select(Comment).where(Comment.author_id == user.id).options(selectinload(Comment.revisions))
        .order_by(Comment.id)
    ).all()
    return [
        {
            "draft": c.draft_id, "article": c.article.number if c.article else None, "body": c.body,
            "state": c.state.value, "anonymous": c.anonymous, "organisation": c.organisation_name,
            "written_at": c.created_at.isoformat(), "earlier_wordings": [r.body for r in c.revisions],
        }
        for c in comments
    ]


def personal_votes(dbsession, user) -> list[dict]:
    votes = dbsession.scalars(sa.select(Vote).where(Vote.user_id == user.id).order_by(Vote.id)).all()
    return [{"draft": v.draft_id, "choice": v.choice.value, "cast_at": v.cast_at.isoformat()} for v in votes]
