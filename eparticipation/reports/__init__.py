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


def includeme(config):
    from pyramid.settings import asbool

    from eparticipation.consultations.models import register_draft_child
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.reports.services import on_transition, report_is_finalised

    settings = config.get_settings()
    settings["eparticipation.report.k"] = int(settings.get("eparticipation.report.k", 5))
    settings["eparticipation.report.max_themes"] = int(settings.get("eparticipation.report.max_themes", 8))
    # On PostgreSQL the longest statistics statement runs on a second connection (statistics.alongside).
    settings["eparticipation.report.concurrent"] = asbool(settings.get("eparticipation.report.concurrent", True))
    register_draft_child("report", DraftReport)
    config.add_workflow_guard("publish", report_is_finalised)
    config.add_subscriber(on_transition, DraftTransitioned)
