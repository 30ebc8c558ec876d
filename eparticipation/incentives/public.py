"""What the public pages show of points: the leaderboards, a consultation's top contributors and the agencies'
thank-you lists, only ever of people who chose to appear (points_public), by the name they chose, never anything
of their profile; and the editors' review of accounts whose points came mostly from hidden or campaign comments."""

from dataclasses import dataclass

import sqlalchemy as sa

from eparticipation.accounts.models import User
from eparticipation.db import dialect_insert
from eparticipation.incentives.models import (
    SITE_SCOPE,
    LedgerEntry,
    PointsTotal,
    PublicProfile,
    ThankYouList,
    ThankYouName,
)
from eparticipation.participation.models import Comment, CommentState
from eparticipation.responses.models import Decision, ResponseComment, ResponseRevision

ACCEPTING = (Decision.accepted, Decision.partially_accepted)


def level_of(points: int, thresholds) -> int:
    """The index (0–4) of the level `points` reached."""
    return max(i for i, threshold in enumerate(thresholds) if points >= threshold)


@dataclass(frozen=True)
class Place:
    rank: int
    public_name: str
    points: int
    user_id: int


def ranked(rows) -> list[Place]:
    """Rows (user id, name, points) highest first, ranked as in sport: equal points share a rank, the next rank
    skips as many (1, 2, 2, 4)."""
    places, rank, previous = [], 0, None
    for position, (user_id, name, points) in enumerate(rows, start=1):
        if points != previous:
            rank, previous = position, points
        places.append(Place(rank, name, points, user_id))
    return places


def board(dbsession, period: str, scope: int = SITE_SCOPE, size: int = 50) -> list[Place]:
    """The top of one leaderboard in one statement: only people who opted in, whose account is open, with more
    than 0 points; equal points in the order of their public names."""
    rows = dbsession.execute(
        sa.select(PointsTotal.user_id, PublicProfile.public_name, PointsTotal.points)
        .join(PublicProfile, PublicProfile.user_id == PointsTotal.user_id)
        .join(User, User.id == PointsTotal.user_id)
        .where(PointsTotal.period == period, PointsTotal.scope == scope, PointsTotal.points > 0, User.is_active)
        # The board index's own order (read backwards, stopping at the limit); equal points by name below.
        .order_by(PointsTotal.points.desc(), PointsTotal.user_id.desc())
        .limit(size)
    ).all()
    return ranked(sorted(rows, key=lambda row: (-row[2], row[1], row[0])))


def accepted_comments():
    """SQL: the comments whose response, as last revised, accepted them wholly or in part."""
    latest = (
        sa.select(sa.func.max(ResponseRevision.number))
        .where(ResponseRevision.response_id == ResponseComment.response_id)
        .correlate(ResponseComment).scalar_subquery()
    )
    return (
        sa.select(ResponseComment.comment_id)
        .join(ResponseRevision, ResponseRevision.response_id == ResponseComment.response_id)
        .where(ResponseRevision.number == latest, ResponseRevision.decision.in_(ACCEPTING))
    )


def accepted_authors(dbsession, draft_id: int) -> list[int]:
    return list(dbsession.scalars(
        sa.select(Comment.author_id).distinct()
        .where(Comment.draft_id == draft_id, Comment.state == CommentState.visible,
               Comment.id.in_(accepted_comments()))
        .order_by(Comment.author_id)
    ))


def top_contributors(dbsession, draft_id: int, size: int = 20) -> list[tuple[str, int]]:
    """The public names of the authors of a published consultation's accepted proposals who opted in, with how
    many of theirs were accepted; an anonymous comment names nobody."""
    count = sa.func.count(Comment.id)
    return dbsession.execute(
        sa.select(PublicProfile.public_name, count)
        .join(Comment, Comment.author_id == PublicProfile.user_id)
        .join(User, User.id == Comment.author_id)
        .where(Comment.draft_id == draft_id, Comment.state == CommentState.visible, Comment.anonymous.is_(False),
               User.is_active, Comment.id.in_(accepted_comments()))
        .group_by(PublicProfile.user_id, PublicProfile.public_name)
        .order_by(count.desc(), PublicProfile.public_name)
        .limit(size)
    ).all()


# --- opting in ------------------------------------------------------------------------------------------------------


def public_profile(dbsession, user_id: int) -> PublicProfile | None:
    return dbsession.get(PublicProfile, user_id)


def appear(dbsession, user_id: int, public_name: str, now) -> None:
    insert = dialect_insert(dbsession, PublicProfile).values(user_id=user_id, public_name=public_name, chosen_at=now)
    dbsession.execute(insert.on_conflict_do_update(
        index_elements=["user_id"], set_={"public_name": insert.excluded.public_name, "chosen_at": now}))


