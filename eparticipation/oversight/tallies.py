"""Keeping the dashboard's counts (oversight/models.py) as people write, in the write's own transaction.

Every flush that can change a count — a comment written, withdrawn, hidden or restored, a response written or
revised, a consultation opened — is bracketed: before it, the affected comments' contributions are read from
the database; after it, read again; the difference is added to the tallies, the people's presence and, where a
person arrives in or leaves a scope and period, its headcount. All of it is upserts that add (atomic under
concurrency on both databases), so two writers never lose each other's counts. Reading the contributions
rather than reasoning about each code path keeps the rule in one place: whatever a flush changes, the counts
follow. A response's delay after the closing (for the median days to respond) is counted when it is added.

`rebuild` computes every count from the comments (the migration that created the tables, and benchmarks that
seed in bulk, call it); `differences` compares what is kept with what `rebuild` would write
(`eparticipation-tallies` reports them and repairs).
"""

import math
from collections import defaultdict

import sqlalchemy as sa
from persiantools.jdatetime import JalaliDate
from sqlalchemy import event
from sqlalchemy.orm import Session

from eparticipation.consultations.models import Draft, State
from eparticipation.db import dialect_insert
from eparticipation.i18n import DISPLAY_TIMEZONE
from eparticipation.oversight.models import MINISTRY_SCOPE, CommentTally, Headcount, Presence, ResponseDelay
from eparticipation.participation.models import Comment, CommentState
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision

HELD_STATES = (State.consultation, State.closed, State.published)
ACCEPTING = (Decision.accepted, Decision.partially_accepted)
CHUNK = 500  # ids per IN list


def cells_of(agency_id, opens_at, state) -> tuple:
    """The (scope, period) rows a consultation's comments count in: its agency's and the ministry's, for the
    Jalali quarter and the year in which it opened. None before it opened (a draft is not held)."""
    if state is None or State(state) not in HELD_STATES or opens_at is None:
        return ()
    day = JalaliDate(opens_at.astimezone(DISPLAY_TIMEZONE).date())
    quarter, year = f"{day.year}-{(day.month - 1) // 3 + 1}", str(day.year)
    return ((agency_id, quarter), (agency_id, year), (MINISTRY_SCOPE, quarter), (MINISTRY_SCOPE, year))


def tenths_of_a_day(closing, written) -> int:
    """A response's delay after its consultation closed, in tenths of a day, rounded half up (the same rule in
    every place that counts it, which is why the counting is done here and not in SQL)."""
    return math.floor((written - closing).total_seconds() / 8640 + 0.5)


def delay_cells(draft_row, written) -> list:
    """The (scope, period, tenths) rows a response counts in."""
    closing = draft_row.closed_at or draft_row.closes_at
    if closing is None:
        return []
    tenths = tenths_of_a_day(closing, written)
    return [(scope, period, tenths) for scope, period in cells_of(draft_row.agency_id, draft_row.opens_at,
                                                                   draft_row.state)]


def add_counts(connection, dbsession, model, keys: tuple, columns: tuple, moved: dict):
    """Add differences ({key tuple: count tuple}) to counts kept per key: one upsert that adds, atomic under
    concurrency, its rows in key order (two writers lock them in the same order)."""
    rows = [dict(zip(keys + columns, (*key, *counts))) for key, counts in sorted(moved.items()) if any(counts)]
    if rows:
        insert = dialect_insert(dbsession, model)
        connection.execute(insert.on_conflict_do_update(index_elements=list(keys), set_={
            name: getattr(model, name) + getattr(insert.excluded, name) for name in columns}), rows)


# --- what a set of comments contributes ------------------------------------------------------------------------


