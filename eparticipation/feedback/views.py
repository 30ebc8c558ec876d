"""Pages of service feedback (DESIGN P4).

    /agencies/<code>/services/              the agency's services with their averages (public)
    /agencies/<code>/services/add           a new service (ServiceManage: the agency's editors and coordinators)
    /agencies/<code>/services/<id>/         a service: its average and count, and the rating form (signed in)
    /agencies/<code>/services/<id>/edit     (ServiceManage)
    /agencies/<code>/services/<id>/ratings  the comments, for the agency's staff and auditors (AgencyStaff)
    /agencies/<code>/services/<id>/answer?rating=<n>  answer one comment publicly (ServiceAnswer: its editors)
"""

import colander
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from eparticipation import ratelimits
from eparticipation.audit import record
from eparticipation.decisions import DECISION_LABELS
from eparticipation.feedback.events import ServiceRated
from eparticipation.feedback.models import (
    Service,
    ServiceAnswer,
    ServiceContainer,
    ServiceRating,
    rating_period,
)
from eparticipation.feedback.schemas import SCORE_LABELS, AnswerSchema, RatingSchema, ServiceSchema
from eparticipation.feedback.services import (
    answer_rating,
    public_answers,
    next_rating_day,
    rating_this_month,
    score_distribution,
    service_aggregates,
    services_summary,
)
from eparticipation.forms import FormView, keyset_param
from eparticipation.i18n import _, flash, format_date
from eparticipation.participation.security import abstains
from eparticipation.participation.services import Refused, limit
from eparticipation.permissions import Permissions

COMMENTS_PER_PAGE = 50


def service_url(request, service, *elements):
    return request.agency_url(service.agency, "services", str(service.id), *(elements or ("",)))


def agency_of(context):
    return context.agency if isinstance(context, ServiceContainer) else context.__parent__.agency


@view_config(context=ServiceContainer, renderer="feedback/list.jinja2", permission=Permissions.SiteView)
def service_list(context, request):
    return {"agency": context.agency, "services_summary": services_summary(request, context.agency)}


class ServiceFormView(FormView):
    schema = ServiceSchema
    formid = "service"
    title = None

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=self.title, agency=agency_of(self.context), **extra)


@view_config(context=ServiceContainer, name="add", renderer="feedback/form.jinja2",
             permission=Permissions.ServiceManage)
class ServiceAddView(ServiceFormView):
    title = _("New service or process")
    buttons = (("add", _("Add the service")),)

    def save(self, appstruct):
        request = self.request
        service = Service(agency_id=self.context.agency.id, created_by_id=request.identity.id,
                          created_at=request.now, updated_at=request.now, **appstruct)
        request.dbsession.add(service)
        request.dbsession.flush()
        record(request, "service.add", service, agency_id=service.agency_id, after=appstruct)
        flash(request, _("The service is added."), "success")
        return HTTPSeeOther(request.agency_url(self.context.agency, "services", str(service.id), ""))


@view_config(context=Service, name="edit", renderer="feedback/form.jinja2", permission=Permissions.ServiceManage)
class ServiceEditView(ServiceFormView):
    title = _("Edit the service")

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, service=self.context, **extra)

    def appstruct(self):
        service = self.context
        return {field: getattr(service, field) for field in ("name_fa", "name_en", "description_fa", "description_en")}

    def save(self, appstruct):
        before = self.appstruct()
        for field, value in appstruct.items():
            setattr(self.context, field, value)
        self.context.updated_at = self.request.now
        record(self.request, "service.edit", self.context, agency_id=self.context.agency_id, before=before,
               after=appstruct)
        flash(self.request, _("The service is saved."), "success")
        return HTTPSeeOther(service_url(self.request, self.context))


@view_config(context=Service, renderer="feedback/service.jinja2", permission=Permissions.SiteView,
             request_method="GET")
@view_config(context=Service, renderer="feedback/service.jinja2", permission=Permissions.ServiceRate,
             request_method="POST")
