"""/oversight/ (auditors and administrators) and /transparency/ (anyone): the compliance indicators per agency
and for the ministry, per Jalali year and quarter, with charts, the listing behind each figure and CSV exports.
GET only: nothing here changes anything."""

from pyramid.httpexceptions import HTTPBadRequest
from pyramid.view import view_config

from eparticipation.consultations.models import DocumentType, Subject
from eparticipation.consultations.schemas import DOCUMENT_TYPE_LABELS
from eparticipation.i18n import _
from eparticipation.inputs import integer_param
from eparticipation.oversight import dashboard as words
from eparticipation.oversight.indicators import COLUMNS, MEDIANS, SHARES, cached_dashboard
from eparticipation.oversight.resources import OversightArea, TransparencyArea
from eparticipation.oversight.views import csv_download
from eparticipation.permissions import Permissions

SUBJECT_LABELS = {
    Subject.document: _("Draft document"),
    Subject.service: _("Service"),
    Subject.process: _("Process"),
    Subject.action: _("Action"),
}


def chosen_period(request, dashboard):
    """The period the query names (?year=&quarter=), the latest year by default; 400 for one the dashboard has
    not."""
    year = integer_param(request.params, "year")
    quarter = integer_param(request.params, "quarter")
    years = sorted({p.year for p in dashboard.periods})
    year = years[-1] if year is None else year
    for period in dashboard.periods:
        if period.year == year and period.quarter == quarter:
            return period
    raise HTTPBadRequest(request.localizer.translate(_("Choose a year and quarter from the lists.")))


def chosen_agency(request, dashboard):
    code = (request.params.get("agency") or "").strip()
    if not code:
        return None
    for agency in dashboard.agencies:
        if agency.code == code:
            return agency
    raise HTTPBadRequest(request.localizer.translate(_("Choose an agency from the list.")))


def cell(request, figures, name, k=None, hidden=()):
    """(text, value for a chart) of one figure."""
    if name in hidden:
        return None, None
    if name in SHARES:
        return words.share_text(request, figures.get(name), figures.get(SHARES[name])), figures.share(name)
    if name in MEDIANS:
        return words.days_text(request, figures.get(name)), figures.get(name)
    return None, figures.get(name)


def page_data(context, request, public: bool):
    settings = request.registry.settings
    dashboard = cached_dashboard(request.dbsession, settings, request.now)
    period = chosen_period(request, dashboard)
    k = settings["eparticipation.report.k"]
    hidden = words.public_suppression(dashboard, k) if public else {}
    scopes = [(None, None)] + [(a.id, a) for a in dashboard.agencies]
    columns = [name for name in COLUMNS if name != "closed"]

    def link(agency, indicator, target=period):
        if public or indicator not in words.DRILLABLE:
            return None
        query = {"year": target.year, "indicator": indicator}
        if target.quarter:
            query["quarter"] = target.quarter
        if agency is not None:
            query["agency"] = agency.code
        return request.resource_url(context, "consultations", query=query)

    rows = []
    for agency_id, agency in scopes:
        figures = dashboard.figures(agency_id, period.key)
        cells = []
        for name in columns:
            text, value = cell(request, figures, name, k, hidden.get((agency_id, period.key), ()))
            cells.append({"name": name, "text": text, "value": value, "link": link(agency, name)})
        rows.append({"agency": agency, "figures": figures, "cells": cells})
    ministry = dashboard.figures(None, period.key)
    quarters = [p for p in dashboard.periods if p.quarter]
    trend_hidden = [hidden.get((None, p.key), ()) for p in quarters]
    trends = {
        name: [{"label": words.period_words(request, p), "value": None if name in h else dashboard.figures(None, p.key).get(name),
                "link": link(None, name, p)} for p, h in zip(quarters, trend_hidden)]
        for name in ("held", "comments", "participants")
    }
    def agency_label(agency):
        if agency is None:
            return request.localizer.translate(_("The ministry"))
        return agency.name_fa if request.locale_name == "fa" else agency.name_en

    by_type = [(DOCUMENT_TYPE_LABELS[t], ministry.by_type.get(t.value, 0)) for t in DocumentType]
    by_subject = [(SUBJECT_LABELS[s], ministry.by_subject.get(s.value, 0)) for s in Subject]
    share_bars = {
        name: [{"label": agency_label(row["agency"]), "value": row["figures"].share(name)} for row in rows]
        for name in columns if name in SHARES
    }
    return {
        "public": public,
        "k": k,
        "dashboard": dashboard,
        "period": period,
        "period_words": lambda p: words.period_words(request, p),
        "years": sorted({p.year for p in dashboard.periods}, reverse=True),
        "columns": columns,
        "labels": words.LABELS,
        "rows": rows,
        "agency_label": agency_label,
        "by_type": by_type,
        "by_subject": by_subject,
        "type_bars": [{"label": request.localizer.translate(label), "value": count} for label, count in by_type],
        "subject_bars": [{"label": request.localizer.translate(label), "value": count} for label, count in by_subject],
        "share_bars": share_bars,
        "trends": trends,
        "self_url": lambda **query: request.resource_url(context, query=query or None),
        "csv_url": request.resource_url(context, "export.csv"),
        "audit_url": request.resource_url(request.root, "audit", ""),
        "transparency_url": request.resource_url(request.root, "transparency", ""),
    }


