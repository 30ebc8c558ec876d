"""Forms of service feedback: a service (its staff) and a rating (signed-in citizens)."""

import colander
import deform
import sqlalchemy as sa

from eparticipation.decisions import DECISION_LABELS, Decision
from eparticipation.feedback.models import (
    ANSWER_MAX,
    COMMENT_MAX,
    DESCRIPTION_MAX,
    NAME_MAX,
    SCORES,
    Service,
    ServiceContainer,
)
from eparticipation.forms import CSRFSchema, length, name_text, strip_text
from eparticipation.i18n import _, localize_digits

SCORE_LABELS = {
    1: _("Very poor"),
    2: _("Poor"),
    3: _("Fair"),
    4: _("Good"),
    5: _("Excellent"),
}
CHOOSE_A_SCORE = _("Choose a rating from ${min} to ${max}.", mapping={"min": SCORES[0], "max": SCORES[-1]})


def service_name_node(title, missing_msg, column):
    """A name, unique among the agency's services (the service being edited aside)."""

    @colander.deferred
    def unique_in_agency(node, kw):
        request, context = kw["request"], kw["context"]
        agency = context.agency if isinstance(context, ServiceContainer) else context.__parent__.agency

        def validator(node, value):
            length(NAME_MAX, 2)(node, value)
            query = sa.select(Service.id).where(Service.agency_id == agency.id, column == value)
            if isinstance(context, Service):
                query = query.where(Service.id != context.id)
            if request.dbsession.scalar(query) is not None:
                raise colander.Invalid(node, _("This agency already has a service with this name."))

        return validator

    return colander.SchemaNode(colander.String(), title=title, preparer=name_text, validator=unique_in_agency,
                               missing_msg=missing_msg)


def description_node(title):
    return colander.SchemaNode(
        colander.String(), title=title, preparer=strip_text, validator=length(DESCRIPTION_MAX), missing="",
        widget=deform.widget.TextAreaWidget(rows=4),
    )


class ServiceSchema(CSRFSchema):
    name_fa = service_name_node(_("Name in Persian"), _("Enter the service's name in Persian."), Service.name_fa)
    name_en = service_name_node(_("Name in English"), _("Enter the service's name in English."), Service.name_en)
    description_fa = description_node(_("Description in Persian (optional)"))
    description_en = description_node(_("Description in English (optional)"))


@colander.deferred
def score_widget(node, kw):
    request = kw["request"]
    translate, locale_name = request.localizer.translate, request.locale_name
    return deform.widget.RadioChoiceWidget(
        values=[(str(score), f"{localize_digits(score, locale_name)} – {translate(SCORE_LABELS[score])}")
                for score in SCORES],
    )


def valid_score(node, value):
    if value not in SCORES:
        raise colander.Invalid(node, CHOOSE_A_SCORE)


class RatingSchema(CSRFSchema):
    score = colander.SchemaNode(
        colander.Integer(),
        title=_("Your rating"),
        oid="score",  # radio buttons are named after the oid
        widget=score_widget,
        validator=valid_score,
        missing_msg=CHOOSE_A_SCORE,
    )
    comment = colander.SchemaNode(
        colander.String(),
        title=_("Comment (optional)"),
        preparer=strip_text,
        validator=length(COMMENT_MAX),
        missing="",
        widget=deform.widget.TextAreaWidget(rows=4),
        description=_("Plain text. The agency's staff read comments; a comment is published only with the agency's "
                      "answer to it, and never with your name."),
    )


@colander.deferred
def answer_decision_widget(node, kw):
    translate = kw["request"].localizer.translate
    return deform.widget.RadioChoiceWidget(values=[(d.value, translate(label)) for d, label in DECISION_LABELS.items()])


class AnswerSchema(CSRFSchema):
    """The agency's answer to a rating's comment: the decision (the responses' vocabulary) and its reason."""

    decision = colander.SchemaNode(
        colander.String(),
        title=_("Decision"),
        oid="decision",
        widget=answer_decision_widget,
        validator=colander.OneOf([d.value for d in Decision]),
        missing_msg=_("Choose a decision."),
    )
    reason = colander.SchemaNode(
        colander.String(),
        title=_("Reason"),
        preparer=strip_text,
        validator=length(ANSWER_MAX, 1),
        widget=deform.widget.TextAreaWidget(rows=5),
        missing_msg=_("Give the reason for the decision."),
        description=_("Published on the service's page with the comment, never with who wrote it."),
    )
