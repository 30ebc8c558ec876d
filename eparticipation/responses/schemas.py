"""The response form: a decision, its reason and, for a refusal, its legal basis."""

import colander
import deform

from eparticipation.decisions import DECISION_LABELS, Decision  # noqa: F401 (re-exported)
from eparticipation.forms import CSRFSchema, length, optional_text, strip_text
from eparticipation.i18n import _
from eparticipation.responses.models import LAW_ARTICLE_MAX, LAW_MAX, REASON_MAX


@colander.deferred
def decision_widget(node, kw):
    translate = kw["request"].localizer.translate
    return deform.widget.RadioChoiceWidget(values=[(d.value, translate(label)) for d, label in DECISION_LABELS.items()])


def legal_basis_given(form, value):
    if value["decision"] and Decision(value["decision"]).needs_legal_basis:
        error = colander.Invalid(form)
        if not value["legal_basis_law"]:
            error["legal_basis_law"] = _("Name the law or regulation this decision rests on.")
        if not value["legal_basis_article"]:
            error["legal_basis_article"] = _("Name the article of that law.")
        if error.children:
            raise error


class ResponseSchema(CSRFSchema):
    decision = colander.SchemaNode(
        colander.String(), title=_("Decision"), oid="decision", widget=decision_widget,
        validator=colander.OneOf([d.value for d in Decision]),
    )
    reason = colander.SchemaNode(
        colander.String(), title=_("Reason"), preparer=strip_text, validator=length(REASON_MAX, 5),
        widget=deform.widget.TextAreaWidget(rows=5),
        description=_("Why the agency decided so; the participants will read it."),
    )
    legal_basis_law = colander.SchemaNode(
        colander.String(), title=_("Legal basis: law or regulation"), preparer=optional_text,
        validator=length(LAW_MAX), missing=None,
        description=_("Required when the comment is rejected or partially accepted."),
    )
    legal_basis_article = colander.SchemaNode(
        colander.String(), title=_("Legal basis: article"), preparer=optional_text,
        validator=length(LAW_ARTICLE_MAX), missing=None,
    )

    def __init__(self, *args, **kw):
        super().__init__(*args, validator=legal_basis_given, **kw)
