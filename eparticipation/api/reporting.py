"""The published report as the API gives it: the same content as the report's open-data download (report.json),
in the API's frame. Only once the outcome is published, and only a report that was built."""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from eparticipation.api.links import Links, docket_id, moment
from eparticipation.consultations.models import Draft
from eparticipation.reports import opendata
from eparticipation.reports.models import Report, ReportStatus
from eparticipation.reports.presentation import bilingual_words


def agency_services(dbsession, agency_id: int) -> list:
    from eparticipation.feedback.models import Service

    return dbsession.scalars(sa.select(Service).where(Service.agency_id == agency_id)).all()


def published_report(request, context):
    """(the report's row, a function building the answer), or None when there is none to publish."""
    # On the API's own connection (a second one would wait for it on SQLite), read-only.
    dbsession = Session(bind=request.api_connection)
    report = dbsession.scalar(sa.select(Report).where(Report.draft_id == context.id,
                                                      Report.status == ReportStatus.ready))
    if report is None:
        return None

    def build():
        draft = dbsession.get(Draft, context.id)
        words = bilingual_words(request.registry, draft, agency_services(dbsession, draft.agency_id))
        statistics = report.statistics or {}
        links = Links(request)
        base = links.consultation(context.id)
        return {
            "data": {
                "id": str(context.id), "type": "reports",
                "attributes": {
                    "docketId": docket_id(context.row.agency_code, context.id),
                    "builtDate": moment(report.built_at),
                    "finalisedDate": moment(report.finalised_at),
                    "postedDate": moment(report.frozen_at),
                    "suppressionThreshold": statistics.get("k"),
                    "summary": report.summary or {},
                    "totals": statistics.get("totals", {}),
                    "tables": statistics.get("tables", []),
                    "survey": statistics.get("survey"),
                    "labels": opendata.codebook(statistics, words),
                    "themes": [{
                        "name": {"fa": theme.name_fa, "en": theme.name_en}, "topTerms": list(theme.top_terms),
                        "size": theme.size, "articles": dict(theme.articles),
                        "representativeCommentIds": [str(i) for i in theme.representatives],
                    } for theme in report.kept_themes],
                },
                "links": {
                    "self": f"{base}/report", "consultation": base, "html": f"{links.page(context.id)}report/",
                    "tablesCsv": f"{links.page(context.id)}report/tables.csv",
                    "commentsCsv": f"{links.page(context.id)}report/comments.csv",
                    "pdf": f"{links.page(context.id)}report/report.pdf",
                },
            },
        }

    return report, build
