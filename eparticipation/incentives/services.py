"""The rules of points (DESIGN I1): what each act is worth now, and the ledger entries that bring a person's
points there.

The ledger is never edited. What a person's act is worth follows from the acts as they stand (a comment hidden or
withdrawn is worth nothing, a campaign earns once, the agency's staff earn nothing there, a consultation's points
are capped per person); `settle` computes it for one person and one consultation and appends, for each act whose
worth differs from the sum of its entries, one entry of the difference with its reason. The same computation over
every act rebuilds the ledger's expected sums (`differences`, the console command).

Every appended entry also moves the person's totals (points_totals) for the period of the act — the whole time,
its Jalali year and season — on the whole site and in the agency, in the same transaction.
"""

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import NamedTuple

import sqlalchemy as sa
from persiantools.jdatetime import JalaliDate

from eparticipation.accounts.models import RoleGrant, User
from eparticipation.consultations.models import Draft, State
from eparticipation.db import dialect_insert
from eparticipation.feedback.models import Service, ServiceRating
from eparticipation.i18n import DISPLAY_TIMEZONE
from eparticipation.incentives.models import SITE_SCOPE, Badge, LedgerEntry, PointsTotal
from eparticipation.participation.models import Comment, CommentState, Vote
from eparticipation.participation.services import CAMPAIGN_MIN_AUTHORS
from eparticipation.responses.models import Decision, ResponseComment, ResponseRevision
from eparticipation.surveys.models import Submission, Survey

# The acts that count towards the cap of one consultation (an acceptance is the agency's judgement, not a number
# of acts, and is not capped).
CAPPED_ACTS = ("comment", "article_comment", "vote", "survey")
ALL_TIME = "all"
# Residences that are no province.
NO_PROVINCE = (None, "", "abroad", "undisclosed")


@dataclass(frozen=True)
class Rules:
    points: dict  # act or decision -> points
    cap_per_consultation: int
    levels: tuple  # the thresholds of the five levels, lowest first (the first is 0)
    leaderboard_size: int
    review_share: float  # the review page lists accounts with at least this share of flagged points


def rules_of(registry) -> Rules:
    return registry["eparticipation.incentives"]


# --- periods ----------------------------------------------------------------------------------------------------


def jalali_of(moment: datetime) -> JalaliDate:
    return JalaliDate(moment.astimezone(DISPLAY_TIMEZONE).date())


def season_of(month: int) -> int:
    """1 spring (Farvardin–Khordad), 2 summer, 3 autumn, 4 winter."""
    return (month - 1) // 3 + 1


def periods_of(moment: datetime) -> tuple[str, str, str]:
    """The periods an act at `moment` counts in: the whole time, its Jalali year, its season."""
    day = jalali_of(moment)
    return ALL_TIME, f"{day.year}", f"{day.year}-s{season_of(day.month)}"


def current_periods(now: datetime) -> tuple[str, str]:
    """This Jalali year and season."""
    return periods_of(now)[1:]


# --- what an act is worth ---------------------------------------------------------------------------------------


@dataclass
class Due:
    act: str
    object_id: int
    points: int
    basis: int
    reason: str
    act_at: datetime


def is_staff(dbsession, user_id: int, agency_id: int) -> bool:
    from eparticipation.accounts.models import Role

    return dbsession.scalar(
        sa.select(sa.func.count()).select_from(RoleGrant)
        .where(RoleGrant.user_id == user_id, RoleGrant.agency_id == agency_id,
               RoleGrant.role.in_([Role.editor, Role.coordinator]))
    ) > 0


def campaign_leaders(dbsession, draft_id: int, prints) -> dict[str, tuple[int, int]]:
    """For each fingerprint: (visible authors, the earliest visible comment's id). A text sent by at least
    CAMPAIGN_MIN_AUTHORS people is a campaign (as participation counts it); only its earliest comment earns."""
    if not prints:
        return {}
    rows = dbsession.execute(
        sa.select(Comment.fingerprint, sa.func.count(sa.distinct(Comment.author_id)), sa.func.min(Comment.id))
        .where(Comment.draft_id == draft_id, Comment.fingerprint.in_(prints), Comment.state == CommentState.visible)
        .group_by(Comment.fingerprint)
    ).all()
    return {fingerprint: (authors, first) for fingerprint, authors, first in rows}


@dataclass
class Standing:
    """What settling reads of one person on one consultation: their comments (oldest first), vote, survey answer,
    whether they are the agency's staff, and what the ledger has booked for them there."""

    comments: list  # (id, article_id, state, fingerprint, by_agency_staff, created_at)
    vote: tuple | None  # (id, cast_at)
    submission: tuple | None  # (id, created_at)
    staff: bool
    booked: dict  # (act, object id) -> (points, entries), as booked() gives it


