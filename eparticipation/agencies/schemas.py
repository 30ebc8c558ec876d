"""Forms for agencies and their units (admins only)."""

import colander
import deform
import sqlalchemy as sa

from eparticipation.agencies.models import (
    CODE_MAX,
    CODE_PATTERN,
    NAME_MAX,
    Agency,
    Unit,
    UnitKind,
)
from eparticipation.forms import CSRFSchema, length, name_text
from eparticipation.i18n import _

UNIT_KIND_LABELS = {
    UnitKind.drafting: _("Drafting unit"),
    UnitKind.public_relations: _("Public relations and international affairs unit"),
}


def name_node(title, column):
    @colander.deferred
    def unique_name(node, kw):
        request, context = kw["request"], kw["context"]

        def validator(node, value):
            length(NAME_MAX, 2)(node, value)
            query = sa.select(Agency.id).where(column == value)
            if isinstance(context, Agency):
                query = query.where(Agency.id != context.id)
            if request.dbsession.scalar(query) is not None:
                raise colander.Invalid(node, _("Another agency already has this name."))

        return validator

    return colander.SchemaNode(colander.String(), title=title, preparer=name_text, validator=unique_name)


def descendant_ids(agency: Agency) -> set[int]:
    found, stack = set(), list(agency.children)
    while stack:
        child = stack.pop()
        found.add(child.id)
        stack.extend(child.children)
    return found


@colander.deferred
def parent_widget(node, kw):
    request, context = kw["request"], kw["context"]
    excluded = {context.id} | descendant_ids(context) if isinstance(context, Agency) else set()
    agencies = request.dbsession.scalars(sa.select(Agency).order_by(Agency.code)).all()
    choices = [("", request.localizer.translate(_("— none (a ministry) —")))]
    choices += [(str(a.id), a.name(request.locale_name)) for a in agencies if a.id not in excluded]
    return deform.widget.SelectWidget(values=choices)


@colander.deferred
def parent_validator(node, kw):
    request, context = kw["request"], kw["context"]

    def validator(node, value):
        parent = request.dbsession.get(Agency, value)
        if parent is None:
            raise colander.Invalid(node, _("Choose an agency from the list."))
        if isinstance(context, Agency) and (value == context.id or value in descendant_ids(context)):
            raise colander.Invalid(node, _("An agency cannot be placed under itself or one of its own agencies."))

    return validator


@colander.deferred
def unused_code(node, kw):
    request = kw["request"]

    def validator(node, value):
        if not CODE_PATTERN.match(value):
            raise colander.Invalid(
                node,
                _("Use 2 to ${max} lower-case Latin letters, digits and hyphens, starting with a letter.",
                  mapping={"max": CODE_MAX}),
            )
        if request.dbsession.scalar(sa.select(Agency.id).where(Agency.code == value)) is not None:
            raise colander.Invalid(node, _("Another agency already has this code."))

    return validator


class AgencyEditSchema(CSRFSchema):
    name_fa = name_node(_("Name in Persian"), Agency.name_fa)
    name_en = name_node(_("Name in English"), Agency.name_en)
    parent_id = colander.SchemaNode(
        colander.Integer(),
        title=_("Part of"),
        widget=parent_widget,
        validator=parent_validator,
        missing=None,
    )


class AgencyAddSchema(AgencyEditSchema):
    code = colander.SchemaNode(
        colander.String(),
        title=_("Code"),
        description=_("Part of the agency's web address, e.g. tax-affairs. It cannot be changed later."),
        preparer=lambda value: value.strip().lower() if isinstance(value, str) else value,
        validator=unused_code,
        insert_before="name_fa",
    )


@colander.deferred
def unit_kind_widget(node, kw):
    translate = kw["request"].localizer.translate
    return deform.widget.RadioChoiceWidget(values=[(k.value, translate(v)) for k, v in UNIT_KIND_LABELS.items()])


def unit_name_node(title, column):
    @colander.deferred
    def unique_in_agency(node, kw):
        request, agency = kw["request"], kw["context"]

        def validator(node, value):
            length(NAME_MAX, 2)(node, value)
            query = sa.select(Unit.id).where(Unit.agency_id == agency.id, column == value)
            if request.dbsession.scalar(query) is not None:
                raise colander.Invalid(node, _("This agency already has a unit with this name."))

        return validator

    return colander.SchemaNode(colander.String(), title=title, preparer=name_text, validator=unique_in_agency)


class UnitSchema(CSRFSchema):
    kind = colander.SchemaNode(
        colander.String(),
        title=_("Kind of unit"),
        oid="kind",  # radio buttons are named after the oid
        widget=unit_kind_widget,
        validator=colander.OneOf([k.value for k in UnitKind]),
    )
    name_fa = unit_name_node(_("Name in Persian"), Unit.name_fa)
    name_en = unit_name_node(_("Name in English"), Unit.name_en)
