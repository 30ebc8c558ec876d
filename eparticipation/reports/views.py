"""/consultations/<id>/report/: the report page, the editors' actions (rebuild, curate, finalise), the PDF and
the open data downloads; /admin/reports: the reports waiting for the worker and those that failed."""

import json

import colander
import deform
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response as WebResponse
from pyramid.view import view_config, view_defaults

from eparticipation import i18n
from eparticipation.agencies.models import Agency
from eparticipation.audit import record
from eparticipation.consultations import draft_url
from eparticipation.consultations.models import Draft
from eparticipation.consultations.views import presentation
from eparticipation.exports import csv_text
from eparticipation.forms import CSRFSchema, FormView, chosen_id, length, strip_text
from eparticipation.geography import ABROAD, UNDISCLOSED
from eparticipation.i18n import LANGUAGE_LABELS, _, collation_key, flash, localize_digits, translate
from eparticipation.inputs import integers_param
from eparticipation.participation.models import Comment, CommentState
from eparticipation.permissions import Permissions
from eparticipation.reports import DraftReport, breakdowns, charts, opendata, services
from eparticipation.reports.proposals import adopted_proposals
from eparticipation.reports.models import THEME_NAME_MAX, Report, ReportStatus
from eparticipation.reports.presentation import (
    DIMENSION_LABELS,
    MEASURE_LABELS,
    bars,
    bilingual_words,
    label,
    table_title,
)
from eparticipation.resources import AdminArea
from eparticipation.responses.schemas import DECISION_LABELS

SUMMARY_MAX = 20000


def report_url(request, context, *elements, **query):
    return request.resource_url(context, *elements, query=query or None)


def table_views(request, draft, statistics: dict | None) -> list[dict]:
    """The tables as the page and the PDF show them: translated labels, cells, and the bars of the chart;
    the survey's questions after the others, titled by their question."""
    if not statistics:
        return []
    language = request.locale_name
    extra_rows = {"service": {str(s.id): s.name(language) for s in agency_services(request, draft)}}
    tables = [(table, table_title(request, table["id"]), {}) for table in statistics.get("tables", [])]
    questions = {str(q.id): q for q in survey_questions(request, draft)}
    for question in (statistics.get("survey") or {}).get("questions", []):
        found = questions.get(str(question["id"]))
        if question.get("table") and found is not None:
            options = {str(i): option.get(language) or next(iter(option.values()), "")
                       for i, option in enumerate(found.options)}
            tables.append((question["table"], found.texts.get(language) or next(iter(found.texts.values()), ""),
                           options))
    views = []
    for table, title, options in tables:
        dimension = table.get("rows", "")
        extra = options or extra_rows.get(dimension)
        rows = [label(request, dimension, key, draft, extra) for key in table["row_keys"]]
        row_totals = table.get("row_totals") or [None] * len(rows)
        cells = [list(row) for row in table["cells"]]
        columns = [label(request, table.get("columns", "measure"), key, draft) for key in table["column_keys"]]
        if table.get("averages") is not None:  # ratings: the mean score beside the count
            columns.append(translate(request, MEASURE_LABELS["average"]))
            for row, average in zip(cells, table["averages"]):
                row.append(average)
        if table.get("shares") is not None:  # engagement: the share of support and of opposition per row
            columns += [translate(request, MEASURE_LABELS["support_share"]),
                        translate(request, MEASURE_LABELS["oppose_share"])]
            for row, shares in zip(cells, table["shares"]):
                row += [percent(share, language) for share in shares[:2]]
        if dimension == "province":  # in the reader's alphabetical order, abroad and undisclosed last
            order = reading_order(request, table["row_keys"], rows)
            rows, cells, row_totals = ([items[i] for i in order] for items in (rows, cells, row_totals))
        first = [row[0] if row else None for row in cells]
        views.append({
            "id": table["id"],
            "title": title,
            "row_heading": translate(request, DIMENSION_LABELS[dimension]) if dimension in DIMENSION_LABELS else "",
            "rows": list(zip(rows, cells, row_totals)),
            "columns": columns,
            "column_totals": (table.get("column_totals") or []) + [""] * (len(columns) - len(table["column_keys"]))
            if table.get("column_totals") else None,
            "total": table.get("total"),
            "has_row_totals": bool(table.get("row_totals")) and len(table["column_keys"]) > 1,
            "bars": bars(rows, first),
            "chart_measure": columns[0] if columns else "",
        })
    return views