def standing(dbsession, user_id: int, draft: Draft) -> Standing:
    """The person's acts on the consultation, whether they are its agency's staff and their booked entries there,
    in one statement (a UNION ALL of the five reads, each of which used to be a statement of its own)."""
    from eparticipation.accounts.models import Role
    from eparticipation.db import UTCDateTime

    def row(kind, object_id=None, at=None, article_id=None, state=None, text=None, flag=None, total=None,
            entries=None):
        return (
            sa.literal(kind).label("kind"),
            object_id if object_id is not None else sa.cast(sa.null(), sa.Integer),
            at if at is not None else sa.cast(sa.null(), UTCDateTime),
            article_id if article_id is not None else sa.cast(sa.null(), sa.Integer),
            state if state is not None else sa.cast(sa.null(), sa.String),
            text if text is not None else sa.cast(sa.null(), sa.String),
            flag if flag is not None else sa.false(),
            total if total is not None else sa.literal(0),
            entries if entries is not None else sa.literal(0),
        )

    statement = sa.union_all(
        sa.select(*row("comment", Comment.id, Comment.created_at, Comment.article_id, sa.cast(Comment.state, sa.String),
                       Comment.fingerprint, Comment.by_agency_staff))
        .where(Comment.draft_id == draft.id, Comment.author_id == user_id),
        sa.select(*row("vote", Vote.id, Vote.cast_at)).where(Vote.draft_id == draft.id, Vote.user_id == user_id),
        sa.select(*row("survey", Submission.id, Submission.created_at)).join(Survey, Survey.id == Submission.survey_id)
        .where(Survey.draft_id == draft.id, Submission.user_id == user_id),
        sa.select(*row("staff", total=sa.func.count())).select_from(RoleGrant)
        .where(RoleGrant.user_id == user_id, RoleGrant.agency_id == draft.agency_id,
               RoleGrant.role.in_([Role.editor, Role.coordinator])),
        sa.select(*row("booked", LedgerEntry.object_id, text=LedgerEntry.act, total=sa.func.sum(LedgerEntry.points),
                       entries=sa.func.count()))
        .where(LedgerEntry.user_id == user_id, LedgerEntry.draft_id == draft.id)
        .group_by(LedgerEntry.act, LedgerEntry.object_id),
    )
    comments, vote, submission, staff, current = [], None, None, False, {}
    for kind, object_id, at, article_id, state, text, flag, total, entries in dbsession.execute(statement):
        if kind == "comment":
            comments.append(CommentActs(object_id, article_id, CommentState(state), text, bool(flag), at))
        elif kind == "vote":
            vote = vote or (object_id, at)
        elif kind == "survey":
            submission = submission or (object_id, at)
        elif kind == "staff":
            staff = total > 0
        else:
            current[(text, object_id)] = (int(total), entries)
    comments.sort(key=lambda c: (c.created_at, c.id))
    return Standing(comments, vote, submission, staff, current)


class CommentActs(NamedTuple):
    id: int
    article_id: int | None
    state: CommentState
    fingerprint: str
    by_agency_staff: bool
    created_at: datetime