class Contributions:
    """Per consultation [visible, answered, accepted]; per (scope, period, person) visible comments."""

    def __init__(self):
        self.tallies = defaultdict(lambda: [0, 0, 0])
        self.presence = defaultdict(int)

    def add_comment(self, draft_id, author_id, cells, visible, answered, accepted):
        if not visible:
            return
        counts = self.tallies[draft_id]
        counts[0] += 1
        counts[1] += bool(answered)
        counts[2] += bool(answered and accepted)
        for scope, period in cells:
            self.presence[(scope, period, author_id)] += 1

    def minus(self, earlier: "Contributions") -> "Contributions":
        difference = Contributions()
        for key in {*self.tallies, *earlier.tallies}:
            now, then = self.tallies.get(key, (0, 0, 0)), earlier.tallies.get(key, (0, 0, 0))
            if tuple(now) != tuple(then):
                difference.tallies[key] = [a - b for a, b in zip(now, then)]
        for key in {*self.presence, *earlier.presence}:
            moved = self.presence.get(key, 0) - earlier.presence.get(key, 0)
            if moved:
                difference.presence[key] = moved
        return difference


def latest_decision(response_id):
    """The decision of a response's latest revision, for a few rows (a correlated subquery)."""
    return (sa.select(ResponseRevision.decision).where(ResponseRevision.response_id == response_id)
            .order_by(ResponseRevision.number.desc()).limit(1).scalar_subquery())


def latest_decisions():
    """(response_id, decision) of every response's latest revision, for all rows at once (a join, not a
    subquery per row)."""
    latest = (sa.select(ResponseRevision.response_id, sa.func.max(ResponseRevision.number).label("number"))
              .group_by(ResponseRevision.response_id).subquery("latest"))
    return (sa.select(ResponseRevision.response_id, ResponseRevision.decision)
            .join(latest, sa.and_(latest.c.response_id == ResponseRevision.response_id,
                                  latest.c.number == ResponseRevision.number)))


def read(connection, comment_ids: set, draft_ids: set, found: Contributions | None = None) -> Contributions:
    """What these comments, and every comment of these consultations, contribute as the database has them now.
    The comments of the listed consultations are read with them, not one by one."""
    found = found or Contributions()
    ids = sorted(comment_ids)
    for start in range(0, len(ids), CHUNK):
        rows = connection.execute(
            sa.select(Comment.draft_id, Comment.author_id, Comment.state, ResponseComment.response_id,
                      latest_decision(ResponseComment.response_id).label("decision"),
                      Draft.agency_id, Draft.opens_at, Draft.state.label("draft_state"))
            .join(Draft, Draft.id == Comment.draft_id)
            .outerjoin(ResponseComment, ResponseComment.comment_id == Comment.id)
            .where(Comment.id.in_(ids[start:start + CHUNK]), Comment.draft_id.not_in(draft_ids or [-1])))
        for row in rows:
            found.add_comment(row.draft_id, row.author_id, cells_of(row.agency_id, row.opens_at, row.draft_state),
                              row.state == CommentState.visible, row.response_id is not None,
                              row.decision in ACCEPTING)
    for draft_id in sorted(draft_ids):
        draft = connection.execute(sa.select(Draft.agency_id, Draft.opens_at, Draft.state)
                                   .where(Draft.id == draft_id)).one_or_none()
        if draft is None:
            continue
        cells = cells_of(draft.agency_id, draft.opens_at, draft.state)
        answered = ResponseComment.response_id.is_not(None)
        rows = connection.execute(
            sa.select(Comment.author_id, sa.func.count().label("visible"), sa.func.count(ResponseComment.response_id)
                      .label("answered"),
                      sa.func.coalesce(sa.func.sum(sa.case((sa.and_(answered, latest_decision(
                          ResponseComment.response_id).in_(ACCEPTING)), 1), else_=0)), 0).label("accepted"))
            .outerjoin(ResponseComment, ResponseComment.comment_id == Comment.id)
            .where(Comment.draft_id == draft_id, Comment.state == CommentState.visible)
            .group_by(Comment.author_id))
        for row in rows:
            counts = found.tallies[draft_id]
            counts[0], counts[1], counts[2] = counts[0] + row.visible, counts[1] + row.answered, counts[2] + row.accepted
            for scope, period in cells:
                found.presence[(scope, period, row.author_id)] += row.visible
    return found


