"""The report's life: queued when the consultation closes (or when an editor asks again), built by the report
worker, curated and finalised by the editors, frozen when the outcome is published."""

import logging
import time

import sqlalchemy as sa

from eparticipation.clock import get_clock
from eparticipation.consultations.models import Draft, State
from eparticipation.i18n import LANGUAGE_LABELS, _
from eparticipation.reports.models import ERROR_MAX, Report, ReportStatus, ReportTheme

log = logging.getLogger(__name__)


class Refused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def report_of(dbsession, draft: Draft) -> Report | None:
    return dbsession.scalar(sa.select(Report).where(Report.draft_id == draft.id))


def request_build(dbsession, draft: Draft, now, user_id: int | None = None) -> Report:
    """Queue the report for (re)building. Its curation is kept for the themes that come back; a finalised
    report must be finalised again, since its numbers may change."""
    report = report_of(dbsession, draft)
    if report is not None and report.frozen_at is not None:
        raise Refused(_("The report is published and can no longer change."))
    if report is None:
        report = Report(draft_id=draft.id, summary={})
        dbsession.add(report)
    report.status, report.statistics, report.built_at = ReportStatus.queued, None, None
    report.requested_at, report.requested_by_id = now, user_id
    report.finalised_at = report.finalised_by_id = None
    report.attempts, report.last_error = 0, None
    dbsession.flush()
    return report


def build(session, registry, report: Report):
    """Compute the statistics and propose the themes, in the worker's transaction."""
    from eparticipation.reports.statistics import build_statistics
    from eparticipation.reports.themes import comments_for_themes, propose_themes

    draft = session.get(Draft, report.draft_id)
    started = time.monotonic()
    settings = registry.settings
    statistics = build_statistics(session, draft, k=settings["eparticipation.report.k"], now=get_clock(registry).now(),
                                  concurrent=settings["eparticipation.report.concurrent"])
    proposed = propose_themes(comments_for_themes(session, draft),
                              max_themes=registry.settings["eparticipation.report.max_themes"])
    curated = {theme.key: theme for theme in report.themes}
    themes = []
    for position, theme in enumerate(proposed, start=1):
        previous = curated.get(theme.key)
        themes.append(ReportTheme(
            key=theme.key, position=position, top_terms=list(theme.top_terms), size=theme.size,
            articles=dict(theme.articles), representatives=list(theme.representatives),
            # The editors' names survive a rebuild when the same theme comes back.
            name_fa=previous.name_fa if previous else "", name_en=previous.name_en if previous else "",
            kept=previous.kept if previous else not theme.other,  # "other" is offered, not kept
        ))
    report.themes.clear()
    session.flush()
    report.themes.extend(themes)
    report.statistics = statistics
    report.status, report.built_at = ReportStatus.ready, get_clock(registry).now()
    report.build_ms = round((time.monotonic() - started) * 1000)
    report.last_error = None


class ReportBuilder:
    """What the report worker does: claim the oldest queued report (FOR UPDATE SKIP LOCKED, so any number of
    workers share the queue), build it, commit; a failure is recorded and the report marked failed."""

    def __init__(self, registry, session_factory=None):
        self.registry = registry
        self.session_factory = session_factory or registry["dbsession_factory"]

    def build_one(self) -> bool:
        with self.session_factory() as session:
            report = session.scalars(
                sa.select(Report).where(Report.status == ReportStatus.queued)
                .order_by(Report.requested_at, Report.id).limit(1).with_for_update(skip_locked=True)
            ).first()
            if report is None:
                session.rollback()
                return False
            report.attempts += 1
            try:
                with session.begin_nested():
                    build(session, self.registry, report)
            except Exception as error:  # noqa: BLE001 - one draft's failure must not stop the others
                log.exception("report of draft %s: build failed", report.draft_id)
                report.status = ReportStatus.failed
                report.last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX]
            session.commit()
            return True

    def drain(self) -> int:
        built = 0
        while self.build_one():
            built += 1
        return built


# --- the editors' curation ----------------------------------------------------------------------------


def merge_themes(report: Report, theme_ids: list[int]):
    """The first chosen theme absorbs the others: their sizes, articles and terms add up; the others stay,
    marked as merged (nothing is lost)."""
    chosen = [t for t in report.themes if t.id in set(theme_ids) and t.merged_into_id is None]
    if len(chosen) < 2:
        raise Refused(_("Choose at least two themes to merge."))
    target, *others = chosen
    for theme in others:
        target.size += theme.size
        articles = dict(target.articles)
        for number, count in theme.articles.items():
            articles[number] = articles.get(number, 0) + count
        target.articles = articles
        target.top_terms = list(dict.fromkeys(target.top_terms + theme.top_terms))[:10]
        target.representatives = (target.representatives + theme.representatives)[:3]
        theme.merged_into_id = target.id
    return target


def finalise_problems(report: Report | None, languages: list[str]) -> list:
    if report is None or report.status != ReportStatus.ready:
        return [_("The report has not been built yet.")]
    return [
        _("The summary of key concerns in ${language} is missing.",
          mapping={"language": LANGUAGE_LABELS.get(language, language)})
        for language in languages if not (report.summary or {}).get(language, "").strip()
    ]


def report_is_finalised(draft, request, **params):
    """W4 guard: the outcome is published with its final report."""
    report = report_of(request.dbsession, draft)
    if report is None or report.finalised_at is None:
        return [_("The report is not finalised yet: its editors finalise it on the report page.")]
    return []


# --- the workflow's events ----------------------------------------------------------------------------


def on_transition(event):
    """Closing queues the report; publishing freezes it."""
    step, draft, request = event.event, event.draft, event.request
    if step.to_state == State.closed and step.from_state == State.consultation:
        request_build(request.dbsession, draft, request.now)
    elif step.transition == "publish":
        report = report_of(request.dbsession, draft)
        if report is not None:
            report.frozen_at = request.now