def dues_of(dbsession, rules: Rules, user_id: int, draft: Draft, known: Standing | None = None) -> list[Due]:
    """What each of the person's acts on the consultation is worth now."""
    points = rules.points
    known = known or standing(dbsession, user_id, draft)
    comments, staff = known.comments, known.staff
    leaders = campaign_leaders(dbsession, draft.id, {c.fingerprint for c in comments})
    vote = SimpleNamespace(id=known.vote[0], cast_at=known.vote[1]) if known.vote else None
    submission = SimpleNamespace(id=known.submission[0], created_at=known.submission[1]) if known.submission else None

    acts = []  # (at, order, act, object id, basis, reason when it earns nothing)
    earning_comments = set()
    for c in comments:
        act = "article_comment" if c.article_id is not None else "comment"
        reason = None
        if c.state == CommentState.withdrawn:
            reason = "withdrawn"
        elif c.state == CommentState.hidden:
            reason = "hidden"
        elif c.by_agency_staff or staff:
            reason = "staff"
        else:
            authors, first = leaders.get(c.fingerprint, (0, None))
            if authors >= CAMPAIGN_MIN_AUTHORS and first != c.id:
                reason = "campaign"
        if reason is None:
            earning_comments.add(c.id)
        acts.append((c.created_at, 0, act, c.id, points[act], reason))
    if vote is not None:
        acts.append((vote.cast_at, 1, "vote", vote.id, points["vote"], "staff" if staff else None))
    if submission is not None:
        acts.append((submission.created_at, 2, "survey", submission.id, points["survey"], "staff" if staff else None))
    acts.sort(key=lambda a: (a[0], a[1], a[3]))

    dues, earned = [], 0
    for at, _, act, object_id, basis, reason in acts:
        worth = 0 if reason is not None else basis
        if reason is None and earned + worth > rules.cap_per_consultation:
            worth = max(0, rules.cap_per_consultation - earned)
            reason = "cap"
        earned += worth
        dues.append(Due(act, object_id, worth, basis, reason or "earned", at))

    # Acceptances count once the outcome is published: then they are final.
    if draft.state == State.published and earning_comments:
        latest = (
            sa.select(sa.func.max(ResponseRevision.number))
            .where(ResponseRevision.response_id == ResponseComment.response_id)
            .correlate(ResponseComment).scalar_subquery()
        )
        decided = dbsession.execute(
            sa.select(ResponseComment.comment_id, ResponseRevision.decision, ResponseRevision.written_at)
            .join(ResponseRevision, ResponseRevision.response_id == ResponseComment.response_id)
            .where(ResponseComment.comment_id.in_(earning_comments), ResponseRevision.number == latest)
        ).all()
        for comment_id, decision, _written in decided:
            if decision in (Decision.accepted, Decision.partially_accepted):
                worth = points[decision.value]
                dues.append(Due("acceptance", comment_id, worth, worth, decision.value, draft.published_at))
    return dues


def rating_due(dbsession, rules: Rules, rating: ServiceRating, agency_id: int) -> Due:
    staff = is_staff(dbsession, rating.user_id, agency_id)
    basis = rules.points["rating"]
    return Due("rating", rating.id, 0 if staff else basis, basis, "staff" if staff else "earned", rating.rated_at)


# --- the ledger ---------------------------------------------------------------------------------------------------


def append(dbsession, user_id: int, agency_id: int, draft_id: int | None, entries: list[tuple[Due, int, str]],
           now: datetime) -> None:
    """Entries (due, points, reason) of one person, and their totals moved by the same points (one statement
    each: the entries, the totals)."""
    if not entries:
        return
    dbsession.execute(sa.insert(LedgerEntry), [
        {"user_id": user_id, "agency_id": agency_id, "draft_id": draft_id, "act": due.act, "object_id": due.object_id,
         "points": points, "basis": due.basis, "reason": reason, "act_at": due.act_at, "at": now}
        for due, points, reason in entries
    ])
    moved: dict[tuple[str, int], int] = {}
    for due, points, _ in entries:
        if points:
            for period in periods_of(due.act_at):
                for scope in (SITE_SCOPE, agency_id):
                    moved[(period, scope)] = moved.get((period, scope), 0) + points
    if moved:
        insert = dialect_insert(dbsession, PointsTotal)
        dbsession.execute(
            insert.on_conflict_do_update(index_elements=["period", "scope", "user_id"],
                                         set_={"points": PointsTotal.points + insert.excluded.points}),
            [{"period": period, "scope": scope, "user_id": user_id, "points": points}
             for (period, scope), points in sorted(moved.items())],
        )


def booked(dbsession, user_id: int, draft_id: int | None, act: str | None = None, object_id: int | None = None):
    """The sum and number of entries per (act, object) the person has on the consultation (or for one object)."""
    query = (
        sa.select(LedgerEntry.act, LedgerEntry.object_id, sa.func.sum(LedgerEntry.points), sa.func.count())
        .where(LedgerEntry.user_id == user_id)
        .group_by(LedgerEntry.act, LedgerEntry.object_id)
    )
    query = query.where(LedgerEntry.draft_id == draft_id) if draft_id is not None else query.where(
        LedgerEntry.draft_id.is_(None), LedgerEntry.act == act, LedgerEntry.object_id == object_id)
    return {(act, object_id): (int(total), entries) for act, object_id, total, entries in dbsession.execute(query)}


def corrections(dues: list[Due], current: dict) -> list[tuple[Due, int, str]]:
    """The entries that bring the booked sums to the dues: the first entry of an act even when it earns nothing
    (the person sees why), then only differences; a booked act that is no longer due goes back to 0."""
    entries = []
    for due in dues:
        total, count = current.pop((due.act, due.object_id), (0, 0))
        if count == 0:
            entries.append((due, due.points, due.reason))
        elif due.points != total:
            difference = due.points - total
            reason = due.reason if difference < 0 or due.reason not in ("earned", "cap") else "restored"
            entries.append((due, difference, reason))
    for (act, object_id), (total, _count) in current.items():
        if total:
            entries.append((Due(act, object_id, 0, 0, "corrected", None), -total, "corrected"))
    return entries


