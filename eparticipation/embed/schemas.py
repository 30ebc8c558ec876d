"""The form of the widget's settings: the origins whose pages may frame it."""

import colander
import deform

from eparticipation.embed.origins import MAX_ORIGINS, parse_origins
from eparticipation.forms import CSRFSchema
from eparticipation.i18n import _

ORIGINS_TEXT_MAX = MAX_ORIGINS * 300


def origins_validator(node, value):
    origins, wrong = parse_origins(value)
    if len(value) > ORIGINS_TEXT_MAX:
        raise colander.Invalid(node, _("Enter at most ${max} characters.", mapping={"max": ORIGINS_TEXT_MAX}))
    if wrong:
        raise colander.Invalid(node, [
            _("“${line}” is not an origin: ${reason}", mapping={"line": line, "reason": refusal.message})
            for line, refusal in wrong
        ])
    if len(origins) > MAX_ORIGINS:
        raise colander.Invalid(node, _("Enter at most ${max} origins.", mapping={"max": MAX_ORIGINS}))


class OriginsSchema(CSRFSchema):
    origins = colander.SchemaNode(
        colander.String(),
        title=_("Origins allowed to show the widget"),
        description=_("One a line, as the portal's address bar shows it without a path, e.g. "
                      "https://portal.example.ir. Leave empty so that no site may show it."),
        missing="",
        validator=origins_validator,
        widget=deform.widget.TextAreaWidget(rows=4, css_class="font-monospace", attributes={"dir": "ltr"}),
    )