@view_config(context=OversightArea, renderer="oversight/dashboard.jinja2", request_method="GET",
             permission=Permissions.AuditView)
def dashboard(context, request):
    return page_data(context, request, public=False)


@view_config(context=TransparencyArea, renderer="oversight/dashboard.jinja2", request_method="GET",
             permission=Permissions.SiteView)
def transparency(context, request):
    return page_data(context, request, public=True)


@view_config(context=OversightArea, name="export.csv", request_method="GET", permission=Permissions.AuditView)
def dashboard_export(context, request):
    header, rows = words.csv_rows(cached_dashboard(request.dbsession, request.registry.settings, request.now))
    return csv_download("oversight.csv", header, rows)


@view_config(context=TransparencyArea, name="export.csv", request_method="GET", permission=Permissions.SiteView)
def transparency_export(context, request):
    settings = request.registry.settings
    header, rows = words.csv_rows(cached_dashboard(request.dbsession, settings, request.now),
                                  k=settings["eparticipation.report.k"])
    return csv_download("transparency.csv", header, rows)


@view_config(context=OversightArea, name="consultations", renderer="oversight/consultations.jinja2",
             request_method="GET", permission=Permissions.AuditView)
def consultations(context, request):
    """The consultations behind one figure of the dashboard."""
    settings = request.registry.settings
    dashboard = cached_dashboard(request.dbsession, settings, request.now)
    period = chosen_period(request, dashboard)
    agency = chosen_agency(request, dashboard)
    indicator = request.params.get("indicator") or "held"
    if indicator not in words.DRILLABLE:
        raise HTTPBadRequest(request.localizer.translate(_("Choose a figure of the dashboard.")))
    rows = words.drill_down(request.dbsession, settings, period, agency.id if agency else None, indicator)
    names = {a.id: a for a in dashboard.agencies}
    return {
        "period": period,
        "period_words": words.period_words(request, period),
        "agency": agency,
        "indicator": indicator,
        "label": words.LABELS[indicator],
        "figure": cell(request, dashboard.figures(agency.id if agency else None, period.key), indicator)[0],
        "rows": rows,
        "agencies": names,
        "document_types": DOCUMENT_TYPE_LABELS,
        "subjects": SUBJECT_LABELS,
        "draft_link": lambda draft_id: request.resource_url(request.root, "consultations", str(draft_id), ""),
        "dashboard_url": request.resource_url(context, query={"year": period.year, **(
            {"quarter": period.quarter} if period.quarter else {})}),
    }
