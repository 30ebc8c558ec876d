"""The report's participant statistics (DESIGN S1), every count suppressed below k (S2).

`build_statistics(dbsession, draft, k=5, now=None)` returns a JSON-serialisable dict of codes, never
labels (the report is rendered later in fa and en). Every number comes from SQL aggregation, in at most
nine statements whatever the number of comments (two more on PostgreSQL, to set and reset work_mem and JIT;
with `concurrent`, the participants' statement runs on a second connection on the same snapshot, see
`alongside`);
Python only adds up the aggregates and suppresses. No person's data leaves the database: the rows read are
counts per group.

    {
      "k": 5,                                   # the threshold: a published count is 0 or at least k
      "generated_at": "2026-12-28T09:30:00+00:00",
      "period": {"opens_at": iso | None, "closes_at": iso | None},
      "age_reference_year": 2026,               # age bands are closing year − birth year
      "totals": {
        "participants": int | None,             # distinct people who commented (visible comments),
                                                #   supported a visible comment, voted or answered the survey
        "comments": ..., "draft_comments": ..., "article_comments": ...,   # visible comments only
        "campaigns": ..., "campaign_comments": ...,  # identical texts from ≥ CAMPAIGN_MIN_AUTHORS authors,
                                                     #   and the visible comments carrying them
        "supports": ..., "votes": ..., "survey_submissions": ..., "ratings": ...,
      },
      "tables": [table, ...],                   # in the order below
      "survey": None | {"submissions": int | None, "questions": [question, ...]},  # None: the draft has none
    }

A table (counts in `cells`, one list per row; every count is an int or None = suppressed, "fewer than k"):

    {"id": "participants_by_age_band",
     "rows": "age_band",                        # what the rows are (a code, see below)
     "columns": "measure",                      # what the columns are
     "row_keys": ["under_18", ...], "column_keys": ["participants"],
     "cells": [[12], [None], ...],
     "row_totals": [12, None, ...], "column_totals": [40], "total": 40}

Rows and their keys:
    stakeholder_category   individual, academic, ngo, private_sector, government, other, undisclosed (NULL)
    age_band               under_18, 18_24, 25_34, 35_44, 45_54, 55_64, 65_plus, undisclosed (NULL)
    gender                 female, male, undisclosed (also NULL)
    province               the 31 codes of eparticipation.geography (IR-00 …), abroad, undisclosed (also NULL)
    article                "draft" (comments on the whole draft), then the consulted articles' numbers in order
    option                 a choice question's option indexes "0", "1", … (Question.options order)
    scale_value            "1" … "5"
    service                the agency's services' ids as strings, by id
    decision               accepted, partially_accepted, rejected, noted

Tables, in this order; D is each of the four demographic dimensions in turn (stakeholder_category,
age_band, gender, province), and the people are counted by their profile now, their age at closing (the
draft's agency's own editors and coordinators, where the site lets them take part, in the category
government whatever their profile says; their comments carry it too):
    participants_by_D × 4     columns "measure": ["participants"]
    participants_by_age_band_gender   rows "age_band", columns "gender": the population pyramid; its margins
                              are the cells of participants_by_age_band and participants_by_gender, suppressed
                              alike
    comments_by_D × 4         columns "comment_target": ["draft", "article"] (visible comments on the whole
                              draft, on an article; by the category stored on the comment, what the author
                              was then, and the author's age band, gender and province)
    comments_by_article       rows "article", columns "measure": ["comments"]
    supports_by_D × 4         columns "measure": ["supports"] (supports of visible comments, by the supporter)
    votes_by_D × 4            columns "vote": ["support", "oppose", "abstain"]
    author_votes_by_article   rows "article", columns "vote": the authors of the row's comments who voted,
                              by their vote (an author counts once per row). Its column totals add up the
                              rows. Extra keys: "shares": per row [support, oppose, abstain] shares of the
                              row total (floats rounded to 4 places; None when the count or the row total
                              is suppressed or the row total is 0), and "overall": {"cells": [3 counts],
                              "total": int | None, "shares": [...]} for the authors of any comment (each once).
    ratings_by_service        rows "service", columns "measure": ["ratings"], the ratings of the draft's
                              agency's services given from opens_at to closes_at. Extra key "averages": per
                              row the mean score rounded to 2 places, None unless the count is published and
                              at least k.
    responses_by_decision     rows "decision", columns "measure": ["comments"]: the answered visible comments
                              by the decision of their response's latest revision. Only when the draft is
                              published; absent otherwise.

A survey question:
    {"id": question id, "position": int, "kind": "single_choice" | "multiple_choice" | "scale" | "text",
     "respondents": int | None,           # submissions that answer it
     "table": None (text) | a table with id "survey_question_<id>", rows "option" or "scale_value",
              columns "measure": ["answers"]; for multiple choice the total counts choices, not respondents}

Suppression (eparticipation.reports.suppression) protects each table with its margins; entries that stand
for the same number in several tables (a measure's totals, shared by its four demographic tables and by
"totals"; the draft-level comments) are suppressed everywhere as soon as one table suppresses them, and
each table is then protected again, until nothing changes. The overall author votes are protected as a
one-row table with its total; every other number (campaigns, survey submissions, the respondents of a
multiple-choice or text question) is suppressed when it is from 1 to k − 1.
"""

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from eparticipation.accounts.models import Role, RoleGrant, StakeholderCategory, User
from eparticipation.consultations.models import ConsultedArticle, Draft, State
from eparticipation.db import utcnow
from eparticipation.feedback.models import Service, ServiceRating
from eparticipation.geography import residence_codes
from eparticipation.participation.models import Comment, CommentState, CommentSupport, Vote, VoteChoice
from eparticipation.participation.services import CAMPAIGN_MIN_AUTHORS
from eparticipation.reports.suppression import Suppressed, suppress_table
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision
from eparticipation.surveys.models import SCALE, Question, QuestionKind, Submission, Survey

