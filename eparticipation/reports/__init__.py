"""The consultation report (DESIGN S1–S4): statistics with small counts suppressed, proposed key concerns that
editors curate, published as a page, a PDF in Persian and English, and open data."""


class DraftReport:
    """/consultations/<id>/report/: the draft's report, which may not exist yet."""

    __name__ = "report"
    __parent__ = None

    def __init__(self, draft):
        self.draft = draft

    @property
    def report(self):
        from eparticipation.reports.services import report_of
        from sqlalchemy import inspect

        if not hasattr(self, "_report"):
            self._report = report_of(inspect(self.draft).session, self.draft)
        return self._report


def published_reports(agency, request, limit=20) -> dict:
    """The agency page's section: its most recently published consultations, each with its public report."""
    import sqlalchemy as sa
    from sqlalchemy.orm import selectinload

    from eparticipation.consultations.models import Draft, State

    drafts = request.dbsession.scalars(
        sa.select(Draft).where(Draft.agency_id == agency.id, Draft.state == State.published)
        .options(selectinload(Draft.texts))
        .order_by(Draft.published_at.desc(), Draft.id.desc()).limit(limit)
    ).all()
    return {"published_reports": drafts}


def includeme(config):
    from eparticipation import settings as parse
    from eparticipation.consultations.models import State
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.permissions import Permissions
    from eparticipation.reports.services import on_transition, report_is_finalised

    settings = config.get_settings()
    parse.integer(settings, "eparticipation.report.k", 5)
    parse.integer(settings, "eparticipation.report.max_themes", 8)
    # On PostgreSQL the longest statistics statement runs on a second connection (statistics.alongside).
    parse.boolean(settings, "eparticipation.report.concurrent", True)
    # The themes' numerical libraries are the report worker's: web processes need not load them.
    config.scan(ignore=["eparticipation.reports.themes"])
    config.include("eparticipation.sections")
    config.add_draft_child("report", DraftReport)
    # The report's link on the draft page: among the staff's actions once closed, beside the outcome once published.
    config.add_draft_section("report", "reports/draft_link.jinja2", slot="actions", order=20,
                             permission=Permissions.ReportView, states=(State.closed,))
    config.add_draft_section("report-published", "reports/draft_link.jinja2", slot="outcome", order=20,
                             permission=Permissions.ReportView, states=(State.published,))
    # The agency page: its most recently published consultations' reports.
    config.add_agency_section("published-reports", "reports/agency_section.jinja2", order=20,
                              data=published_reports)
    config.add_workflow_guard("publish", report_is_finalised)
    config.add_subscriber(on_transition, DraftTransitioned)
