"""The role-grant form."""

import colander
import deform
import sqlalchemy as sa

from eparticipation.accounts.models import Role, RoleGrant
from eparticipation.accounts.schemas import ROLE_LABELS
from eparticipation.agencies.models import Agency
from eparticipation.forms import CSRFSchema
from eparticipation.i18n import _


@colander.deferred
def role_widget(node, kw):
    translate = kw["request"].localizer.translate
    return deform.widget.RadioChoiceWidget(values=[(r.value, translate(label)) for r, label in ROLE_LABELS.items()])


@colander.deferred
def agency_widget(node, kw):
    request = kw["request"]
    agencies = request.dbsession.scalars(sa.select(Agency).order_by(Agency.code)).all()
    choices = [("", request.localizer.translate(_("— no agency (system roles) —")))]
    return deform.widget.SelectWidget(values=choices + [(str(a.id), a.name(request.locale_name)) for a in agencies])


@colander.deferred
def grant_validator(node, kw):
    request, user = kw["request"], kw["context"].user

    def validator(form, value):
        role = Role(value["role"])
        agency_id = value["agency_id"]
        if role.is_agency_role and agency_id is None:
            raise colander.Invalid(form["agency_id"], _("Choose the agency this role is for."))
        if not role.is_agency_role and agency_id is not None:
            raise colander.Invalid(form["agency_id"], _("This role covers every agency; leave the agency empty."))
        if agency_id is not None and request.dbsession.get(Agency, agency_id) is None:
            raise colander.Invalid(form["agency_id"], _("Choose an agency from the list."))
        existing = request.dbsession.scalar(
            sa.select(RoleGrant.id).where(
                RoleGrant.user_id == user.id,
                RoleGrant.role == role,
                RoleGrant.agency_id.is_(None) if agency_id is None else RoleGrant.agency_id == agency_id,
            )
        )
        if existing is not None:
            raise colander.Invalid(form, _("This user already has this role."))

    return validator


class GrantSchema(CSRFSchema):
    role = colander.SchemaNode(
        colander.String(),
        title=_("Role"),
        oid="role",  # radio buttons are named after the oid
        widget=role_widget,
        validator=colander.OneOf([r.value for r in Role]),
    )
    agency_id = colander.SchemaNode(colander.Integer(), title=_("Agency"), widget=agency_widget, missing=None)

    def __init__(self, *args, **kw):
        super().__init__(*args, validator=grant_validator, **kw)
