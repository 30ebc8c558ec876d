"""The public page of a service's ratings over time (/agencies/<code>/services/<id>/trend): the ratings and
their average per Jalali month, the share of comments the agency answered, and who rated — by stakeholder
category, age band, gender and province — with the consultation report's small-cell suppression.

It lives with the report because it is one: it counts with the report's dimensions (statistics.py) and
protects them alike (suppression.py); feedback/ comes before reports/ and cannot reach them. Every figure is
an SQL aggregate, in three statements whatever the number of ratings (query-count test)."""

from dataclasses import dataclass

import sqlalchemy as sa
from persiantools.jdatetime import JalaliDate
from pyramid.view import view_config

from eparticipation.accounts.models import User
from eparticipation.feedback.models import Service, ServiceAnswer, ServiceRating
from eparticipation.feedback.services import rounded_average
from eparticipation.i18n import _, localize_digits, translate
from eparticipation.permissions import Permissions
from eparticipation.reports.presentation import DIMENSION_LABELS, DIMENSION_TITLES, MEASURE_LABELS, bars, label
from eparticipation.reports.statistics import DIMENSIONS, age_band, raw, row_index
from eparticipation.reports.suppression import Suppressed, suppress_table

@dataclass
class ServiceTrend:
    """The page's figures, suppressed: every count is an int, or None for "fewer than k"."""

    k: int
    count: int  # all ratings: public (the service page shows it)
    periods: list[str]  # "1405-09", oldest first: every month with a rating
    monthly: Suppressed  # rows: periods; one column: ratings
    monthly_averages: list  # per period: the mean score, None unless its count is published and at least k
    answered: Suppressed  # rows: periods; columns: answered, unanswered comments
    share_answered: float | None  # answered / comments, None when the comments' count is suppressed or 0
    breakdowns: dict[str, tuple[Suppressed, list]]  # dimension -> (ratings per row, averages per row)


def averages(suppressed: Suppressed, sums: list[int], k: int) -> list:
    return [rounded_average(total / row[0]) if row[0] is not None and row[0] >= k else None
            for row, total in zip(suppressed.cells, sums)]


def service_trend(dbsession, service: Service, k: int, reference_year: int) -> ServiceTrend:
    """The figures of the trend page in three statements: per month, per answer, per rater's profile."""
    monthly_rows = dbsession.execute(
        sa.select(ServiceRating.period, sa.func.count(), sa.func.sum(ServiceRating.score))
        .where(ServiceRating.service_id == service.id)
        .group_by(ServiceRating.period).order_by(ServiceRating.period)
    ).all()
    periods = [period for period, _, _ in monthly_rows]
    count = sum(n for _, n, _ in monthly_rows)
    # The months add up to every rating, which the service page shows anyone: that total is public.
    monthly = suppress_table([[n] for _, n, _ in monthly_rows], k, width=1,
                             public=frozenset({(len(periods), 0), (len(periods), 1)}))

    answer_rows = dbsession.execute(
        sa.select(ServiceRating.period, ServiceAnswer.id.is_not(None), sa.func.count())
        .outerjoin(ServiceAnswer, ServiceAnswer.rating_id == ServiceRating.id)
        .where(ServiceRating.service_id == service.id, ServiceRating.comment.is_not(None))
        .group_by(ServiceRating.period, ServiceAnswer.id.is_not(None))
    ).all()
    index = {period: n for n, period in enumerate(periods)}
    cells = [[0, 0] for _ in periods]
    for period, is_answered, number in answer_rows:
        cells[index[period]][0 if is_answered else 1] += number
    # The answers are published on the service page: how many there are hides nobody.
    answered = suppress_table(cells, k, width=2, public=frozenset({(len(periods), 0)}))
    share = answered.column_totals[0] / answered.total if answered.total else None

    category, band, gender = raw(User.stakeholder_category), age_band(reference_year), raw(User.gender)
    profile_rows = dbsession.execute(
        sa.select(category, band, gender, User.residence, sa.func.count(), sa.func.sum(ServiceRating.score))
        .join(User, User.id == ServiceRating.user_id)
        .where(ServiceRating.service_id == service.id)
        .group_by(category, band, gender, User.residence)
    ).all()
    breakdowns = breakdowns_of(profile_rows, k)
    return ServiceTrend(k, count, periods, monthly, averages(monthly, [s for _, _, s in monthly_rows], k),
                        answered, share, breakdowns)