UNDISCLOSED = "undisclosed"
AGE_BANDS = (("18_24", 18), ("25_34", 25), ("35_44", 35), ("45_54", 45), ("55_64", 55), ("65_plus", 65))
DIMENSIONS = {
    "stakeholder_category": tuple(c.value for c in StakeholderCategory) + (UNDISCLOSED,),
    "age_band": ("under_18",) + tuple(key for key, _ in AGE_BANDS) + (UNDISCLOSED,),
    "gender": ("female", "male", UNDISCLOSED),
    "province": residence_codes(),
}
VOTES = tuple(choice.value for choice in VoteChoice)
WORK_MEM = "64MB"
COMMENT_TARGETS = ("draft", "article")


def build_statistics(dbsession, draft: Draft, *, k: int = 5, now: datetime | None = None,
                     concurrent: bool = False, snapshot: str | None = None) -> dict:
    """The report's statistics for `draft`; the module's docstring gives the exact shape.

    `concurrent` (the report worker's choice): on PostgreSQL, the participants' statement, the longest, runs
    on a second connection at the same time as the others, reading this transaction's snapshot: `snapshot`,
    exported by `export_snapshot` before any savepoint, or exported here (which PostgreSQL refuses inside a
    savepoint). The numbers are those of one moment when this transaction is REPEATABLE READ, as the worker's
    is. That connection cannot see this transaction's own uncommitted rows: only for a caller whose data is
    committed (the worker; not a test's open transaction)."""
    with room_to_aggregate(dbsession):
        return statistics_of(dbsession, draft, k, now or utcnow(), concurrent, snapshot)


@contextmanager
def room_to_aggregate(dbsession):
    """On PostgreSQL, for this transaction only: enough work_mem for the aggregates of a large consultation
    to stay in memory (the default 4 MB spills them to disk), and no JIT (compiling these statements costs
    more than it saves). The previous values are put back once the statistics are built; after an error the
    transaction is rolled back, which undoes the settings anyway."""
    if dbsession.get_bind().dialect.name != "postgresql":
        yield
        return
    before = dbsession.execute(sa.text(
        "SELECT current_setting('work_mem'), current_setting('jit'), "
        "set_config('work_mem', :memory, true), set_config('jit', 'off', true)"
    ), {"memory": WORK_MEM}).one()
    yield
    dbsession.execute(sa.text("SELECT set_config('work_mem', :memory, true), set_config('jit', :jit, true)"),
                      {"memory": before[0], "jit": before[1]})


SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9A-F]+)?$")


def export_snapshot(dbsession) -> str | None:
    """This transaction's snapshot, for a second connection to read the same moment (PostgreSQL only; None
    elsewhere). PostgreSQL exports none from a subtransaction: call it before any savepoint. It stays valid
    until this transaction ends."""
    if dbsession.get_bind().dialect.name != "postgresql":
        return None
    snapshot = dbsession.scalar(sa.text("SELECT pg_export_snapshot()"))
    if not SNAPSHOT_ID.match(snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    return snapshot


@contextmanager
def alongside(dbsession, concurrent: bool, work: Callable, *args, snapshot: str | None = None):
    """Run `work(session, *args)` on a second connection while the block runs, on this transaction's
    snapshot (`snapshot`, or one exported now; PostgreSQL and `concurrent` only); otherwise right here,
    before the block. Yields a future."""
    from concurrent.futures import Future, ThreadPoolExecutor

    if not concurrent or dbsession.get_bind().dialect.name != "postgresql":
        done = Future()
        done.set_result(work(dbsession, *args))
        yield done
        return
    if snapshot is None:
        snapshot = export_snapshot(dbsession)
    elif not SNAPSHOT_ID.match(snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    engine = dbsession.get_bind().engine

    def on_the_snapshot():
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # checked above
                with Session(bind=connection) as session, room_to_aggregate(session):
                    return work(session, *args)

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(on_the_snapshot)
        yield future
        future.result()  # the exporting transaction must outlive the import: wait before leaving


def statistics_of(dbsession, draft: Draft, k: int, now: datetime, concurrent: bool = False,
                  snapshot: str | None = None) -> dict:
    reference_year = (draft.closes_at or now).year
    with alongside(dbsession, concurrent, participant_tables, draft, reference_year,
                   snapshot=snapshot) as participants:
        articles = article_rows(dbsession, draft)
        tables = comment_tables(dbsession, draft, reference_year)
        tables.append(ratings_table(dbsession, draft, k))
        if draft.state == State.published:
            counts = decision_counts(dbsession, draft)
            # Once published every visible comment is answered: its total is the comments' total, suppressed
            # alike.
            tables.append(single_column("responses_by_decision", "decision", [d.value for d in Decision],
                                        "comments", [counts[d] for d in Decision], total_name="comments"))
        survey = survey_statistics(dbsession, draft, k)
        campaigns, campaign_comments = campaign_counts(dbsession, draft)
    participant_part, overall_votes = participants.result()
    tables += participant_part
    tables += article_tables(dbsession, draft, articles, overall_votes, k)

    order = {name: n for n, name in enumerate(TABLE_ORDER)}
    tables.sort(key=lambda table: order.get(table.id.rsplit("_by_", 1)[0], len(order)))
    shown, named = protect(tables, k)
    totals = {
        "participants": named["participants"],
        "comments": named["comments"],
        "draft_comments": named["draft_comments"],
        "article_comments": named["article_comments"],
        "campaigns": primary(campaigns, k),
        "campaign_comments": primary(campaign_comments, k),
        "supports": named["supports"],
        "votes": named["votes"],
        "survey_submissions": survey["submissions"] if survey else 0,
        "ratings": named["ratings"],
    }
    return {
        "k": k,
        "generated_at": now.isoformat(),
        "period": {"opens_at": iso(draft.opens_at), "closes_at": iso(draft.closes_at)},
        "age_reference_year": reference_year,
        "totals": totals,
        "tables": shown,
        "survey": survey,
    }


TABLE_ORDER = ("participants", "comments", "supports", "votes", "author_votes", "ratings", "responses")


# --- tables before suppression ----------------------------------------------------------------------------


@dataclass
class Table:
    """A table of counts before suppression. `names` ties entries of its extended matrix to quantities
    that other tables (or the totals) publish too: ("total",), ("column_total", j) or ("cell", i, j)."""

    id: str
    rows: str
    columns: str
    row_keys: list[str]
    column_keys: list[str]
    cells: list[list[int]]
    names: dict[str, list[tuple]] = field(default_factory=dict)  # also ("row_total", i)
    finish: Callable[[dict], None] | None = None  # adds derived figures (shares, averages) once suppressed

    def positions(self, name: str) -> list[tuple[int, int]]:
        rows, columns = len(self.cells), len(self.column_keys)
        found = []
        for spec in self.names.get(name, ()):
            if spec[0] == "total":
                found.append((rows, columns))
            elif spec[0] == "column_total":
                found.append((rows, spec[1]))
            elif spec[0] == "row_total":
                found.append((spec[1], columns))
            else:
                found.append((spec[1], spec[2]))
        return found


def single_column(table_id, rows, row_keys, column, values, total_name=None, finish=None) -> Table:
    names = {total_name: [("column_total", 0), ("total",)]} if total_name else {}
    return Table(table_id, rows, "measure", list(row_keys), [column], [[v] for v in values], names, finish)


def blank(row_keys, width) -> list[list[int]]:
    return [[0] * width for _ in row_keys]


def row_index(dimension: str) -> dict:
    """Row of each value the database returns (NULL: undisclosed); `raw` columns come back as plain strings."""
    index = {key: n for n, key in enumerate(DIMENSIONS[dimension])}
    index[None] = index[UNDISCLOSED]
    return index


def raw(column):
    """The column's stored text, without turning it into an enum member (faster for many grouped rows)."""
    return sa.type_coerce(column, sa.String)


def age_band(reference_year: int):
    """SQL: the age band at the reference year, from the year of birth."""
    age = sa.literal_column(str(int(reference_year))) - User.birth_year
    return sa.case(
        (User.birth_year.is_(None), sa.literal_column(f"'{UNDISCLOSED}'")),
        *[(age < lowest, sa.literal_column(f"'{below}'"))
          for below, (_, lowest) in zip(DIMENSIONS["age_band"], AGE_BANDS)],
        else_=sa.literal_column(f"'{AGE_BANDS[-1][0]}'"),
    )


def visible(draft: Draft):
    return (Comment.draft_id == draft.id, Comment.state == CommentState.visible)


def article_rows(dbsession, draft: Draft) -> list[tuple[int | None, str]]:
    """(article id, row key) of the rows by article: the whole draft first, then the consulted articles."""
    rows = dbsession.execute(
        sa.select(ConsultedArticle.id, ConsultedArticle.number)
        .where(ConsultedArticle.draft_id == draft.id).order_by(ConsultedArticle.position, ConsultedArticle.id)
    ).all()
    return [(None, "draft")] + [(article_id, number) for article_id, number in rows]


def comment_tables(dbsession, draft: Draft, reference_year: int) -> list[Table]:
    """Visible comments by (whole draft or article, category then, age band, gender, province): one
    statement."""
    target = sa.case((Comment.article_id.is_(None), sa.literal_column("0")), else_=sa.literal_column("1"))
    profile = (
        sa.select(target.label("target"), raw(Comment.stakeholder_category).label("category"),
                  age_band(reference_year).label("age_band"), raw(User.gender).label("gender"), User.residence)
        .join(User, User.id == Comment.author_id)
        .where(*visible(draft))
        .subquery()
    )
    columns = [profile.c.target, profile.c.category, profile.c.age_band, profile.c.gender, profile.c.residence]
    rows = dbsession.execute(sa.select(*columns, sa.func.count()).group_by(*columns)).all()

    by_dimension = {dimension: blank(keys, len(COMMENT_TARGETS)) for dimension, keys in DIMENSIONS.items()}
    indexes = {dimension: row_index(dimension) for dimension in DIMENSIONS}
    order = list(DIMENSIONS)
    for target, *profile, count in rows:
        for dimension, value in zip(order, profile):
            by_dimension[dimension][indexes[dimension].get(value, indexes[dimension][None])][target] += count

    names = {"draft_comments": [("column_total", 0)], "article_comments": [("column_total", 1)],
             "comments": [("total",)]}
    return [
        Table(f"comments_by_{dimension}", dimension, "comment_target", list(DIMENSIONS[dimension]),
              list(COMMENT_TARGETS), cells, names)
        for dimension, cells in by_dimension.items()
    ]


def participant_tables(dbsession, draft: Draft, reference_year: int) -> tuple[list[Table], list[int]]:
    """Participants, their supports and votes by (category now, age band, gender, province), in one
    statement; and the votes of the authors of visible comments (each once)."""
    # Each kind of activity reduced to one row per person, then matched to the people by hash joins: the
    # planner knows how many rows each side has, which it cannot guess for a union grouped by person.
    authors = sa.select(Comment.author_id.label("user_id")).where(*visible(draft)).group_by(Comment.author_id)
    authors = authors.subquery()
    supporters = (
        sa.select(CommentSupport.user_id, sa.func.count().label("supports"))
        .join(Comment, Comment.id == CommentSupport.comment_id).where(*visible(draft))
        .group_by(CommentSupport.user_id)
        .subquery()
    )
    respondents = (
        sa.select(Submission.user_id)
        .join(Survey, Survey.id == Submission.survey_id).where(Survey.draft_id == draft.id)
        .subquery()
    )
    # The agency's own editors and coordinators (on a site that lets them take part) are government employees
    # here, whatever their profile says.
    staff = sa.select(RoleGrant.user_id).where(RoleGrant.agency_id == draft.agency_id,
                                               RoleGrant.role.in_([Role.editor, Role.coordinator]))
    category = sa.case((User.id.in_(staff), sa.literal_column(f"'{StakeholderCategory.government.value}'")),
                       else_=raw(User.stakeholder_category))
    profile = (
        sa.select(category.label("category"), age_band(reference_year).label("age_band"),
                  raw(User.gender).label("gender"), User.residence, raw(Vote.choice).label("choice"),
                  authors.c.user_id.is_not(None).label("commented"),
                  sa.func.coalesce(supporters.c.supports, 0).label("supports"))
        .outerjoin(authors, authors.c.user_id == User.id)
        .outerjoin(supporters, supporters.c.user_id == User.id)
        .outerjoin(Vote, sa.and_(Vote.user_id == User.id, Vote.draft_id == draft.id))
        .outerjoin(respondents, respondents.c.user_id == User.id)
        .where(sa.or_(authors.c.user_id.is_not(None), supporters.c.user_id.is_not(None), Vote.id.is_not(None),
                      respondents.c.user_id.is_not(None)))
        .subquery()
    )
    columns = [profile.c.category, profile.c.age_band, profile.c.gender, profile.c.residence, profile.c.choice,
               profile.c.commented]
    rows = dbsession.execute(
        sa.select(*columns, sa.func.count(), sa.func.sum(profile.c.supports)).group_by(*columns)
    ).all()

    participants = {dimension: [0] * len(keys) for dimension, keys in DIMENSIONS.items()}
    supports = {dimension: [0] * len(keys) for dimension, keys in DIMENSIONS.items()}
    votes = {dimension: blank(keys, len(VOTES)) for dimension, keys in DIMENSIONS.items()}
    indexes = {dimension: row_index(dimension) for dimension in DIMENSIONS}
    overall = [0] * len(VOTES)
    ages, genders = DIMENSIONS["age_band"], DIMENSIONS["gender"]
    pyramid = blank(ages, len(genders))
    order = list(DIMENSIONS)
    for *profile, choice, commented, count, supported in rows:
        _category, age, gender, _residence = profile
        pyramid[indexes["age_band"].get(age, indexes["age_band"][None])][
            indexes["gender"].get(gender, indexes["gender"][None])] += count
        vote = VOTES.index(choice) if choice is not None else None
        if vote is not None and commented:
            overall[vote] += count
        for dimension, value in zip(order, profile):
            row = indexes[dimension].get(value, indexes[dimension][None])
            participants[dimension][row] += count
            supports[dimension][row] += int(supported or 0)
            if vote is not None:
                votes[dimension][row][vote] += count

    tables = []
    for dimension, keys in DIMENSIONS.items():
        tables.append(single_column(f"participants_by_{dimension}", dimension, keys, "participants",
                                    participants[dimension], total_name="participants"))
        tables.append(single_column(f"supports_by_{dimension}", dimension, keys, "supports", supports[dimension],
                                    total_name="supports"))
        names = {f"votes_{choice}": [("column_total", n)] for n, choice in enumerate(VOTES)}
        names["votes"] = [("total",)]
        tables.append(Table(f"votes_by_{dimension}", dimension, "vote", list(keys), list(VOTES), votes[dimension],
                            names))
    tables.append(age_gender_table(tables, pyramid))
    return tables, overall


def age_gender_table(tables: list[Table], cells: list[list[int]]) -> Table:
    """Participants by age band (rows) and gender (columns), the report's population pyramid. Its row totals
    are the cells of participants_by_age_band and its column totals those of participants_by_gender: they are
    named alike, so that what one table hides the others hide too."""
    by_id = {table.id: table for table in tables}
    names: dict[str, list[tuple]] = {"participants": [("total",)]}
    for dimension, margin in (("age_band", "row_total"), ("gender", "column_total")):
        single = by_id[f"participants_by_{dimension}"]
        for n, key in enumerate(DIMENSIONS[dimension]):
            name = f"participants_{dimension}_{key}"
            single.names[name] = [("cell", n, 0)]
            names[name] = [(margin, n)]
    return Table("participants_by_age_band_gender", "age_band", "gender", list(DIMENSIONS["age_band"]),
                 list(DIMENSIONS["gender"]), cells, names)


def article_tables(dbsession, draft: Draft, articles, overall: list[int], k: int) -> list[Table]:
    """Per row by article: its visible comments, and the authors of them who voted, by their vote. One
    statement: the comments grouped by (author, article) in the order of the report's index, then by
    (article, the author's vote)."""
    pairs = (
        sa.select(Comment.author_id, Comment.article_id, sa.func.count().label("comments"))
        .where(*visible(draft))
        .group_by(Comment.author_id, Comment.article_id)
        .subquery()
    )
    rows = dbsession.execute(
        sa.select(pairs.c.article_id, raw(Vote.choice), sa.func.count(), sa.func.sum(pairs.c.comments))
        .select_from(pairs)
        .outerjoin(Vote, sa.and_(Vote.user_id == pairs.c.author_id, Vote.draft_id == draft.id))
        .group_by(pairs.c.article_id, Vote.choice)
    ).all()
    article_index = {article_id: n for n, (article_id, _) in enumerate(articles)}
    cells = blank(articles, len(VOTES))
    comments = [0] * len(articles)
    for article_id, choice, authors, written in rows:
        comments[article_index[article_id]] += int(written)
        if choice is not None:
            cells[article_index[article_id]][VOTES.index(choice)] += authors

    def finish(shown: dict):
        shown["shares"] = [[share(count, total) for count in row]
                           for row, total in zip(shown["cells"], shown["row_totals"])]
        everyone = suppress_table([overall], k)
        shown["overall"] = {"cells": everyone.cells[0], "total": everyone.row_totals[0],
                            "shares": [share(count, everyone.row_totals[0]) for count in everyone.cells[0]]}

    keys = [key for _, key in articles]
    by_article = single_column("comments_by_article", "article", keys, "comments", comments, total_name="comments")
    by_article.names["draft_comments"] = [("cell", 0, 0)]
    return [by_article, Table("author_votes_by_article", "article", "vote", keys, list(VOTES), cells, finish=finish)]


def ratings_table(dbsession, draft: Draft, k: int) -> Table:
    """The ratings of the agency's services given during the consultation, per service: one statement."""
    if draft.opens_at is not None and draft.closes_at is not None:
        during = sa.and_(ServiceRating.rated_at >= draft.opens_at, ServiceRating.rated_at < draft.closes_at)
    else:
        during = sa.false()
    rows = dbsession.execute(
        sa.select(Service.id, sa.func.count(ServiceRating.id), sa.func.avg(ServiceRating.score))
        .outerjoin(ServiceRating, sa.and_(ServiceRating.service_id == Service.id, during))
        .where(Service.agency_id == draft.agency_id)
        .group_by(Service.id)
        .order_by(Service.id)
    ).all()
    averages = [average for _, _, average in rows]

    def finish(shown: dict):
        shown["averages"] = [
            round(float(average), 2) if row[0] is not None and row[0] >= k else None
            for row, average in zip(shown["cells"], averages)
        ]

    return single_column("ratings_by_service", "service", [str(service_id) for service_id, _, _ in rows], "ratings",
                         [count for _, count, _ in rows], total_name="ratings", finish=finish)


def decision_counts(dbsession, draft: Draft) -> dict[Decision, int]:
    """Answered visible comments per decision of their response's latest revision. Counted per response as
    every comment it covers less those hidden or withdrawn since (few, found through the report's index),
    rather than by checking each covered comment; joined to each response's latest revision."""
    covered = sa.union_all(
        sa.select(ResponseComment.response_id, sa.literal_column("1").label("counts"))
        .join(Response, Response.id == ResponseComment.response_id).where(Response.draft_id == draft.id),
        sa.select(ResponseComment.response_id, sa.literal_column("-1"))
        .join(Comment, Comment.id == ResponseComment.comment_id)
        .where(Comment.draft_id == draft.id, Comment.state != CommentState.visible),
    ).subquery()
    covered = (
        sa.select(covered.c.response_id, sa.func.sum(covered.c.counts).label("comments"))
        .group_by(covered.c.response_id)
        .subquery()
    )
    latest = (
        sa.select(ResponseRevision.response_id, sa.func.max(ResponseRevision.number).label("number"))
        .join(Response, Response.id == ResponseRevision.response_id)
        .where(Response.draft_id == draft.id)
        .group_by(ResponseRevision.response_id)
        .subquery()
    )
    rows = dbsession.execute(
        sa.select(ResponseRevision.decision, sa.func.sum(covered.c.comments))
        .select_from(latest)
        .join(ResponseRevision, sa.and_(ResponseRevision.response_id == latest.c.response_id,
                                        ResponseRevision.number == latest.c.number))
        .join(covered, covered.c.response_id == latest.c.response_id)
        .group_by(ResponseRevision.decision)
    ).all()
    counts = dict.fromkeys(Decision, 0)
    counts.update({Decision(decision): int(count) for decision, count in rows})
    return counts


def campaign_counts(dbsession, draft: Draft) -> tuple[int, int]:
    """How many campaigns (identical texts from enough authors), and how many visible comments carry them."""
    # Two plain groupings (by text and author, then by text) that follow the report's index on
    # (draft, fingerprint, author), rather than COUNT(DISTINCT), which sorts within every group.
    by_author = (
        sa.select(Comment.fingerprint, sa.func.count().label("comments"))
        .where(*visible(draft))
        .group_by(Comment.fingerprint, Comment.author_id)
        .subquery()
    )
    campaigns = (
        sa.select(sa.func.sum(by_author.c.comments).label("comments"))
        .group_by(by_author.c.fingerprint)
        .having(sa.func.count() >= CAMPAIGN_MIN_AUTHORS)
        .subquery()
    )
    count, comments = dbsession.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(campaigns.c.comments), 0))
    ).one()
    return int(count), int(comments)


