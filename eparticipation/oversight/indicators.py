"""The compliance indicators (DESIGN E1), per agency and for the ministry, per Jalali year and quarter.

Every figure is an SQL aggregate: the statements join the rows to a small table of periods (one row per Jalali
quarter and one per Jalali year, their bounds computed here in Python) by range, and GROUP BY agency and period.
The number of statements is fixed; nothing is loaded per consultation, and the comments are not read at all:
their counts per consultation and the headcounts per agency and period are kept as people write
(oversight/tallies.py). A consultation belongs to the period in which it opened; its comments, responses and
outcome count in that period too. Service ratings count in the Jalali month they were given (stored with each
rating), added up into its quarter and its year.

Machine names of the indicators (the CSV's columns, the drill-down's `indicator`):

    held                 consultations opened in the period (also per document type and per subject)
    announced            of those, announced in the forward plan before they opened
    min_days             of those, ran at least the minimum number of days (a part of a day counts as a day)
    languages            of those, had the title, summary and call in every required language
    closed               of those, have closed (closed or published)
    published            of the closed, their outcome and report published
    publish_days_median  median days from the closing to the publishing
    comments             comments received (visible ones: not hidden, not withdrawn)
    participants         people who commented (each person once per row)
    answered             of the comments, answered by a response
    respond_days_median  median days from the closing to each response
    accepted             of the answered comments, accepted or partially accepted (the response's latest revision)
    changed              of the published consultations, whose final text differs from the text consulted
    ratings              service ratings given in the period
    rated_comments       of those, ratings with a comment (which the agency can answer)
    ratings_answered     of the ratings with a comment, answered publicly by the agency
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
from persiantools.jdatetime import JalaliDate

from eparticipation.agencies.models import Agency
from eparticipation.consultations.models import Article, ConsultedArticle, Draft, DraftText, State, Subject
from eparticipation.db import UTCDateTime
from eparticipation.feedback.models import Service, ServiceAnswer, ServiceRating
from eparticipation.i18n import DISPLAY_TIMEZONE
from eparticipation.oversight.models import MINISTRY_SCOPE, CommentTally, Headcount, ResponseDelay
from eparticipation.oversight.tallies import HELD_STATES
from eparticipation.planning.models import PlanEntry
from eparticipation.planning.services import announced_in_advance_condition
from eparticipation.responses.models import ResponseRevision

CLOSED_STATES = (State.closed, State.published)
SHARES = {  # indicator -> the indicator whose count is its denominator
    "announced": "held", "min_days": "held", "languages": "held", "published": "closed", "answered": "comments",
    "accepted": "answered", "changed": "published", "ratings_answered": "rated_comments",
}
MEDIANS = ("publish_days_median", "respond_days_median")
COUNTS = ("held", "closed", "comments", "participants", "ratings", "rated_comments")
PEOPLE_COUNTS = ("comments", "participants")  # suppressed below k on the public page
COLUMNS = ("held", "announced", "min_days", "languages", "closed", "published", "publish_days_median", "comments",
           "participants", "answered", "respond_days_median", "accepted", "changed", "ratings", "rated_comments",
           "ratings_answered")
# The consultations' own 0/1 facts, summed per row.
CONSULTATION_FLAGS = ("announced", "min_days", "languages", "closed", "published", "changed")


@dataclass(frozen=True)
class Period:
    key: str  # "1405" (a year) or "1405-3" (its third quarter)
    year: int
    quarter: int | None
    starts: datetime
    ends: datetime


def start_of_jalali(year: int, month: int) -> datetime:
    day: date = JalaliDate(year, month, 1).to_gregorian()
    return datetime.combine(day, time.min, tzinfo=DISPLAY_TIMEZONE)


def periods_for(years: range) -> list[Period]:
    """Each year of `years` and its four quarters (Farvardin–Khordad, Tir–Shahrivar, Mehr–Azar, Dey–Esfand)."""
    periods = []
    for year in years:
        periods.append(Period(str(year), year, None, start_of_jalali(year, 1), start_of_jalali(year + 1, 1)))
        for quarter in range(1, 5):
            ends = start_of_jalali(year + 1, 1) if quarter == 4 else start_of_jalali(year, 3 * quarter + 1)
            periods.append(Period(f"{year}-{quarter}", year, quarter, start_of_jalali(year, 3 * quarter - 2), ends))
    return periods


def jalali_year(moment: datetime) -> int:
    return JalaliDate(moment.astimezone(DISPLAY_TIMEZONE).date()).year


def periods_table(periods: list[Period]):
    """The periods as a derived table (key, starts, ends) that the statements join by range."""
    rows = [sa.select(sa.literal(p.key, sa.String(8)).label("key"), sa.literal(p.starts, UTCDateTime).label("starts"),
                      sa.literal(p.ends, UTCDateTime).label("ends")) for p in periods]
    return (rows[0] if len(rows) == 1 else sa.union_all(*rows)).subquery("periods")


def days_between(dialect: str, start, end):
    """(end − start) in days, as a real number, on either database."""
    if dialect == "postgresql":
        return sa.extract("epoch", end - start) / 86400.0
    return sa.func.julianday(end) - sa.func.julianday(start)


@dataclass
class Figures:
    """One row of the dashboard: the counts, the shares' numerators, the medians."""

    values: dict = field(default_factory=dict)
    by_type: dict = field(default_factory=dict)  # document type -> consultations held
    by_subject: dict = field(default_factory=dict)

    def get(self, name):
        return self.values.get(name, None if name in MEDIANS else 0)

    def share(self, name) -> float | None:
        """The share (0–1) of an indicator among its denominator; None when the denominator is 0."""
        whole = self.get(SHARES[name])
        return None if not whole else self.get(name) / whole