def breakdowns_of(profile_rows, k: int) -> dict[str, tuple[Suppressed, list]]:
    """Per dimension, the ratings per row (suppressed) and the rows' averages, from the ratings grouped by
    (category, age band, gender, province) as (…, count, sum of scores). Each table's total is every rating,
    which the service page shows anyone: public, and the rows are protected against it."""
    breakdowns = {}
    for position, dimension in enumerate(DIMENSIONS):
        keys, rows = DIMENSIONS[dimension], row_index(dimension)
        counts, sums = [0] * len(keys), [0] * len(keys)
        for row in profile_rows:
            n = rows.get(row[position], rows[None])
            counts[n] += row[4]
            sums[n] += int(row[5] or 0)
        table = suppress_table([[n] for n in counts], k, width=1, public=frozenset({(len(keys), 0), (len(keys), 1)}))
        breakdowns[dimension] = (table, averages(table, sums, k))
    return breakdowns


def month_label(period: str, language: str) -> str:
    """"1405-09" as "آذر ۱۴۰۵" or "Azar 1405"."""
    year, month = (int(part) for part in period.split("-"))
    name = JalaliDate(year, month, 1).strftime("%B", locale="fa" if language == "fa" else "en")
    return localize_digits(f"{name} {year}", language)


def table_view(request, table_id, title, row_heading, row_labels, columns, suppressed: Suppressed, extra=None):
    """A table as reports/macros.jinja2 draws it (chart and table): the same shape as the report's."""
    cells = [list(row) + ([extra[n]] if extra is not None else []) for n, row in enumerate(suppressed.cells)]
    return {
        "id": table_id, "title": title, "row_heading": row_heading,
        "rows": list(zip(row_labels, cells, suppressed.row_totals)),
        "columns": columns,
        "column_totals": suppressed.column_totals + ([""] if extra is not None else []),
        "total": suppressed.total,
        "has_row_totals": len(suppressed.column_totals) > 1,
        "bars": bars(row_labels, [row[0] if row else None for row in suppressed.cells]),
        "chart_measure": columns[0],
    }


def trend_tables(request, trend: ServiceTrend) -> list[dict]:
    language = request.locale_name
    months = [month_label(period, language) for period in trend.periods]
    month_heading = translate(request, _("Month"))
    ratings, average = translate(request, MEASURE_LABELS["ratings"]), translate(request, MEASURE_LABELS["average"])
    tables = [
        table_view(request, "ratings_by_month", translate(request, _("Ratings per month")), month_heading, months,
                   [ratings, average], trend.monthly, trend.monthly_averages),
        table_view(request, "comments_by_month", translate(request, _("Comments per month, answered or not")),
                   month_heading, months, [translate(request, _("Answered")), translate(request, _("Not answered"))],
                   trend.answered),
    ]
    for dimension, (table, row_averages) in trend.breakdowns.items():
        rows = [label(request, dimension, key) for key in DIMENSIONS[dimension]]
        title = translate(request, _("Ratings ${by}", mapping={"by": translate(request, DIMENSION_TITLES[dimension])}))
        tables.append(table_view(request, f"ratings_by_{dimension}", title,
                                 translate(request, DIMENSION_LABELS[dimension]), rows, [ratings, average], table,
                                 row_averages))
    return tables


@view_config(context=Service, name="trend", renderer="reports/service_trend.jinja2", permission=Permissions.SiteView)
def service_trend_page(context, request):
    k = request.registry.settings["eparticipation.report.k"]
    trend = service_trend(request.dbsession, context, k, request.now.year)
    return {
        "service": context,
        "agency": context.__parent__.agency,
        "trend": trend,
        "k": k,
        "tables": trend_tables(request, trend),
    }