def settle(request, user_id: int, draft: Draft) -> None:
    """Bring the person's entries on the consultation to what their acts are worth now; badges they reached."""
    dbsession, rules = request.dbsession, rules_of(request.registry)
    known = standing(dbsession, user_id, draft)
    dues = dues_of(dbsession, rules, user_id, draft, known)
    entries = corrections(dues, dict(known.booked))
    for due, _points, _reason in entries:
        if due.act_at is None:  # an entry taking back an act no longer due counts where its first entry did
            due.act_at = first_act_at(dbsession, user_id, due.act, due.object_id)
    append(dbsession, user_id, draft.agency_id, draft.id, entries, request.now)
    if any(points > 0 for _, points, _ in entries):
        award_badges(dbsession, user_id, draft.id, request.now)


def first_act_at(dbsession, user_id, act, object_id):
    return dbsession.scalar(
        sa.select(LedgerEntry.act_at).where(LedgerEntry.user_id == user_id, LedgerEntry.act == act,
                                            LedgerEntry.object_id == object_id).order_by(LedgerEntry.id).limit(1)
    )


def settle_rating(request, rating: ServiceRating, service: Service) -> None:
    dbsession = request.dbsession
    due = rating_due(dbsession, rules_of(request.registry), rating, service.agency_id)
    entries = corrections([due], booked(dbsession, rating.user_id, None, "rating", rating.id))
    append(dbsession, rating.user_id, service.agency_id, None, entries, request.now)


def affected_by_comment(dbsession, comment: Comment, previous_fingerprint: str | None) -> set[int]:
    """Whose points a change of this comment may move: its author, and those whose comments share its text when
    the change may have made or unmade a campaign or changed which comment of it came first."""
    people = {comment.author_id}
    for print_ in {comment.fingerprint, previous_fingerprint} - {None}:
        authors, first = campaign_leaders(dbsession, comment.draft_id, [print_]).get(print_, (0, None))
        if authors <= CAMPAIGN_MIN_AUTHORS:
            people.update(dbsession.scalars(
                sa.select(Comment.author_id).distinct()
                .where(Comment.draft_id == comment.draft_id, Comment.fingerprint == print_,
                       Comment.state != CommentState.withdrawn)
            ))
        elif first is not None:
            people.add(dbsession.scalar(sa.select(Comment.author_id).where(Comment.id == first)))
    return people


# --- badges -------------------------------------------------------------------------------------------------------


def award_badges(dbsession, user_id: int, draft_id: int | None, now: datetime) -> None:
    """The milestones reached: a badge, once earned, stays (the ledger shows any points taken back)."""
    sums = dbsession.execute(
        sa.select(LedgerEntry.act, LedgerEntry.draft_id, sa.func.sum(LedgerEntry.points))
        .where(LedgerEntry.user_id == user_id).group_by(LedgerEntry.act, LedgerEntry.draft_id)
    ).all()
    reached = set()
    if any(act in ("comment", "article_comment") and total > 0 for act, _, total in sums):
        reached.add("first_comment")
    if len({draft for act, draft, total in sums if draft is not None and total > 0}) >= 5:
        reached.add("five_consultations")
    if any(act == "acceptance" and total > 0 for act, _, total in sums):
        reached.add("first_accepted")
    if draft_id is not None and is_province_pioneer(dbsession, user_id, draft_id):
        reached.add("province_pioneer")
    if reached:
        dbsession.execute(
            dialect_insert(dbsession, Badge).on_conflict_do_nothing(index_elements=["user_id", "badge"]),
            [{"user_id": user_id, "badge": badge, "draft_id": draft_id, "earned_at": now} for badge in sorted(reached)],
        )


def is_province_pioneer(dbsession, user_id: int, draft_id: int) -> bool:
    """The person's earliest earning comment on the consultation was its first from their province."""
    residence = dbsession.scalar(sa.select(User.residence).where(User.id == user_id))
    if residence in NO_PROVINCE:
        return False
    first = (
        sa.select(Comment.author_id).join(User, User.id == Comment.author_id)
        .where(Comment.draft_id == draft_id, User.residence == residence, Comment.state == CommentState.visible)
        .order_by(Comment.created_at, Comment.id).limit(1)
    )
    return dbsession.scalar(first) == user_id


# --- recomputing from the acts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    user_id: int
    draft_id: int | None
    act: str
    object_id: int
    booked: int
    due: int