def reading_order(request, keys: list[str], labels: list[str]) -> list[int]:
    """The rows' indexes with the provinces sorted by their names in the page's language, then abroad and
    undisclosed, as stored."""
    key = collation_key(request.locale_name)
    named = sorted((i for i, code in enumerate(keys) if code not in (ABROAD, UNDISCLOSED)),
                   key=lambda i: key(labels[i]))
    return named + [i for i, code in enumerate(keys) if code in (ABROAD, UNDISCLOSED)]


def percent(share, language: str) -> str | None:
    """A share (0..1) as the page writes it, "42 %" / "۴۲٪"; None (suppressed) stays None."""
    if share is None:
        return None
    return localize_digits(f"{share * 100:.0f}", language) + ("٪" if language == "fa" else " %")


def agency_services(request, draft):
    from eparticipation.feedback.models import Service

    return request.dbsession.scalars(sa.select(Service).where(Service.agency_id == draft.agency_id)).all()


def survey_questions(request, draft):
    from eparticipation.surveys.models import Question, Survey

    return request.dbsession.scalars(sa.select(Question).join(Survey).where(Survey.draft_id == draft.id)).all()


def representatives(dbsession, report) -> dict[int, Comment]:
    ids = {i for theme in report.kept_themes for i in theme.representatives}
    if not ids:
        return {}
    return {c.id: c for c in dbsession.scalars(
        sa.select(Comment).where(Comment.id.in_(ids), Comment.state == CommentState.visible))}


# The tables the report draws as its own figures (pyramid, tile map, categories, articles, decisions); the
# others follow in the section of all tables, each with its bar chart.
FEATURED_TABLES = ("participants_by_age_band_gender", "participants_by_province", "participants_by_stakeholder_category",
                   "comments_by_article", "author_votes_by_article", "responses_by_decision")


def figures(request, draft, statistics: dict | None) -> dict:
    """The pyramid, the tile map and the votes per article, their labels in the page's language."""
    return {
        "pyramid": charts.pyramid(statistics, lambda key: label(request, "age_band", key),
                                  lambda key: label(request, "gender", key)),
        "tile_map": charts.tile_map(statistics, request.locale_name),
        "article_votes": charts.article_votes(statistics, lambda key: label(request, "article", key, draft)),
    }


def at_a_glance(statistics: dict | None, proposals) -> dict:
    """The executive summary's facts: the public totals, the tally of votes, the decisions, what changed."""
    if not statistics:
        return {}
    votes = charts.find(statistics, "votes_by_gender")
    decisions = charts.find(statistics, "responses_by_decision")
    changed = []
    for proposal in proposals:
        changed += [number for number in proposal.changed if number not in changed]
    return {
        # A report built before a total was counted has none of it: zero rather than a failed page.
        "totals": {**dict.fromkeys(("participants", "comments", "supports", "votes"), 0),
                   **statistics.get("totals", {})},
        "votes": dict(zip(votes["column_keys"], votes["column_totals"])) if votes else {},
        "decisions": dict(zip(decisions["row_keys"], (row[0] for row in decisions["cells"]))) if decisions else {},
        "adopted": len(proposals),
        "changed_articles": changed,
    }


def page_data(request, context: DraftReport) -> dict:
    report, draft = context.report, context.draft
    statistics = report.statistics if report is not None and report.status == ReportStatus.ready else None
    languages = request.registry.settings["eparticipation.required_languages"]
    tables = table_views(request, draft, statistics)
    proposals = adopted_proposals(request.dbsession, draft) if statistics else []
    return {
        **presentation(request),
        "draft": draft,
        "report": report,
        "statistics": statistics,
        "tables": [table for table in tables if table["id"] not in FEATURED_TABLES],
        "featured": {table["id"]: table for table in tables if table["id"] in FEATURED_TABLES},
        **figures(request, draft, statistics),
        "glance": at_a_glance(statistics, proposals),
        "proposals": proposals,
        "decision_labels": DECISION_LABELS,
        "totals": [(translate(request, MEASURE_LABELS[key]) if key in MEASURE_LABELS else key, value)
                   for key, value in (statistics or {}).get("totals", {}).items()],
        "k": (statistics or {}).get("k", request.registry.settings["eparticipation.report.k"]),
        "themes": report.kept_themes if report is not None else [],
        "quotes": representatives(request.dbsession, report) if report is not None else {},
        "summary": ((report.summary or {}).get(request.locale_name) or next(iter((report.summary or {}).values()), ""))
        if report is not None else "",
        "can_edit": request.has_permission(Permissions.ReportEdit, context) and (report is None or report.frozen_at is None),
        # What went wrong is for the agency's editors, who can build it again (and the administrators).
        "failure": report if report is not None and report.status == ReportStatus.failed
        and request.has_permission(Permissions.ReportEdit, context) else None,
        "problems": services.finalise_problems(report, languages),
        "report_url": lambda *elements, **query: report_url(request, context, *elements, **query),
        **breakdowns.page_data(request, draft, statistics),
    }


