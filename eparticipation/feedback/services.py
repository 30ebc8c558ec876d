"""Queries of service feedback: the public aggregates (never the ratings themselves) and the monthly rule."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from eparticipation.feedback.models import (
    SCORES,
    Service,
    ServiceRating,
    next_period_start,
    rating_period,
)


@dataclass(frozen=True)
class ServiceSummary:
    """A service with the aggregates of its ratings: `average` is rounded to one decimal (None without ratings)."""

    service: Service
    average: Decimal | None
    count: int


def rounded_average(value) -> Decimal | None:
    """SQL's AVG comes back as a float (SQLite) or a Decimal (PostgreSQL): one decimal, half up."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def services_summary(request, agency) -> list[ServiceSummary]:
    """The agency's services with their average rating and number of ratings, in ONE query (an outer join
    grouped by service), ordered by name in the page's language. What feedback/agency_section.jinja2 shows."""
    name = Service.name_fa if request.locale_name == "fa" else Service.name_en
    rows = request.dbsession.execute(
        sa.select(Service, sa.func.avg(ServiceRating.score), sa.func.count(ServiceRating.id))
        .outerjoin(ServiceRating, ServiceRating.service_id == Service.id)
        .where(Service.agency_id == agency.id)
        .group_by(Service.id)
        .order_by(name, Service.id)
    ).all()
    return [ServiceSummary(service, rounded_average(average), count) for service, average, count in rows]


def service_aggregates(request, service) -> tuple[Decimal | None, int]:
    """(average rounded to one decimal, number of ratings) of one service."""
    average, count = request.dbsession.execute(
        sa.select(sa.func.avg(ServiceRating.score), sa.func.count(ServiceRating.id))
        .where(ServiceRating.service_id == service.id)
    ).one()
    return rounded_average(average), count


def score_distribution(request, service) -> dict[int, int]:
    """How many ratings gave each score (for the agency's staff)."""
    rows = request.dbsession.execute(
        sa.select(ServiceRating.score, sa.func.count(ServiceRating.id))
        .where(ServiceRating.service_id == service.id)
        .group_by(ServiceRating.score)
    ).all()
    counts = dict.fromkeys(SCORES, 0)
    counts.update({score: count for score, count in rows})
    return counts


def rating_this_month(request, service, user, now: datetime) -> ServiceRating | None:
    """The user's rating of the service in the Jalali month of `now`, if they have given one."""
    return request.dbsession.scalar(
        sa.select(ServiceRating).where(
            ServiceRating.service_id == service.id,
            ServiceRating.user_id == user.id,
            ServiceRating.period == rating_period(now),
        )
    )


def next_rating_day(now: datetime) -> date:
    """When someone who rated during the month of `now` may rate again: the first day of the next Jalali month."""
    return next_period_start(now)


def personal_ratings(dbsession, user) -> list[dict]:
    """The person's ratings of services (for their data download)."""
    ratings = dbsession.scalars(
        sa.select(ServiceRating).where(ServiceRating.user_id == user.id).order_by(ServiceRating.id)
    ).all()
    return [
        {"service": r.service_id, "score": r.score, "comment": r.comment, "rated_at": r.rated_at.isoformat()}
        for r in ratings
    ]