class ServicePage(FormView):
    """The service's aggregates for everyone; the rating form for the signed-in (posting needs ServiceRate).
    Once a month: a second rating in the same Jalali month is refused, saying when the next one is possible."""

    schema = RatingSchema
    buttons = (("rate", _("Send my rating")),)
    formid = "rating"

    def __call__(self):
        if not self.request.has_permission(Permissions.ServiceRate, self.context):
            return self.page(None)
        return super().__call__()

    def form(self):
        form = super().form()
        form.schema.validator = self.once_a_month
        return form

    def refusal(self):
        now = self.request.now
        return _(
            "You have already rated this service this month. You can rate it again from ${date}.",
            mapping={"date": format_date(next_rating_day(now), self.request.locale_name)},
        )

    def once_a_month(self, form, value):
        if rating_this_month(self.request, self.context, self.request.identity, self.request.now) is not None:
            raise colander.Invalid(form, self.refusal())

    def page(self, rendered_form, **extra):
        request, service = self.request, self.context
        average, count = service_aggregates(request, service)
        already = None
        if rendered_form is not None and request.method == "GET":
            already = rating_this_month(request, service, request.identity, request.now)
        return super().page(
            rendered_form,
            service=service,
            agency=service.__parent__.agency,
            average=average,
            count=count,
            already_rated=already is not None,
            next_rating_day=next_rating_day(request.now),
            can_manage=request.has_permission(Permissions.ServiceManage, service),
            can_read_comments=request.has_permission(Permissions.AgencyStaff, service),
            answers=public_answers(request, service),
            decision_labels=DECISION_LABELS,
            staff_abstains=abstains(request, service.agency_id),
            **extra,
        )

    def save(self, appstruct):
        request = self.request
        try:
            limit(request, "rating")
        except Refused as refused:
            # The form again, as it was filled in, with the reason and when to come back.
            ratelimits.retry_after(request.response, refused.retry_after)
            return self.page(self.form().render(appstruct), error=refused.message)
        rating = ServiceRating(
            service_id=self.context.id,
            user_id=request.identity.id,
            score=appstruct["score"],
            comment=appstruct["comment"] or None,
            period=rating_period(request.now),
            rated_at=request.now,
        )
        request.dbsession.add(rating)
        request.dbsession.flush()
        request.registry.notify(ServiceRated(request, rating, self.context))
        flash(request, _("Thank you: your rating is recorded. You can rate this service again from ${date}.",
                         mapping={"date": format_date(next_rating_day(request.now), request.locale_name)}), "success")
        return HTTPSeeOther(service_url(request, self.context))


@view_config(context=Service, name="ratings", renderer="feedback/ratings.jinja2", permission=Permissions.AgencyStaff)
def service_ratings(context, request):
    """The comments of one service, newest first, for the agency's staff and auditors: the score, the comment and
    the date; never who wrote it nor anything of their profile."""
    query = (
        sa.select(ServiceRating.id, ServiceRating.score, ServiceRating.comment, ServiceRating.rated_at,
                  ServiceAnswer.decision, ServiceAnswer.reason)
        .outerjoin(ServiceAnswer, ServiceAnswer.rating_id == ServiceRating.id)
        .where(ServiceRating.service_id == context.id, ServiceRating.comment.is_not(None))
        .order_by(ServiceRating.id.desc())
        .limit(COMMENTS_PER_PAGE + 1)
    )
    before = keyset_param(request, "before")
    if before is not None:
        query = query.where(ServiceRating.id < before)
    comments = request.dbsession.execute(query).all()
    older = comments[COMMENTS_PER_PAGE - 1].id if len(comments) > COMMENTS_PER_PAGE else None
    average, count = service_aggregates(request, context)
    return {
        "service": context,
        "agency": context.__parent__.agency,
        "comments": comments[:COMMENTS_PER_PAGE],
        "older": older,
        "distribution": score_distribution(request, context),
        "score_labels": SCORE_LABELS,
        "decision_labels": DECISION_LABELS,
        "can_answer": request.has_permission(Permissions.ServiceAnswer, context),
        "average": average,
        "count": count,
    }


@view_config(context=Service, name="answer", renderer="feedback/answer.jinja2", permission=Permissions.ServiceAnswer)
class AnswerView(FormView):
    """The agency's public answer to one rating's comment (?rating=<id>): a decision and its reason; answering
    again gives the answer a new wording. The rater is told each time."""

    schema = AnswerSchema
    buttons = (("answer", _("Publish the answer")),)
    formid = "answer"

    def __init__(self, context, request):
        super().__init__(context, request)
        rating_id = keyset_param(request, "rating")
        self.rating = None if rating_id is None else request.dbsession.scalar(
            sa.select(ServiceRating).where(ServiceRating.id == rating_id, ServiceRating.service_id == context.id,
                                           ServiceRating.comment.is_not(None)))
        if self.rating is None:
            raise HTTPNotFound()
        self.answer = request.dbsession.scalar(sa.select(ServiceAnswer).where(ServiceAnswer.rating_id == rating_id))

    def appstruct(self):
        return self.answer.as_dict() if self.answer is not None else {}

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, service=self.context, agency=self.context.__parent__.agency,
                            rating=self.rating, answer=self.answer, score_labels=SCORE_LABELS, **extra)

    def save(self, appstruct):
        changed = answer_rating(self.request, self.context, self.rating, appstruct["decision"], appstruct["reason"])
        flash(self.request, _("The answer is published; the person who rated is told.") if changed is not None
              else _("Nothing changed."), "success" if changed is not None else "info")
        return HTTPSeeOther(service_url(self.request, self.context, "ratings"))