@view_config(context=DraftReport, renderer="reports/report.jinja2", request_method="GET",
             permission=Permissions.ReportView)
def report_page(context, request):
    return page_data(request, context)


@view_config(context=DraftReport, name="rebuild", request_method="POST", permission=Permissions.ReportEdit)
def rebuild(context, request):
    if ask_again(request, context.draft):
        flash(request, _("The report will be built again in a moment; its numbers are then as of now."))
    return HTTPSeeOther(request.resource_url(context))


def ask_again(request, draft) -> bool:
    """Queue the draft's report again, audited with what it was (a failure's error included); False, with the
    reason flashed, when it can no longer change."""
    previous = services.report_of(request.dbsession, draft)
    before = ({"status": previous.status.value, "attempts": previous.attempts, "last_error": previous.last_error}
              if previous is not None else None)
    try:
        report = services.request_build(request.dbsession, draft, request.now, request.identity.id)
    except services.Refused as refusal:
        flash(request, refusal.message, "danger")
        return False
    record(request, "report.rebuild", report, draft=draft, before=before)
    return True


@view_config(context=DraftReport, name="finalise", request_method="POST", permission=Permissions.ReportEdit)
def finalise(context, request):
    report = context.report
    problems = services.finalise_problems(report, request.registry.settings["eparticipation.required_languages"])
    if report is not None and report.frozen_at is not None:
        problems = [_("The report is published and can no longer change.")]
    if problems:
        for problem in problems:
            flash(request, problem, "danger")
        return HTTPSeeOther(request.resource_url(context))
    report.finalised_at, report.finalised_by_id = request.now, request.identity.id
    record(request, "report.finalise", report, draft=context.draft)
    flash(request, _("The report is final; the coordinator can now publish the outcome."))
    return HTTPSeeOther(request.resource_url(context))


@view_config(context=DraftReport, name="merge", request_method="POST", permission=Permissions.ReportEdit)
def merge(context, request):
    report = context.report
    if report is None or report.frozen_at is not None or report.status != ReportStatus.ready:
        raise HTTPNotFound()
    ids = integers_param(request.POST, "theme")
    try:
        target = services.merge_themes(report, ids)
    except services.Refused as refusal:
        flash(request, refusal.message, "danger")
    else:
        report.finalised_at = report.finalised_by_id = None
        record(request, "report.merge", report, draft=context.draft, after={"themes": ids, "into": target.id})
        flash(request, _("The themes are merged into “${name}”.",
                         mapping={"name": target.name(request.locale_name) or ", ".join(target.top_terms[:3])}))
    return HTTPSeeOther(request.resource_url(context, "curate"))


class ThemeNames(colander.MappingSchema):
    theme_id = colander.SchemaNode(colander.Integer(), widget=deform.widget.HiddenWidget())
    name_fa = colander.SchemaNode(colander.String(), title=_("Name in Persian"), preparer=strip_text,
                                  validator=length(THEME_NAME_MAX), missing="")
    name_en = colander.SchemaNode(colander.String(), title=_("Name in English"), preparer=strip_text,
                                  validator=length(THEME_NAME_MAX), missing="")
    kept = colander.SchemaNode(colander.Boolean(), title=_("Keep this theme in the published report"),
                               missing=False)


@view_config(context=DraftReport, name="curate", renderer="reports/curate.jinja2",
             permission=Permissions.ReportEdit)