@dataclass
class Dashboard:
    periods: list[Period]
    agencies: list  # (id, code, name_fa, name_en)
    rows: dict  # (agency id or None for the ministry, period key) -> Figures
    settings: dict

    def figures(self, agency_id, period_key) -> Figures:
        return self.rows.get((agency_id, period_key)) or Figures()


def drafts_in_periods(periods):
    """(draft columns, period key) of every consultation held, once for its quarter and once for its year."""
    return (sa.select(Draft.id.label("draft_id"), Draft.agency_id, Draft.document_type, Draft.subject, Draft.state,
                      Draft.opens_at, Draft.closes_at, Draft.closed_at, Draft.published_at,
                      periods.c.key.label("period"))
            .join(periods, sa.and_(Draft.opens_at >= periods.c.starts, Draft.opens_at < periods.c.ends))
            .where(Draft.state.in_(HELD_STATES), Draft.opens_at.is_not(None)))


def languages_complete(required: list[str]):
    """draft_id of each draft with a complete text in every required language."""
    return (sa.select(DraftText.draft_id)
            .where(DraftText.language.in_(required), sa.func.length(sa.func.trim(DraftText.title)) > 0,
                   sa.func.length(sa.func.trim(DraftText.summary)) > 0, sa.func.length(sa.func.trim(DraftText.call)) > 0)
            .group_by(DraftText.draft_id)
            .having(sa.func.count(sa.distinct(DraftText.language)) == len(required)))


def changed_drafts():
    """draft_id of each draft whose articles differ from those consulted: an article added, removed or changed."""
    same = sa.and_(ConsultedArticle.draft_id == Article.draft_id, ConsultedArticle.number == Article.number,
                   ConsultedArticle.heading == Article.heading, ConsultedArticle.text == Article.text)
    added_or_changed = sa.select(Article.draft_id).outerjoin(ConsultedArticle, same).where(ConsultedArticle.id.is_(None))
    kept = sa.and_(Article.draft_id == ConsultedArticle.draft_id, Article.number == ConsultedArticle.number)
    removed = sa.select(ConsultedArticle.draft_id).outerjoin(Article, kept).where(Article.id.is_(None))
    return sa.union(added_or_changed, removed)


def flag(condition):
    return sa.case((condition, 1), else_=0)


def consultation_facts(dialect: str, periods, settings):
    """Per held consultation and period: its agency, type, subject and a 0/1 column per indicator of its own."""
    held = drafts_in_periods(periods).subquery("held")
    complete = languages_complete(settings["eparticipation.required_languages"]).subquery("complete")
    changed = changed_drafts().subquery("changed")
    closing = sa.func.coalesce(held.c.closed_at, held.c.closes_at)
    minimum = settings["eparticipation.min_consultation_days"]
    is_published = held.c.state == State.published
    return (sa.select(
        held.c.draft_id, held.c.agency_id, held.c.period, held.c.document_type, held.c.subject,
        flag(announced_in_advance_condition(held.c.draft_id, held.c.opens_at)).label("announced"),
        # The minimum is the directive's for draft documents; a service, process or action may run a day.
        flag(days_between(dialect, held.c.opens_at, held.c.closes_at)
             > sa.case((held.c.subject == Subject.document, minimum - 1), else_=0)).label("min_days"),
        flag(complete.c.draft_id.is_not(None)).label("languages"),
        flag(held.c.state.in_(CLOSED_STATES)).label("closed"),
        flag(is_published).label("published"),
        sa.case((is_published, days_between(dialect, closing, held.c.published_at))).label("publish_days"),
        flag(sa.and_(is_published, changed.c.draft_id.is_not(None))).label("changed"),
    ).outerjoin(complete, complete.c.draft_id == held.c.draft_id)
        .outerjoin(changed, changed.c.draft_id == held.c.draft_id)).subquery("facts")


