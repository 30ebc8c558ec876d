"""/agencies/: the public list and page of each agency; admins add and edit them; staff see their agency."""

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from eparticipation.audit import record
from eparticipation.accounts.models import Role, RoleGrant
from eparticipation.agencies.models import Agency, Unit, UnitKind
from eparticipation.agencies.schemas import (
    UNIT_KIND_LABELS,
    AgencyAddSchema,
    AgencyEditSchema,
    UnitSchema,
)
from eparticipation.forms import FormView
from eparticipation.i18n import _, flash
from eparticipation.permissions import Permissions
from eparticipation.resources import AgencyContainer
from eparticipation.sections import page_sections


@view_config(context=AgencyContainer, renderer="agencies/list.jinja2", permission=Permissions.SiteView)
def agency_list(context, request):
    agencies = request.dbsession.scalars(
        sa.select(Agency).options(selectinload(Agency.children)).order_by(Agency.code)
    ).all()
    return {
        "ministries": [a for a in agencies if a.parent_id is None],
        "can_add": request.has_permission(Permissions.AdminAgencies, context),
    }


@view_config(context=Agency, renderer="agencies/show.jinja2", permission=Permissions.SiteView)
def agency_page(context, request):
    return {
        "agency": context,
        "unit_kind_labels": UNIT_KIND_LABELS,
        "can_edit": request.has_permission(Permissions.AdminAgencies, context),
        "is_staff": request.has_permission(Permissions.AgencyStaff, context),
        "can_add_draft": request.has_permission(Permissions.DraftAdd, context),
        "sections": page_sections(request, "agency", context),
    }


@view_config(context=Agency, name="staff", renderer="agencies/staff.jinja2", permission=Permissions.AgencyStaff)
def agency_staff(context, request):
    grants = request.dbsession.scalars(
        sa.select(RoleGrant)
        .where(RoleGrant.agency_id == context.id)
        .options(selectinload(RoleGrant.user))
        .order_by(RoleGrant.role, RoleGrant.id)
    ).all()
    return {
        "agency": context,
        "editors": [g.user for g in grants if g.role == Role.editor],
        "coordinators": [g.user for g in grants if g.role == Role.coordinator],
        "unit_kind_labels": UNIT_KIND_LABELS,
        "sections": page_sections(request, "agency_staff", context),
    }


@view_config(
    context=AgencyContainer, name="add", renderer="agencies/form.jinja2", permission=Permissions.AdminAgencies
)
class AgencyAddView(FormView):
    schema = AgencyAddSchema
    buttons = (("add", _("Add the agency")),)
    formid = "agency"

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=_("New agency"), **extra)

    def save(self, appstruct):
        agency = Agency(created_at=self.request.now, **appstruct)
        self.request.dbsession.add(agency)
        self.request.dbsession.flush()
        agency.__parent__ = self.context
        record(self.request, "agency.add", agency, agency_id=agency.id, after=appstruct)
        flash(self.request, _("The agency is added."), "success")
        return HTTPSeeOther(self.request.resource_url(agency))


@view_config(context=Agency, name="edit", renderer="agencies/form.jinja2", permission=Permissions.AdminAgencies)
class AgencyEditView(FormView):
    schema = AgencyEditSchema
    formid = "agency"

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=_("Edit the agency"), agency=self.context, **extra)

    def appstruct(self):
        agency = self.context
        return {"name_fa": agency.name_fa, "name_en": agency.name_en, "parent_id": agency.parent_id}

    def save(self, appstruct):
        before = {field: getattr(self.context, field) for field in appstruct}
        for field, value in appstruct.items():
            setattr(self.context, field, value)
        record(self.request, "agency.edit", self.context, agency_id=self.context.id, before=before, after=appstruct)
        flash(self.request, _("The agency is saved."), "success")
        return HTTPSeeOther(self.request.resource_url(self.context))


@view_config(context=Agency, name="add-unit", renderer="agencies/form.jinja2", permission=Permissions.AdminAgencies)
class UnitAddView(FormView):
    schema = UnitSchema
    buttons = (("add", _("Add the unit")),)
    formid = "unit"

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=_("New unit"), agency=self.context, **extra)

    def save(self, appstruct):
        unit = Unit(kind=UnitKind(appstruct["kind"]), name_fa=appstruct["name_fa"], name_en=appstruct["name_en"])
        self.context.units.append(unit)
        self.request.dbsession.flush()
        record(self.request, "unit.add", unit, agency_id=self.context.id, after=appstruct)
        flash(self.request, _("The unit is added."), "success")
        return HTTPSeeOther(self.request.resource_url(self.context))