class CurateView(FormView):
    """The editors name the themes, keep or drop them, and write the summary of key concerns in each required
    language. Saving un-finalises the report."""

    formid = "curate"
    buttons = (("save", _("Save")),)

    @property
    def report(self):
        report = self.context.report
        if report is None or report.status != ReportStatus.ready or report.frozen_at is not None:
            raise HTTPNotFound()
        return report

    @property
    def themes(self):
        return [t for t in self.report.themes if t.merged_into_id is None]

    def schema(self):
        schema = CSRFSchema()
        languages = self.request.registry.settings["eparticipation.required_languages"]
        summary = colander.SchemaNode(colander.Mapping(), name="summary", title=_("Summary of the key concerns"))
        for language in languages:
            summary.add(colander.SchemaNode(
                colander.String(), name=language, preparer=strip_text, validator=length(SUMMARY_MAX), missing="",
                title=_("In ${language}", mapping={"language": LANGUAGE_LABELS.get(language, language)}),
                widget=deform.widget.TextAreaWidget(rows=8, attributes={"lang": language, "dir": "auto"}),
            ))
        schema.add(summary)
        themes = colander.SchemaNode(colander.Mapping(), name="themes", title=_("Themes"))
        for position, theme in enumerate(self.themes, start=1):
            node = ThemeNames(name=f"theme_{theme.id}", title=_("Theme ${number}: ${terms}", mapping={
                "number": position, "terms": "، ".join(theme.top_terms[:5])}))
            themes.add(node)
        schema.add(themes)
        return schema

    def appstruct(self):
        return {
            "summary": dict(self.report.summary or {}),
            "themes": {f"theme_{t.id}": {"theme_id": t.id, "name_fa": t.name_fa, "name_en": t.name_en, "kept": t.kept}
                       for t in self.themes},
        }

    def page(self, rendered_form, **extra):
        return {**presentation(self.request), "draft": self.context.draft, "form": rendered_form,
                "themes": self.themes, "report_url": lambda *e, **q: report_url(self.request, self.context, *e, **q),
                **extra}

    def save(self, appstruct):
        report = self.report
        report.summary = {language: text for language, text in appstruct["summary"].items() if text}
        by_id = {t.id: t for t in self.themes}
        for values in appstruct["themes"].values():
            theme = by_id.get(values["theme_id"])
            if theme is not None:
                theme.name_fa, theme.name_en, theme.kept = values["name_fa"], values["name_en"], values["kept"]
        report.finalised_at = report.finalised_by_id = None
        record(self.request, "report.curate", report, draft=self.context.draft, after={
            "summary": report.summary,
            "themes": [{"id": t.id, "name_fa": t.name_fa, "name_en": t.name_en, "kept": t.kept} for t in self.themes],
        })
        flash(self.request, _("The report's themes and summary are saved."))
        return HTTPSeeOther(self.request.resource_url(self.context))


# --- the administrators' view of the queue -----------------------------------------------------------------

REPORTS_LISTED = 100