def forget_person(dbsession, user_id: int) -> None:
    """Off every public page: the leaderboards and the thank-you lists."""
    dbsession.execute(sa.delete(PublicProfile).where(PublicProfile.user_id == user_id))
    dbsession.execute(sa.delete(ThankYouName).where(ThankYouName.user_id == user_id))


# --- thank-you lists ------------------------------------------------------------------------------------------------


def thank_you_candidates(dbsession, agency_id: int, year: str, size: int = 100) -> list[Place]:
    """Whom the agency may thank for a Jalali year: the people who opted in, by their points in the agency."""
    return board(dbsession, year, agency_id, size)


def published_thanks(dbsession, agency_id: int) -> tuple[ThankYouList | None, list[str]]:
    """The agency's latest published list and its names (of people still opted in), in two statements."""
    latest = dbsession.scalar(
        sa.select(ThankYouList).where(ThankYouList.agency_id == agency_id)
        .order_by(ThankYouList.period.desc()).limit(1)
    )
    if latest is None:
        return None, []
    names = dbsession.scalars(
        sa.select(PublicProfile.public_name)
        .join(ThankYouName, ThankYouName.user_id == PublicProfile.user_id)
        .join(User, User.id == PublicProfile.user_id)
        .where(ThankYouName.list_id == latest.id, User.is_active)
        .order_by(PublicProfile.public_name)
    ).all()
    return latest, names


def publish_thanks(dbsession, agency_id: int, year: str, user_ids: list[int], actor_id: int, now) -> ThankYouList:
    """The list for the year, replaced by the names chosen now (only people who opted in can be chosen)."""
    allowed = set(dbsession.scalars(sa.select(PublicProfile.user_id).where(PublicProfile.user_id.in_(user_ids))))
    thanks = dbsession.scalar(sa.select(ThankYouList).where(ThankYouList.agency_id == agency_id,
                                                            ThankYouList.period == year))
    if thanks is None:
        thanks = ThankYouList(agency_id=agency_id, period=year, published_at=now, published_by_id=actor_id)
        dbsession.add(thanks)
        dbsession.flush()
    else:
        thanks.published_at, thanks.published_by_id = now, actor_id
        dbsession.execute(sa.delete(ThankYouName).where(ThankYouName.list_id == thanks.id))
    if allowed:
        dbsession.execute(sa.insert(ThankYouName), [{"list_id": thanks.id, "user_id": u} for u in sorted(allowed)])
    return thanks


# --- the editors' review ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reviewed:
    user_id: int
    display_name: str
    email: str
    earned: int  # what the person's acts were worth by the rules, before reductions
    flagged: int  # of which from comments hidden later or refused as a campaign
    net: int

    @property
    def share(self) -> float:
        return self.flagged / self.earned if self.earned else 0.0


def review(dbsession, agency_id: int | None, share: float, size: int = 100) -> list[Reviewed]:
    """Accounts whose points came mostly (at least `share`) from comments hidden later or from campaigns, in the
    agency (or everywhere), most flagged first; one statement."""
    first = sa.func.min(LedgerEntry.id).label("first")
    first_entries = sa.select(first).group_by(LedgerEntry.user_id, LedgerEntry.act, LedgerEntry.object_id)
    if agency_id is not None:
        first_entries = first_entries.where(LedgerEntry.agency_id == agency_id)
    earned = sa.func.sum(sa.case((LedgerEntry.id.in_(first_entries), LedgerEntry.basis), else_=0))
    flagged = sa.func.sum(sa.case(
        (sa.and_(LedgerEntry.reason == "hidden", LedgerEntry.points < 0), -LedgerEntry.points),
        (sa.and_(LedgerEntry.reason == "campaign", LedgerEntry.points < 0), -LedgerEntry.points),
        (sa.and_(LedgerEntry.reason == "campaign", LedgerEntry.points == 0), LedgerEntry.basis),
        else_=0))
    query = (
        sa.select(LedgerEntry.user_id, User.display_name, User.email, earned.label("earned"),
                  flagged.label("flagged"), sa.func.sum(LedgerEntry.points).label("net"))
        .join(User, User.id == LedgerEntry.user_id)
        .group_by(LedgerEntry.user_id, User.display_name, User.email)
        .having(sa.and_(flagged > 0, flagged >= earned * share))
        .order_by(flagged.desc(), LedgerEntry.user_id)
        .limit(size)
    )
    if agency_id is not None:
        query = query.where(LedgerEntry.agency_id == agency_id)
    return [Reviewed(r.user_id, r.display_name, r.email, int(r.earned or 0), int(r.flagged or 0), int(r.net or 0))
            for r in dbsession.execute(query)]