def survey_statistics(dbsession, draft: Draft, k: int) -> dict | None:
    """Answers per option or scale value, and respondents per question: one statement for the questions,
    one for every count (submissions grouped by each question's answer; a multiple-choice answer is grouped
    as its whole list, which Python then splits into its options)."""
    found = dbsession.execute(
        sa.select(Survey.id, Question)
        .outerjoin(Question, Question.survey_id == Survey.id)
        .where(Survey.draft_id == draft.id)
        .order_by(Question.position, Question.id)
    ).all()
    if not found:
        return None
    survey_id = found[0][0]
    questions = [question for _, question in found if question is not None]
    no_answer = sa.cast(sa.null(), sa.String)
    legs = [sa.select(sa.literal_column("0").label("question"), no_answer.label("answer"), sa.func.count())
            .where(Submission.survey_id == survey_id)]
    for question in questions:
        answered = (
            sa.select(Submission.answers[str(question.id)].as_string().label("answer"))
            .where(Submission.survey_id == survey_id)
            .subquery()
        )
        number = sa.literal_column(str(int(question.id)))
        if question.kind == QuestionKind.text:  # counted, never read
            legs.append(sa.select(number, no_answer, sa.func.count())
                        .where(answered.c.answer.is_not(None), answered.c.answer != ""))
        else:
            legs.append(sa.select(number, answered.c.answer, sa.func.count())
                        .where(answered.c.answer.is_not(None)).group_by(answered.c.answer))
    rows = dbsession.execute(sa.union_all(*legs)).all()

    submissions = sum(count for question_id, _, count in rows if question_id == 0)
    described = []
    for question in questions:
        answers = [(decode(answer), count) for question_id, answer, count in rows if question_id == question.id]
        respondents = sum(count for _, count in answers)
        table, total_name = None, None
        if question.kind != QuestionKind.text:
            keys = list(SCALE) if question.kind == QuestionKind.scale else list(range(len(question.options)))
            counts = dict.fromkeys(keys, 0)
            for answer, count in answers:
                for value in answer if isinstance(answer, list) else [answer]:
                    if value in counts:
                        counts[value] += count
            rows_kind = "scale_value" if question.kind == QuestionKind.scale else "option"
            # One answer per respondent: the table's total is the respondents; not so for multiple choice.
            total_name = None if question.kind == QuestionKind.multiple_choice else "respondents"
            shown, named = protect([single_column(f"survey_question_{question.id}", rows_kind,
                                                  [str(key) for key in keys], "answers", list(counts.values()),
                                                  total_name=total_name)], k)
            table = shown[0]
            if total_name:
                respondents = named["respondents"]
        described.append({"id": question.id, "position": question.position, "kind": question.kind.value,
                          "respondents": respondents if total_name else primary(respondents, k),
                          "table": table})
    return {"submissions": primary(submissions, k), "questions": described}