def waiting_for(request, since) -> str:
    """How long ago, roughly: "12 min", "5 h", "3 days"."""
    minutes = max(0, int((request.now - since).total_seconds() // 60))
    if minutes < 60:
        return translate(request, _("${count} min", mapping={"count": minutes}))
    if minutes < 48 * 60:
        return translate(request, _("${count} h", mapping={"count": minutes // 60}))
    return translate(request, _("${count} days", mapping={"count": minutes // (24 * 60)}))


@view_defaults(context=AdminArea, name="reports", renderer="reports/queue.jinja2",
               permission=Permissions.AdminReports)
class ReportQueueViews:
    """/admin/reports: the reports waiting for the worker, oldest first (the order it takes them), and those
    whose build failed, with their error; a failed one (or all of them) can be built again."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def listed(self, status: ReportStatus, order):
        return self.request.dbsession.execute(
            sa.select(Report, Draft).join(Draft, Draft.id == Report.draft_id)
            .where(Report.status == status).order_by(*order).limit(REPORTS_LISTED)
        ).all()

    @view_config(request_method="GET")
    def show(self):
        request = self.request
        counts = dict(request.dbsession.execute(
            sa.select(Report.status, sa.func.count()).group_by(Report.status)).all())
        failed = self.listed(ReportStatus.failed, (Report.requested_at.desc(), Report.id.desc()))
        queued = self.listed(ReportStatus.queued, (Report.requested_at, Report.id))
        agency_ids = {draft.agency_id for _, draft in failed + queued}
        agencies = {agency.id: agency for agency in request.dbsession.scalars(
            sa.select(Agency).where(Agency.id.in_(agency_ids)))} if agency_ids else {}

        def rows(found):
            return [{"report": report, "draft": draft, "agency": agencies.get(draft.agency_id),
                     "age": waiting_for(request, report.requested_at),
                     "url": draft_url(request, draft, "report", "")} for report, draft in found]

        return {
            "counts": {status: counts.get(status, 0) for status in ReportStatus},
            "status_labels": STATUS_LABELS,
            "failed": rows(failed),
            "queued": rows(queued),
            "listed": REPORTS_LISTED,
        }

    @view_config(request_method="POST")
    def rebuild(self):
        """Queue one failed report (`rebuild` = its id) or every failed one (`rebuild_all`) again."""
        request = self.request
        query = sa.select(Report).where(Report.status == ReportStatus.failed).order_by(Report.id)
        if "rebuild_all" not in request.POST:
            report_id = chosen_id(request, "rebuild")
            if report_id is None:
                raise HTTPBadRequest(request.localizer.translate(_("Choose a report to build again.")))
            query = query.where(Report.id == report_id)
        failed = request.dbsession.scalars(query.with_for_update()).all()
        drafts = [request.dbsession.get(Draft, report.draft_id) for report in failed]
        count = sum(ask_again(request, draft) for draft in drafts)
        if failed or "rebuild_all" in request.POST:
            flash(request, _("${count} reports will be built again.", mapping={"count": count}))
        else:
            flash(request, _("That report is no longer failed: it was already asked for again."), "danger")
        return HTTPSeeOther(request.resource_url(self.context, "reports"))


STATUS_LABELS = {
    ReportStatus.queued: _("Waiting for the worker"),
    ReportStatus.ready: _("Built"),
    ReportStatus.failed: _("Failed"),
}


# --- downloads ---------------------------------------------------------------------------------------------


def ready_report(context):
    report = context.report
    if report is None or report.status != ReportStatus.ready:
        raise HTTPNotFound()
    return report


def download(body: bytes, content_type: str, filename: str) -> WebResponse:
    return WebResponse(body=body, content_type=content_type, charset="utf-8" if content_type != "application/pdf"
                       else None, content_disposition=f'attachment; filename="{filename}"')


@view_config(context=DraftReport, name="report.pdf", request_method="GET", permission=Permissions.ReportView)
def report_pdf(context, request):
    """The PDF in the page's language, or in `?lang=` (without changing the language the site is shown in)."""
    from eparticipation.reports.pdf import render_pdf

    ready_report(context)
    language = request.params.get("lang")
    if language in request.registry.settings["eparticipation.available_languages"]:
        request.locale_name, request.localizer = language, i18n.localizer_for(request.registry, language)
    pdf = render_pdf(request, page_data(request, context))
    return download(pdf, "application/pdf", f"report-{context.draft.id}-{request.locale_name}.pdf")


@view_config(context=DraftReport, name="report.json", request_method="GET", permission=Permissions.ReportView)
def report_json(context, request):
    report = ready_report(context)
    words = bilingual_words(request.registry, context.draft, agency_services(request, context.draft))
    data = {
        "draft": {"id": context.draft.id, "url": draft_url(request, context.draft),
                  "titles": {t.language: t.title for t in context.draft.texts.values()}},
        "built_at": report.built_at.isoformat(),
        "final": report.finalised_at is not None,
        "summary": report.summary,
        "themes": [{"name_fa": t.name_fa, "name_en": t.name_en, "top_terms": t.top_terms, "size": t.size,
                    "articles": t.articles, "representative_comments": t.representatives} for t in report.kept_themes],
        "statistics": report.statistics,
        "labels": opendata.codebook(report.statistics, words),  # the codes of the statistics, in fa and en
    }
    body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    return download(body, "application/json", f"report-{context.draft.id}.json")


@view_config(context=DraftReport, name="tables.csv", request_method="GET", permission=Permissions.ReportView)
def tables_csv(context, request):
    report = ready_report(context)
    draft = context.draft
    words = bilingual_words(request.registry, draft, agency_services(request, draft))
    text = csv_text(opendata.TABLE_FIELDS, opendata.table_rows(report.statistics, words))
    return download(text.encode("utf-8"), "text/csv", f"report-{context.draft.id}-tables.csv")


@view_config(context=DraftReport, name="comments.csv", request_method="GET", permission=Permissions.ReportView)
def comments_csv(context, request):
    ready_report(context)
    rows = ([row[field] for field in opendata.COMMENT_FIELDS]
            for row in opendata.public_comments(request.dbsession, context.draft))
    text = csv_text(opendata.COMMENT_FIELDS, rows)
    return download(text.encode("utf-8"), "text/csv", f"report-{context.draft.id}-comments.csv")


@view_config(context=DraftReport, name="comments.json", request_method="GET", permission=Permissions.ReportView)
def comments_json(context, request):
    ready_report(context)
    rows = list(opendata.public_comments(request.dbsession, context.draft))
    body = json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")
    return download(body, "application/json", f"report-{context.draft.id}-comments.json")