def comment_counts(facts):
    """(agency or NULL for the ministry, period, comments, answered, accepted) in one statement, from the
    consultations' tallies (kept as people write, oversight/tallies.py): a row per consultation, not per comment."""

    def summed(agency, *keys):
        return (sa.select(agency.label("agency_id"), facts.c.period,
                          *(sa.func.sum(getattr(CommentTally, column)).label(name)
                            for name, column in (("comments", "visible"), ("answered", "answered"),
                                                 ("accepted", "accepted"))))
                .select_from(facts).join(CommentTally, CommentTally.draft_id == facts.c.draft_id)
                .group_by(*keys, facts.c.period))

    return sa.union_all(summed(facts.c.agency_id, facts.c.agency_id), summed(sa.cast(sa.null(), sa.Integer)))


def median(dialect: str, value, group_columns, source):
    """A statement of (group columns…, median of `value`) over `source`: percentile_cont on PostgreSQL; on
    SQLite, which has none, the middle rows by window functions (the average of the two middle ones)."""
    if dialect == "postgresql":
        return (sa.select(*group_columns, sa.func.percentile_cont(0.5).within_group(value).label("median"))
                .select_from(source).where(value.is_not(None)).group_by(*group_columns))
    names = [c.key for c in group_columns]
    ranked = (sa.select(*group_columns, value.label("value"),
                        sa.func.row_number().over(partition_by=group_columns, order_by=value).label("rank"),
                        sa.func.count().over(partition_by=group_columns).label("size"))
              .select_from(source).where(value.is_not(None)).subquery("ranked"))
    middle = sa.or_(ranked.c.rank == sa.func.cast((ranked.c.size + 1) / 2, sa.Integer),
                    ranked.c.rank == sa.func.cast((ranked.c.size + 2) / 2, sa.Integer))
    keys = [ranked.c[name] for name in names]
    return sa.select(*keys, sa.func.avg(ranked.c.value).label("median")).where(middle).group_by(*keys)