def add(connection, dbsession, difference: Contributions):
    """Add a difference to the kept counts: the tallies, the presence, and the headcounts of the scopes and
    periods a person arrived in (0 → some) or left (some → 0)."""
    add_counts(connection, dbsession, CommentTally, ("draft_id",), ("visible", "answered", "accepted"),
               {(draft_id,): tuple(counts) for draft_id, counts in difference.tallies.items()})
    if not difference.presence:
        return
    insert = dialect_insert(dbsession, Presence)
    # One statement, the rows in key order (two writers lock them in the same order); it returns the new counts.
    statement = (insert.values([{"scope": scope, "period": period, "user_id": user_id, "comments": moved}
                                for (scope, period, user_id), moved in sorted(difference.presence.items())])
                 .on_conflict_do_update(index_elements=["scope", "period", "user_id"],
                                        set_={"comments": Presence.comments + insert.excluded.comments})
                 .returning(Presence.scope, Presence.period, Presence.user_id, Presence.comments))
    people = defaultdict(int)
    for row in connection.execute(statement):
        moved = difference.presence[(row.scope, row.period, row.user_id)]
        before = row.comments - moved
        if before == 0 and row.comments > 0:
            people[(row.scope, row.period)] += 1
        elif before > 0 and row.comments == 0:
            people[(row.scope, row.period)] -= 1
    add_counts(connection, dbsession, Headcount, ("scope", "period"), ("people",),
               {key: (count,) for key, count in people.items()})


# --- the flush brackets ------------------------------------------------------------------------------------------

PENDING = "oversight.tallies"
COUNTED = "oversight.tallies.counted"  # ids of the comments this transaction inserted and counted


def changed(obj, *names) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def old_value(obj, name):
    history = sa.inspect(obj).attrs[name].history
    return history.deleted[0] if history.deleted else (history.unchanged[0] if history.unchanged else None)


@event.listens_for(Session, "before_flush")
def read_before(session, flush_context, instances):
    comment_ids, draft_ids, responses = set(), set(), set()
    for obj in session.dirty:
        if isinstance(obj, Comment) and changed(obj, "state"):
            comment_ids.add(obj.id)
        elif isinstance(obj, Draft) and changed(obj, "state", "opens_at", "agency_id"):
            before = cells_of(old_value(obj, "agency_id"), old_value(obj, "opens_at"), old_value(obj, "state"))
            if before != cells_of(obj.agency_id, obj.opens_at, obj.state):
                draft_ids.add(obj.id)
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, ResponseComment) and obj.comment_id is not None:
            comment_ids.add(obj.comment_id)
        elif isinstance(obj, ResponseRevision):
            response = obj.response
            if response is not None and response.id is not None:
                responses.add(response.id)
    delays = defaultdict(int)
    for obj in session.deleted:
        if isinstance(obj, Comment):
            comment_ids.add(obj.id)
        elif isinstance(obj, Response):
            for key in delay_cells(session.get(Draft, obj.draft_id), obj.created_at):
                delays[key] -= 1
    if not (comment_ids or draft_ids or responses or delays
            or any(isinstance(obj, (Comment, Response)) for obj in session.new)):
        session.info.pop(PENDING, None)
        return
    with session.no_autoflush:
        connection = session.connection()
        if responses:
            comment_ids.update(connection.scalars(sa.select(ResponseComment.comment_id)
                                                  .where(ResponseComment.response_id.in_(sorted(responses)))))
        session.info[PENDING] = (comment_ids, draft_ids, read(connection, comment_ids, draft_ids), delays)


