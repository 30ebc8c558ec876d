"""Forms of participation: a comment (on the draft or one article), its report, its hiding, a vote."""

import colander
import deform

from eparticipation.forms import CSRFSchema, length, optional_name, optional_text, strip_text
from eparticipation.i18n import _
from eparticipation.participation.models import (
    COMMENT_MAX,
    COMMENT_MIN,
    ORGANISATION_MAX,
    REASON_MAX,
    HidingReason,
    OrganisationKind,
    VoteChoice,
)

ORGANISATION_KIND_LABELS = {
    OrganisationKind.ngo: _("Non-governmental organisation"),
    OrganisationKind.company: _("Company"),
    OrganisationKind.university: _("University or research institute"),
    OrganisationKind.other: _("Other organisation"),
}
HIDING_LABELS = {
    HidingReason.abuse: _("Insults, threats or hate"),
    HidingReason.personal_data: _("Someone's personal data"),
    HidingReason.spam: _("Advertising or spam"),
    HidingReason.off_topic: _("Not about this draft"),
    HidingReason.illegal: _("Content the law forbids publishing"),
}
VOTE_LABELS = {
    VoteChoice.support: _("I support this draft"),
    VoteChoice.oppose: _("I oppose this draft"),
    VoteChoice.abstain: _("I abstain"),
}


def body_node(title=_("Your comment")):
    return colander.SchemaNode(
        colander.String(),
        name="body",
        title=title,
        preparer=strip_text,
        validator=length(COMMENT_MAX, COMMENT_MIN),
        widget=deform.widget.TextAreaWidget(rows=6, attributes={"maxlength": str(COMMENT_MAX)}),
        description=_("Plain text, ${min} to ${max} characters. Links are shown as text.",
                      mapping={"min": COMMENT_MIN, "max": COMMENT_MAX}),
    )


@colander.deferred
def article_widget(node, kw):
    request, draft = kw["request"], kw["context"].draft
    from eparticipation.consultations.naming import part_name, whole_name

    choices = [("", whole_name(request, draft))]
    for article in draft.consulted_articles:
        label = part_name(request, draft, article.number)
        choices.append((article.number, f"{label} – {article.heading}" if article.heading else label))
    return deform.widget.SelectWidget(values=choices)


@colander.deferred
def article_validator(node, kw):
    numbers = [a.number for a in kw["context"].draft.consulted_articles]
    return colander.OneOf(numbers, msg_err=_("Choose an article of this draft."))


@colander.deferred
def organisation_kind_widget(node, kw):
    translate = kw["request"].localizer.translate
    choices = [("", translate(_("— for myself —")))]
    return deform.widget.SelectWidget(values=choices + [(k.value, translate(v)) for k, v in ORGANISATION_KIND_LABELS.items()])


def organisation_named(form, value):
    if value["organisation_kind"] and not value["organisation_name"]:
        raise colander.Invalid(form["organisation_name"], _("Name the organisation you write for."))


class CommentSchema(CSRFSchema):
    article = colander.SchemaNode(
        colander.String(), title=_("About"), widget=article_widget, validator=article_validator,
        preparer=optional_text, missing=None,
    )
    body = body_node()
    anonymous = colander.SchemaNode(
        colander.Boolean(), title=_("Show me as “anonymous participant”"), missing=False,
        description=_("The agency still knows who wrote it."),
    )
    organisation_kind = colander.SchemaNode(
        colander.String(), title=_("On behalf of"), widget=organisation_kind_widget, preparer=optional_text,
        validator=colander.OneOf([k.value for k in OrganisationKind]), missing=None,
    )
    organisation_name = colander.SchemaNode(
        colander.String(), title=_("Organisation's name"), preparer=optional_name,
        validator=length(ORGANISATION_MAX), missing=None,
    )

    def __init__(self, *args, **kw):
        super().__init__(*args, validator=organisation_named, **kw)


class CommentEditSchema(CSRFSchema):
    body = body_node()


class ReportSchema(CSRFSchema):
    reason = colander.SchemaNode(
        colander.String(), title=_("What is wrong with this comment?"), preparer=strip_text,
        validator=length(REASON_MAX, 5), widget=deform.widget.TextAreaWidget(rows=3),
    )


@colander.deferred
def hiding_widget(node, kw):
    translate = kw["request"].localizer.translate
    return deform.widget.RadioChoiceWidget(values=[(k.value, translate(v)) for k, v in HIDING_LABELS.items()])


class HideSchema(CSRFSchema):
    category = colander.SchemaNode(
        colander.String(), title=_("Rule broken"), oid="category", widget=hiding_widget,
        validator=colander.OneOf([k.value for k in HidingReason]),
    )
    reason = colander.SchemaNode(
        colander.String(), title=_("Reason shown in the comment's place"), preparer=strip_text,
        validator=length(REASON_MAX, 5), widget=deform.widget.TextAreaWidget(rows=3),
    )