def respond_medians(dbsession, wanted: set) -> dict:
    """(scope, period) → median days from the closing to each response, from the delays kept per tenth of a day
    (oversight/tallies.py). The middle response of n is at place (n + 1) // 2 and, when n is even, the next one
    too (their mean is the median); the statement returns only the delays whose responses hold those places:
    a delay's responses hold the places after `before` up to `upto`."""
    ordered = ResponseDelay.scope, ResponseDelay.period
    running = (sa.select(*ordered, ResponseDelay.tenths, ResponseDelay.responses,
                         sa.func.sum(ResponseDelay.responses).over(partition_by=ordered, order_by=ResponseDelay.tenths)
                         .label("upto"),
                         sa.func.sum(ResponseDelay.responses).over(partition_by=ordered).label("n"))
               .where(ResponseDelay.period.in_(sorted(wanted)), ResponseDelay.responses > 0).subquery("running"))
    before = running.c.upto - running.c.responses
    middle = {}
    for result in dbsession.execute(sa.select(running).where(2 * before <= running.c.n, 2 * running.c.upto >= running.c.n)):
        n, upto = int(result.n), int(result.upto)
        places = {(n + 1) // 2, n // 2 + 1}
        held = [place for place in places if upto - result.responses < place <= upto]
        middle.setdefault((result.scope, result.period), []).extend([result.tenths] * len(held))
    return {key: sum(tenths) / len(tenths) / 10 for key, tenths in middle.items()}


def compute(dbsession, settings, years: range, agency_ids=None) -> Dashboard:
    """Every figure for every agency and the ministry, for each year of `years` and its quarters."""
    dialect = dbsession.get_bind().dialect.name
    periods = periods_for(years)
    table = periods_table(periods)
    facts = consultation_facts(dialect, table, settings)
    rows: dict = {}

    def row(agency_id, period):
        return rows.setdefault((agency_id, period), Figures())

    agencies = dbsession.execute(sa.select(Agency.id, Agency.code, Agency.name_fa, Agency.name_en)
                                 .order_by(Agency.code)).all()
    for result in dbsession.execute(comment_counts(facts)):
        row(result.agency_id, result.period).values.update(
            comments=int(result.comments), answered=int(result.answered), accepted=int(result.accepted))
    for by_agency in (True, False):
        keys = [facts.c.agency_id, facts.c.period] if by_agency else [facts.c.period]

        def key_of(result):
            return (result.agency_id if by_agency else None, result.period)

        for result in dbsession.execute(sa.select(
                *keys, sa.func.count().label("held"),
                *(sa.func.sum(facts.c[name]).label(name) for name in CONSULTATION_FLAGS)).group_by(*keys)):
            row(*key_of(result)).values.update({name: int(result._mapping[name] or 0) for name in
                                                ("held", *CONSULTATION_FLAGS)})
        for result in dbsession.execute(sa.select(*keys, facts.c.document_type, facts.c.subject,
                                                  sa.func.count().label("held"))
                                        .group_by(*keys, facts.c.document_type, facts.c.subject)):
            figures = row(*key_of(result))
            for counts, name in ((figures.by_type, result.document_type), (figures.by_subject, result.subject)):
                if name is not None:  # only documents have a type
                    counts[str(name)] = counts.get(str(name), 0) + result.held
        for result in dbsession.execute(median(dialect, facts.c.publish_days, keys, facts)):
            row(*key_of(result)).values["publish_days_median"] = float(result.median)


    # People are counted once per row (a person may comment at two agencies, or in two quarters of a year): the
    # headcounts kept per scope and period as people write (oversight/tallies.py).
    wanted = {period.key for period in periods}
    for (scope, period), days in respond_medians(dbsession, wanted).items():
        row(None if scope == MINISTRY_SCOPE else scope, period).values["respond_days_median"] = days
    for result in dbsession.execute(sa.select(Headcount.scope, Headcount.period, Headcount.people)
                                    .where(Headcount.period.in_(sorted(wanted)), Headcount.people > 0)):
        row(None if result.scope == MINISTRY_SCOPE else result.scope, result.period).values["participants"] = \
            result.people

    # Ratings are many and additive: one statement counts them per agency and Jalali month (the month each was
    # given, stored with it), and the months are added up into quarters, years and the ministry here.
    has_comment = sa.func.length(sa.func.trim(sa.func.coalesce(ServiceRating.comment, ""))) > 0
    for result in dbsession.execute(
            sa.select(Service.agency_id, ServiceRating.period, sa.func.count().label("ratings"),
                      sa.func.sum(flag(has_comment)).label("with_comment"),
                      sa.func.sum(flag(sa.and_(has_comment, ServiceAnswer.id.is_not(None)))).label("answered"))
            .join(Service, Service.id == ServiceRating.service_id)
            .outerjoin(ServiceAnswer, ServiceAnswer.rating_id == ServiceRating.id)
            .where(ServiceRating.period >= f"{years.start:04d}-01", ServiceRating.period < f"{years.stop:04d}-01")
            .group_by(Service.agency_id, ServiceRating.period)):
        year, month = int(result.period[:4]), int(result.period[5:7])
        for key in (f"{year}-{(month - 1) // 3 + 1}", str(year)):
            if key not in wanted:
                continue
            for agency_id in (result.agency_id, None):
                values = row(agency_id, key).values
                for name, count in (("ratings", result.ratings), ("rated_comments", result.with_comment),
                                    ("ratings_answered", result.answered)):
                    values[name] = values.get(name, 0) + int(count or 0)
    return Dashboard(periods=periods, agencies=agencies, rows=rows, settings=settings)


def data_version(dbsession) -> tuple:
    """What changes whenever a figure may: the consultations (their participation_version moves with every
    comment, edit, withdrawal and hiding), the responses' revisions, the ratings and their answers, the forward
    plan's entries. One cheap statement."""
    return tuple(dbsession.execute(sa.select(
        sa.select(sa.func.count(Draft.id)).scalar_subquery(),
        sa.select(sa.func.max(Draft.updated_at)).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(Draft.participation_version), 0)).scalar_subquery(),
        # Revisions are only ever added (a response changed is a new revision): the last id moves with each, read
        # from its index where counting them would read every row.
        sa.select(sa.func.max(ResponseRevision.id)).scalar_subquery(),
        sa.select(sa.func.max(ServiceRating.id)).scalar_subquery(),
        # An answer revised in place does not change whether its rating was answered.
        sa.select(sa.func.max(ServiceAnswer.id)).scalar_subquery(),
        sa.select(sa.func.count(ServiceAnswer.id)).scalar_subquery(),
        sa.select(sa.func.max(PlanEntry.updated_at)).scalar_subquery(),
        sa.select(sa.func.max(Article.id)).scalar_subquery(),
    )).one())


def first_year(dbsession, now: datetime) -> int:
    earliest = dbsession.scalar(sa.select(sa.func.min(Draft.opens_at)).where(Draft.state.in_(HELD_STATES)))
    return jalali_year(earliest) if earliest else jalali_year(now)


_cache: dict = {}
CACHE_SIZE = 8


def cached_dashboard(dbsession, settings, now: datetime) -> Dashboard:
    """The dashboard of every year with consultations, up to this one; computed again only when the data's
    version (or the year) moved. One statement when warm."""
    version = data_version(dbsession)
    years = range(first_year(dbsession, now), jalali_year(now) + 1)
    dialect = dbsession.get_bind().dialect.name
    key = (dialect, id(dbsession.get_bind().engine), version, years.start, years.stop,
           tuple(settings["eparticipation.required_languages"]), settings["eparticipation.min_consultation_days"])
    if key not in _cache:
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = compute(dbsession, settings, years)
    return _cache[key]