@event.listens_for(Session, "after_flush")
def add_after(session, flush_context):
    pending = session.info.pop(PENDING, None)
    if pending is None:
        return
    comment_ids, draft_ids, before, delays = pending
    # The comments this flush inserted (the lists still show what was flushed) are new: nothing answers them
    # yet, and their consultation is in the session (a comment is written on the draft its view loaded), so
    # what they contribute needs no statement.
    after = new_comments(session, [obj for obj in session.new
                                   if isinstance(obj, Comment) and obj.draft_id not in draft_ids])
    # A response is written once its consultation closed, and never moved: its delay is counted when it is added.
    for obj in session.new:
        if isinstance(obj, Response):
            for key in delay_cells(session.get(Draft, obj.draft_id), obj.created_at):
                delays[key] += 1
    connection = session.connection()
    add(connection, session, read(connection, comment_ids, draft_ids, after).minus(before))
    add_counts(connection, session, ResponseDelay, ("scope", "period", "tenths"), ("responses",),
               {key: (count,) for key, count in delays.items()})


def new_comments(session, comments) -> Contributions:
    """What comments just inserted contribute; each is counted once per session, however it was inserted."""
    counted = session.info.setdefault(COUNTED, set())
    found = Contributions()
    for comment in comments:
        if comment.id in counted:
            continue
        counted.add(comment.id)
        draft = session.get(Draft, comment.draft_id)
        found.add_comment(comment.draft_id, comment.author_id, cells_of(draft.agency_id, draft.opens_at, draft.state),
                          comment.state == CommentState.visible, False, False)
    return found


def count_inserted(session, comment):
    """Count a comment inserted by a statement of its own rather than through the session's unit of work (the
    participation service inserts with ON CONFLICT DO NOTHING, so that the database arbitrates between parallel
    sends of one text), which no flush brackets."""
    add(session.connection(), session, new_comments(session, [comment]))


def on_comment_changed(event):
    if event.change == "added":
        count_inserted(event.request.dbsession, event.comment)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def forget_counted(session):
    session.info.pop(COUNTED, None)


# --- every count from the comments -----------------------------------------------------------------------------


def expected_tallies():
    """(draft_id, visible, answered, accepted) of every consultation with a visible comment."""
    decisions = latest_decisions().subquery("decisions")
    answers = (sa.select(ResponseComment.comment_id, decisions.c.decision)
               .join(decisions, decisions.c.response_id == ResponseComment.response_id).subquery("answers"))
    return (sa.select(Comment.draft_id, sa.func.count().label("visible"),
                      sa.func.count(answers.c.comment_id).label("answered"),
                      sa.func.coalesce(sa.func.sum(sa.case((answers.c.decision.in_(ACCEPTING), 1), else_=0)), 0)
                      .label("accepted"))
            .outerjoin(answers, answers.c.comment_id == Comment.id)
            .where(Comment.state == CommentState.visible).group_by(Comment.draft_id))


def expected_presence(dbsession):
    """(scope, period, user_id, comments) of every person with a visible comment on a held consultation."""
    from eparticipation.oversight.indicators import jalali_year, periods_for, periods_table

    bounds = dbsession.execute(sa.select(sa.func.min(Draft.opens_at), sa.func.max(Draft.opens_at))
                               .where(Draft.state.in_(HELD_STATES))).one()
    if bounds[0] is None:
        return None
    periods = periods_table(periods_for(range(jalali_year(bounds[0]), jalali_year(bounds[1]) + 1)))
    visible = (sa.select(Draft.agency_id, periods.c.key.label("period"), Comment.author_id)
               .join(Draft, Draft.id == Comment.draft_id)
               .join(periods, sa.and_(Draft.opens_at >= periods.c.starts, Draft.opens_at < periods.c.ends))
               .where(Comment.state == CommentState.visible, Draft.state.in_(HELD_STATES))).subquery("visible")
    per_agency = (sa.select(visible.c.agency_id.label("scope"), visible.c.period, visible.c.author_id.label("user_id"),
                            sa.func.count().label("comments"))
                  .group_by(visible.c.agency_id, visible.c.period, visible.c.author_id))
    ministry = (sa.select(sa.literal(MINISTRY_SCOPE, sa.Integer).label("scope"), visible.c.period,
                          visible.c.author_id.label("user_id"), sa.func.count().label("comments"))
                .group_by(visible.c.period, visible.c.author_id))
    return sa.union_all(per_agency, ministry)


