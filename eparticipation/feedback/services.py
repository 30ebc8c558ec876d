"""Queries of service feedback: the public aggregates (never the ratings themselves) and the monthly rule."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from eparticipation.accounts.models import User
from eparticipation.decisions import DECISION_LABELS, Decision
from eparticipation.feedback.models import (
    SCORES,
    Service,
    ServiceAnswer,
    ServiceRating,
    next_period_start,
    rating_period,
)
from eparticipation.i18n import _


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


# --- the agency's answers ---------------------------------------------------------------------------------------

PUBLIC_ANSWERS = 20  # the service page lists the latest answers; the trend page gives the share answered


def answer_rating(request, service: Service, rating: ServiceRating, decision: str, reason: str) -> ServiceAnswer | None:
    """Answer a rating's comment, or give the answer a new wording; audited, and the rater is told in their inbox,
    by e-mail and on their messengers (through the outbox, in this transaction). None when nothing changed."""
    from eparticipation.audit import record
    from eparticipation.messaging import notify
    from eparticipation.messaging.services import language_of, translate_for

    dbsession = request.dbsession
    answer = dbsession.scalar(sa.select(ServiceAnswer).where(ServiceAnswer.rating_id == rating.id))
    after = {"decision": Decision(decision).value, "reason": reason.strip()}
    if answer is None:
        answer = ServiceAnswer(rating_id=rating.id, revision=1, author_id=request.identity.id,
                               answered_at=request.now, **after)
        dbsession.add(answer)
        dbsession.flush()
        record(request, "service.answer", answer, agency_id=service.agency_id,
               after={"rating": rating.id, **after})
    else:
        before = answer.as_dict()
        if before == after:
            return None
        answer.decision, answer.reason = after["decision"], after["reason"]
        answer.revision += 1
        answer.author_id, answer.answered_at = request.identity.id, request.now
        dbsession.flush()
        record(request, "service.answer.revise", answer, agency_id=service.agency_id, before=before,
               after={"rating": rating.id, "revision": answer.revision, **after})
    rater = dbsession.get(User, rating.user_id)
    language = language_of(request.registry, rater)
    mapping = {"agency": service.agency.name(language), "service": service.name(language)}
    notify(request, rater, key=f"feedback:answer:{answer.id}:{answer.revision}",
           subject=_("${agency} has answered your comment on “${service}”", mapping=mapping),
           body=_("${decision}: ${reason}", mapping={
               "decision": translate_for(request.registry, language, DECISION_LABELS[Decision(answer.decision)]),
               "reason": answer.reason}),
           link=request.agency_url(service.agency, "services", str(service.id), ""))
    return answer


@dataclass(frozen=True)
class AnsweredComment:
    score: int
    comment: str
    rated_at: datetime
    decision: Decision
    reason: str
    answered_at: datetime


def public_answers(request, service: Service, limit: int = PUBLIC_ANSWERS) -> list[AnsweredComment]:
    """The latest answered comments of the service, with their answers: one statement; no rater's identity."""
    rows = request.dbsession.execute(
        sa.select(ServiceRating.score, ServiceRating.comment, ServiceRating.rated_at, ServiceAnswer.decision,
                  ServiceAnswer.reason, ServiceAnswer.answered_at)
        .join(ServiceAnswer, ServiceAnswer.rating_id == ServiceRating.id)
        .where(ServiceRating.service_id == service.id, ServiceRating.comment.is_not(None))
        .order_by(ServiceAnswer.answered_at.desc(), ServiceAnswer.id.desc())
        .limit(limit)
    ).all()
    return [AnsweredComment(score, comment, rated_at, Decision(decision), reason, answered_at)
            for score, comment, rated_at, decision, reason, answered_at in rows]