def decode(answer):
    """An answer as the database returns it: JSON text (PostgreSQL), or a number (SQLite)."""
    return json.loads(answer) if isinstance(answer, str) else answer


# --- suppression across tables ----------------------------------------------------------------------------


# The quantities the draft page shows anyone during the consultation (its count of comments, the supports of
# each comment, the tally of votes): suppressing them would protect nobody, so they are published and the
# breakdowns are protected against them (eparticipation.reports.suppression, rule 3).
PUBLIC_QUANTITIES = frozenset({"comments", "draft_comments", "article_comments", "supports", "votes",
                               *(f"votes_{choice}" for choice in VOTES)})


def protect(tables: list[Table], k: int, hidden: frozenset[str] = frozenset(),
            public_names: frozenset[str] = PUBLIC_QUANTITIES) -> tuple[list[dict], dict[str, int | None]]:
    """Suppress every table; a named quantity suppressed in one table is suppressed in all that show it,
    and those are protected again, until nothing changes; the public quantities are never suppressed.
    `hidden`: quantities suppressed elsewhere (in tables protected before these). Returns the tables as
    published and the named quantities' published values."""
    forced_names: set[str] = set(hidden)
    while True:
        results = []
        hidden_names = set()
        for table in tables:
            forced = frozenset(p for name in forced_names for p in table.positions(name))
            public = frozenset(p for name in public_names for p in table.positions(name))
            result = suppress_table(table.cells, k, forced, width=len(table.column_keys), public=public)
            results.append(result)
            for name in table.names:
                if any(entry(result, p) is None for p in table.positions(name)):
                    hidden_names.add(name)
        if hidden_names <= forced_names:
            break
        forced_names |= hidden_names
    named = {}
    shown = []
    for table, result in zip(tables, results):
        for name in table.names:  # the first table that shows a quantity gives its value
            named.setdefault(name, None if name in forced_names else entry(result, table.positions(name)[0]))
        published = {
            "id": table.id, "rows": table.rows, "columns": table.columns, "row_keys": table.row_keys,
            "column_keys": table.column_keys, "cells": result.cells, "row_totals": result.row_totals,
            "column_totals": result.column_totals, "total": result.total,
        }
        if table.finish:
            table.finish(published)
        shown.append(published)
    return shown, named


def entry(result: Suppressed, position: tuple[int, int]) -> int | None:
    i, j = position
    rows, columns = len(result.row_totals), len(result.column_totals)
    if i == rows:
        return result.total if j == columns else result.column_totals[j]
    return result.row_totals[i] if j == columns else result.cells[i][j]


def primary(count: int, k: int) -> int | None:
    return None if 0 < count < k else count


def share(count: int | None, total: int | None) -> float | None:
    if count is None or not total:
        return None
    return round(count / total, 4)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