def expected_delays(dbsession) -> dict:
    """(scope, period, tenths) → responses, from every response of a held consultation."""
    found = defaultdict(int)
    rows = dbsession.execute(
        sa.select(Response.created_at, Draft.agency_id, Draft.opens_at, Draft.state, Draft.closed_at, Draft.closes_at)
        .join(Draft, Draft.id == Response.draft_id).where(Draft.state.in_(HELD_STATES))
        .execution_options(yield_per=10_000))
    for row in rows:
        for key in delay_cells(row, row.created_at):
            found[key] += 1
    return dict(found)


def rebuild(dbsession):
    """Every count computed afresh from the comments and responses, replacing what was kept."""
    for model in (CommentTally, Presence, Headcount, ResponseDelay):
        dbsession.execute(sa.delete(model))
    dbsession.execute(sa.insert(CommentTally).from_select(["draft_id", "visible", "answered", "accepted"],
                                                          expected_tallies()))
    presence = expected_presence(dbsession)
    if presence is not None:
        dbsession.execute(sa.insert(Presence).from_select(["scope", "period", "user_id", "comments"], presence))
        dbsession.execute(sa.insert(Headcount).from_select(
            ["scope", "period", "people"],
            sa.select(Presence.scope, Presence.period, sa.func.count()).where(Presence.comments > 0)
            .group_by(Presence.scope, Presence.period)))
    delays = sorted(expected_delays(dbsession).items())
    for start in range(0, len(delays), 10_000):
        dbsession.execute(sa.insert(ResponseDelay), [
            {"scope": scope, "period": period, "tenths": tenths, "responses": count}
            for (scope, period, tenths), count in delays[start:start + 10_000]])


def differences(dbsession) -> list[str]:
    """What is kept and what the comments say, where they differ (an empty list when they agree)."""
    found = []

    def compare(name, kept: dict, expected: dict):
        for key in sorted({*kept, *expected}, key=str):
            if kept.get(key) != expected.get(key):
                found.append(f"{name} {key}: kept {kept.get(key)}, expected {expected.get(key)}")

    compare("tally", {row[0]: tuple(row[1:]) for row in dbsession.execute(
        sa.select(CommentTally.draft_id, CommentTally.visible, CommentTally.answered, CommentTally.accepted)
        .where(CommentTally.visible > 0))},
        {row[0]: tuple(int(value) for value in row[1:]) for row in dbsession.execute(expected_tallies())})
    presence = expected_presence(dbsession)
    expected = {} if presence is None else {tuple(row[:3]): row[3] for row in dbsession.execute(presence)}
    compare("presence", {tuple(row[:3]): row[3] for row in dbsession.execute(
        sa.select(Presence.scope, Presence.period, Presence.user_id, Presence.comments).where(Presence.comments > 0))},
        expected)
    people = defaultdict(int)
    for scope, period, _user in expected:
        people[(scope, period)] += 1
    compare("headcount", {tuple(row[:2]): row[2] for row in dbsession.execute(
        sa.select(Headcount.scope, Headcount.period, Headcount.people).where(Headcount.people > 0))}, dict(people))
    compare("delay", {tuple(row[:3]): row[3] for row in dbsession.execute(
        sa.select(ResponseDelay.scope, ResponseDelay.period, ResponseDelay.tenths, ResponseDelay.responses)
        .where(ResponseDelay.responses != 0))}, expected_delays(dbsession))
    return found
