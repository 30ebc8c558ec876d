"""The forward plan's rules and queries: the Jalali quarters, the lists, comments and follows, telling the
followers once when an entry's draft opens, and which consultations were announced in advance."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from persiantools.jdatetime import JalaliDate
from sqlalchemy.orm import selectinload

from eparticipation import ratelimits
from eparticipation.accounts.models import User
from eparticipation.consultations import draft_url
from eparticipation.consultations.models import DocumentType, Draft, State
from eparticipation.i18n import DISPLAY_TIMEZONE, _, format_date
from eparticipation.messaging import Notice, notify_all
from eparticipation.messaging.services import language_of
from eparticipation.planning.models import PlanComment, PlanEntry, PlanFollow, PlanState

FOLLOWERS_KEY = "planning:opened:"


def jalali_quarter(moment: datetime) -> tuple[int, int]:
    """The Jalali (year, quarter) that `moment` falls in, in Tehran (quarter 1 is Farvardin to Khordad)."""
    day = JalaliDate(moment.astimezone(DISPLAY_TIMEZONE).date())
    return day.year, (day.month - 1) // 3 + 1


def coming_year(now: datetime) -> list[tuple[int, int]]:
    """The four quarters from the current one: the year the plan looks ahead to."""
    year, quarter = jalali_quarter(now)
    quarters = []
    for _step in range(4):
        quarters.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return quarters


@dataclass(frozen=True)
class PlanFilters:
    year: int | None = None
    quarter: int | None = None
    document_type: DocumentType | None = None

    @classmethod
    def from_params(cls, params, default_year: int) -> "PlanFilters":
        """What the list's form chose; a value that names nothing is ignored (the list is still shown)."""
        from eparticipation.inputs import parse_integer

        def number(name):
            try:
                return parse_integer(params.get(name))
            except ValueError:
                return None

        year = number("year")
        quarter = number("quarter")
        kind = params.get("type", "")
        return cls(
            year=year if year is not None and 1400 <= year <= 1499 else default_year,
            quarter=quarter if quarter in (1, 2, 3, 4) else None,
            document_type=DocumentType(kind) if kind in DocumentType.__members__ else None,
        )


def entries_query():
    """Entries with what their lists show (agency, unit, linked draft), loaded in the same few statements."""
    return sa.select(PlanEntry).options(
        selectinload(PlanEntry.agency), selectinload(PlanEntry.drafting_unit), selectinload(PlanEntry.draft)
    ).order_by(PlanEntry.year, PlanEntry.quarter, PlanEntry.id)


def agency_entries(dbsession, agency_id: int, filters: PlanFilters, states=(PlanState.published,)) -> list[PlanEntry]:
    query = entries_query().where(PlanEntry.agency_id == agency_id, PlanEntry.state.in_(states))
    if filters.year is not None:
        query = query.where(PlanEntry.year == filters.year)
    if filters.quarter is not None:
        query = query.where(PlanEntry.quarter == filters.quarter)
    if filters.document_type is not None:
        query = query.where(PlanEntry.document_type == filters.document_type)
    return dbsession.scalars(query).all()


def years_of(dbsession, agency_id: int | None = None) -> list[int]:
    """The Jalali years that have published entries (for the year choice)."""
    query = sa.select(PlanEntry.year).where(PlanEntry.state == PlanState.published).distinct()
    if agency_id is not None:
        query = query.where(PlanEntry.agency_id == agency_id)
    return sorted(dbsession.scalars(query))


def site_entries(dbsession, now: datetime, document_type: DocumentType | None = None) -> list[PlanEntry]:
    """Every agency's published entries for the coming four quarters."""
    quarters = coming_year(now)
    query = entries_query().where(
        PlanEntry.state == PlanState.published,
        sa.or_(*[sa.and_(PlanEntry.year == year, PlanEntry.quarter == quarter) for year, quarter in quarters]),
    )
    if document_type is not None:
        query = query.where(PlanEntry.document_type == document_type)
    return dbsession.scalars(query).all()


def comment_counts(dbsession, entry_ids: list[int]) -> dict[int, int]:
    """Visible comments per entry, in one statement."""
    if not entry_ids:
        return {}
    rows = dbsession.execute(
        sa.select(PlanComment.entry_id, sa.func.count()).where(PlanComment.entry_id.in_(entry_ids),
                                                              PlanComment.hidden_at.is_(None))
        .group_by(PlanComment.entry_id)
    )
    return dict(rows.all())


def comments_of(dbsession, entry: PlanEntry) -> list[PlanComment]:
    return dbsession.scalars(
        sa.select(PlanComment).where(PlanComment.entry_id == entry.id)
        .options(selectinload(PlanComment.author)).order_by(PlanComment.id)
    ).all()


def follows(dbsession, entry: PlanEntry, user) -> bool:
    if user is None:
        return False
    return dbsession.get(PlanFollow, (entry.id, user.id)) is not None


def followers_count(dbsession, entry: PlanEntry) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(PlanFollow).where(PlanFollow.entry_id == entry.id))


def add_comment(request, entry: PlanEntry, body: str) -> PlanComment:
    """A comment on the entry's intent; RateLimited past the person's limit."""
    ratelimits.take(request, "plan_comment")
    comment = PlanComment(entry_id=entry.id, author_id=request.identity.id, body=body, created_at=request.now)
    request.dbsession.add(comment)
    request.dbsession.flush()
    return comment


