"""The report's life: queued when the consultation closes (or when an editor asks again), built by the report
worker, curated and finalised by the editors, frozen when the outcome is published."""

import logging
import time
from dataclasses import dataclass
from itertools import chain

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

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


def build(session, registry, report: Report, snapshot: str | None = None):
    """Compute the statistics and propose the themes, in the worker's transaction. `snapshot`: that
    transaction's exported snapshot, for the statistics' second connection (see ReportBuilder.build_one)."""
    from eparticipation.reports.breakdowns import breakdowns_of
    from eparticipation.reports.statistics import build_statistics
    from eparticipation.reports.themes import comments_for_themes, open_answers_for_themes, propose_themes

    draft = session.get(Draft, report.draft_id)
    started = time.monotonic()
    settings = registry.settings
    statistics = build_statistics(session, draft, k=settings["eparticipation.report.k"], now=get_clock(registry).now(),
                                  concurrent=settings["eparticipation.report.concurrent"], snapshot=snapshot)
    statistics["breakdowns"] = breakdowns_of(session, draft, statistics)  # survey answers and ratings, by who
    proposed = propose_themes(chain(comments_for_themes(session, draft), open_answers_for_themes(session, draft)),
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


@dataclass(frozen=True)
class Built:
    """What the worker did with one report: built it (ready) or failed, with the error it recorded."""

    report_id: int
    draft_id: int
    status: ReportStatus
    attempts: int
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == ReportStatus.failed


# How often a worker looks again for a report when another worker's commit made its claim fail to serialise.
CLAIM_TRIES = 5


class ReportBuilder:
    """What the report worker does: claim the oldest queued report (FOR UPDATE SKIP LOCKED, so any number of
    workers share the queue), build it, commit; a failure is recorded and the report marked failed, in the
    same transaction, so the claim holds until the outcome is stored."""

    def __init__(self, registry, session_factory=None):
        self.registry = registry
        self.session_factory = session_factory or registry["dbsession_factory"]

    def build_one(self) -> Built | None:
        """Build the oldest queued report; None when nothing is queued."""
        for tries_left in reversed(range(CLAIM_TRIES)):
            with self.session_factory() as session:
                concurrent = self.begin(session)
                try:
                    report = self.claim(session)
                except OperationalError as error:
                    if tries_left and sqlstate(error) == SERIALIZATION_FAILURE:
                        continue  # leaving the session rolls its transaction back
                    raise
                if report is None:
                    session.rollback()
                    return None
                return self.build_claimed(session, report, concurrent)
        raise AssertionError("unreachable")  # the last try re-raises

    def begin(self, session) -> bool:
        """Open the worker's transaction; whether the statistics' second connection shares its snapshot. On
        PostgreSQL it is then REPEATABLE READ: every statement of it reads the moment its first one did, which
        is the moment the second connection imports. (A worker's claim can then fail to serialise when another
        worker's commit changed the row after that moment; build_one looks again.)"""
        if not self.registry.settings["eparticipation.report.concurrent"]:
            return False
        if session.get_bind().dialect.name != "postgresql":
            return False
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return True

    @staticmethod
    def claim(session) -> Report | None:
        return session.scalars(
            sa.select(Report).where(Report.status == ReportStatus.queued)
            .order_by(Report.requested_at, Report.id).limit(1).with_for_update(skip_locked=True)
        ).first()

    def build_claimed(self, session, report: Report, concurrent: bool) -> Built:
        from eparticipation.reports.statistics import export_snapshot

        report.attempts += 1
        # PostgreSQL exports no snapshot from a subtransaction: export it here, before the savepoint that lets
        # a failure be undone and recorded while the claimed row stays locked.
        snapshot = export_snapshot(session) if concurrent else None
        error_text = None
        try:
            with session.begin_nested():
                build(session, self.registry, report, snapshot=snapshot)
        except Exception as error:  # noqa: BLE001 - one draft's failure must not stop the others
            error_text = f"{type(error).__name__}: {error}"[:ERROR_MAX]
            log.exception("report %s of draft %s: build failed (attempt %s)", report.id, report.draft_id,
                          report.attempts)
            report.status = ReportStatus.failed
            report.last_error = error_text
        else:
            log.info("report %s of draft %s: ready in %s ms", report.id, report.draft_id, report.build_ms)
        built = Built(report.id, report.draft_id, report.status, report.attempts, error_text)
        session.commit()
        return built

    def drain(self) -> list[Built]:
        """Build every queued report, one after the other; what became of each."""
        outcomes = []
        while (outcome := self.build_one()) is not None:
            outcomes.append(outcome)
        return outcomes


SERIALIZATION_FAILURE = "40001"


def sqlstate(error: OperationalError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


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