def differences(dbsession, rules: Rules) -> list[Difference]:
    """Every act's worth computed again from the acts, against the ledger's sums: what differs (an act without
    entries, entries without an act, a sum that is not the act's worth)."""
    found = []
    drafts = dbsession.scalars(sa.select(Draft).where(Draft.state != State.draft).order_by(Draft.id)).all()
    for draft in drafts:
        people = set(dbsession.scalars(sa.select(Comment.author_id).where(Comment.draft_id == draft.id)))
        people.update(dbsession.scalars(sa.select(Vote.user_id).where(Vote.draft_id == draft.id)))
        people.update(dbsession.scalars(
            sa.select(Submission.user_id).join(Survey, Survey.id == Submission.survey_id)
            .where(Survey.draft_id == draft.id)))
        people.update(dbsession.scalars(sa.select(LedgerEntry.user_id).where(LedgerEntry.draft_id == draft.id)))
        for user_id in sorted(people):
            current = booked(dbsession, user_id, draft.id)
            for due in dues_of(dbsession, rules, user_id, draft):
                total, _ = current.pop((due.act, due.object_id), (0, 0))
                if total != due.points:
                    found.append(Difference(user_id, draft.id, due.act, due.object_id, total, due.points))
            found.extend(Difference(user_id, draft.id, act, object_id, total, 0)
                         for (act, object_id), (total, _) in current.items() if total)
    ratings = dbsession.execute(
        sa.select(ServiceRating, Service.agency_id).join(Service, Service.id == ServiceRating.service_id)
        .order_by(ServiceRating.id)
    ).all()
    rated = {}
    for act, user_id, object_id, total in dbsession.execute(
            sa.select(LedgerEntry.act, LedgerEntry.user_id, LedgerEntry.object_id, sa.func.sum(LedgerEntry.points))
            .where(LedgerEntry.draft_id.is_(None))
            .group_by(LedgerEntry.act, LedgerEntry.user_id, LedgerEntry.object_id)):
        rated[(user_id, object_id)] = int(total)
    for rating, agency_id in ratings:
        due = rating_due(dbsession, rules, rating, agency_id)
        total = rated.pop((rating.user_id, rating.id), 0)
        if total != due.points:
            found.append(Difference(rating.user_id, None, "rating", rating.id, total, due.points))
    found.extend(Difference(user_id, None, "rating", object_id, total, 0)
                 for (user_id, object_id), total in rated.items() if total)
    return found


def repair(request, found: list[Difference]) -> int:
    """Append the entries that make the ledger what the acts say (reason "corrected"); returns how many."""
    dbsession = request.dbsession
    for difference in found:
        if difference.draft_id is not None:
            agency_id = dbsession.scalar(sa.select(Draft.agency_id).where(Draft.id == difference.draft_id))
        else:
            agency_id = dbsession.scalar(
                sa.select(Service.agency_id).join(ServiceRating, ServiceRating.service_id == Service.id)
                .where(ServiceRating.id == difference.object_id))
        act_at = first_act_at(dbsession, difference.user_id, difference.act, difference.object_id) or request.now
        due = Due(difference.act, difference.object_id, difference.due, difference.due, "corrected", act_at)
        append(dbsession, difference.user_id, agency_id, difference.draft_id,
               [(due, difference.due - difference.booked, "corrected")], request.now)
    return len(found)


def totals_differences(dbsession) -> int:
    """How many totals rows differ from the ledger's sums (the totals are derived: the command rebuilds them)."""
    return len(expected_totals(dbsession) ^ {
        (p, s, u, t) for p, s, u, t in dbsession.execute(
            sa.select(PointsTotal.period, PointsTotal.scope, PointsTotal.user_id, PointsTotal.points)
            .where(PointsTotal.points != 0))
    })


def expected_totals(dbsession) -> set:
    sums: dict[tuple, int] = {}
    for user_id, agency_id, act_at, points in dbsession.execute(
            sa.select(LedgerEntry.user_id, LedgerEntry.agency_id, LedgerEntry.act_at, LedgerEntry.points)
            .where(LedgerEntry.points != 0)):
        for period in periods_of(act_at):
            for scope in (SITE_SCOPE, agency_id):
                sums[(period, scope, user_id)] = sums.get((period, scope, user_id), 0) + points
    return {(p, s, u, t) for (p, s, u), t in sums.items() if t}


def rebuild_totals(dbsession) -> None:
    dbsession.execute(sa.delete(PointsTotal))
    rows = [{"period": p, "scope": s, "user_id": u, "points": t} for p, s, u, t in sorted(expected_totals(dbsession))]
    if rows:
        dbsession.execute(sa.insert(PointsTotal), rows)