def hide_comment(request, comment: PlanComment, reason: str) -> bool:
    """Hide the comment with a reason, once: False when another moderator hid it first (theirs stays)."""
    hidden = request.dbsession.execute(
        sa.update(PlanComment).where(PlanComment.id == comment.id, PlanComment.hidden_at.is_(None))
        .values(hidden_at=request.now, hidden_reason=reason, hidden_by_id=request.identity.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    request.dbsession.refresh(comment)
    return bool(hidden)


def follow(request, entry: PlanEntry) -> None:
    from eparticipation.db import dialect_insert

    ratelimits.take(request, "plan_follow")
    request.dbsession.execute(
        dialect_insert(request.dbsession, PlanFollow)
        .values(entry_id=entry.id, user_id=request.identity.id, created_at=request.now)
        .on_conflict_do_nothing(index_elements=["entry_id", "user_id"])
    )


def unfollow(request, entry: PlanEntry) -> None:
    ratelimits.take(request, "plan_follow")
    request.dbsession.execute(
        sa.delete(PlanFollow).where(PlanFollow.entry_id == entry.id, PlanFollow.user_id == request.identity.id)
    )


def entry_of_draft(dbsession, draft_id: int) -> PlanEntry | None:
    return dbsession.scalar(sa.select(PlanEntry).where(PlanEntry.draft_id == draft_id))


def linkable_entry(dbsession, agency_id: int, entry_id: int | None) -> PlanEntry | None:
    """The published entry of this agency with no draft yet that a new draft may be written from."""
    if entry_id is None:
        return None
    entry = dbsession.get(PlanEntry, entry_id)
    if entry is None or entry.agency_id != agency_id or entry.state != PlanState.published or entry.draft_id:
        return None
    return entry


# --- telling the followers ----------------------------------------------------------------------------------------


def tell_followers(request, entry: PlanEntry, draft: Draft) -> int:
    """Tell each follower, in their language, that the entry's draft is open for consultation; once per entry
    (the entry remembers it, and the messages' key is unique per person)."""
    entry.followers_told_at = request.now
    followers = request.dbsession.scalars(
        sa.select(User).join(PlanFollow, PlanFollow.user_id == User.id)
        .where(PlanFollow.entry_id == entry.id, User.is_active.is_(True))
    ).all()
    if not followers:
        return 0
    link = draft_url(request, draft)
    text = draft.texts.get("fa") or draft.texts.get("en")
    notices = []
    for user in followers:
        locale_name = language_of(request.registry, user)
        title = entry.title(locale_name)
        notices.append(Notice(
            user,
            _("The consultation you followed is open: ${title}", mapping={"title": title}),
            _("The draft announced in the forward plan, «${title}», is open for consultation until ${date}. Read it "
              "and comment on it.", mapping={"title": (draft.texts.get(locale_name) or text).title or title,
                                            "date": format_date(draft.last_day(), locale_name)}),
            link,
        ))
    notify_all(request, notices, key=f"{FOLLOWERS_KEY}{entry.id}")
    return len(notices)


def on_transition(event) -> None:
    """A draft written from an entry opens: its followers are told (now, or on its first day when opened ahead)."""
    if event.event.transition != "open":
        return
    entry = entry_of_draft(event.request.dbsession, event.draft.id)
    if entry is not None and entry.followers_told_at is None and event.draft.opens_at <= event.request.now:
        tell_followers(event.request, entry, event.draft)


def tell_due_followers(request) -> str:
    """The tick: the entries whose draft's consultation has begun and whose followers were not told yet."""
    due = request.dbsession.execute(
        sa.select(PlanEntry, Draft).join(Draft, Draft.id == PlanEntry.draft_id)
        .where(PlanEntry.followers_told_at.is_(None), Draft.state == State.consultation,
               Draft.opens_at <= request.now, Draft.closes_at > request.now)
    ).all()
    told = sum(tell_followers(request, entry, draft) for entry, draft in due)
    return f"Told {told} follower(s) of {len(due)} plan entries whose consultation opened"


# --- oversight ----------------------------------------------------------------------------------------------------


def announced_in_advance_condition(draft_id=Draft.id, opens_at=Draft.opens_at):
    """SQL: the draft was announced in the forward plan before its consultation opened — an entry linked to it
    was published before its opens_at. For a query over drafts: `select(Draft.id).where(
    announced_in_advance_condition())`; over a subquery of drafts, give its draft id and opening columns."""
    return sa.exists(
        sa.select(PlanEntry.id).where(PlanEntry.draft_id == draft_id, PlanEntry.published_at.is_not(None),
                                      opens_at.is_not(None), PlanEntry.published_at < opens_at)
    )


def announced_in_advance(dbsession, draft_ids) -> set[int]:
    """Of these drafts, those announced in the forward plan before their consultation opened (one statement)."""
    draft_ids = list(draft_ids)
    if not draft_ids:
        return set()
    return set(dbsession.scalars(sa.select(Draft.id).where(Draft.id.in_(draft_ids), announced_in_advance_condition())))


# --- personal data ------------------------------------------------------------------------------------------------


def personal_plan_comments(dbsession, user) -> list:
    comments = dbsession.scalars(sa.select(PlanComment).where(PlanComment.author_id == user.id)
                                 .order_by(PlanComment.id)).all()
    return [{"plan_entry": c.entry_id, "body": c.body, "created_at": c.created_at.isoformat(),
             "hidden_reason": c.hidden_reason} for c in comments]


def personal_plan_follows(dbsession, user) -> list:
    rows = dbsession.scalars(sa.select(PlanFollow).where(PlanFollow.user_id == user.id)
                             .order_by(PlanFollow.entry_id)).all()
    return [{"plan_entry": f.entry_id, "since": f.created_at.isoformat()} for f in rows]


def forget_person(dbsession, user_id: int) -> None:
    """A closed account follows no entry any more; its comments stay on the record, shown without its name."""
    dbsession.execute(sa.delete(PlanFollow).where(PlanFollow.user_id == user_id))
