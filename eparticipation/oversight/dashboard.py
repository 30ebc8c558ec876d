"""The dashboard's rows as the pages, the CSV exports and the drill-down show them: labels, shares, periods in
the page's calendar, and the public page's suppression of small counts of people."""

import sqlalchemy as sa

from eparticipation.consultations.models import Draft, DraftText
from eparticipation.i18n import _, localize_digits
from eparticipation.oversight.indicators import (COLUMNS, MEDIANS, PEOPLE_COUNTS, SHARES, Dashboard, Period,
                                                 consultation_facts, periods_table)
from eparticipation.reports.suppression import suppress_table

LABELS = {
    "held": _("Consultations held"),
    "announced": _("Announced in the forward plan in advance"),
    "min_days": _("Ran the minimum days"),
    "languages": _("In every required language"),
    "closed": _("Closed"),
    "published": _("Report published"),
    "publish_days_median": _("Median days from closing to publishing"),
    "comments": _("Comments"),
    "participants": _("Participants"),
    "answered": _("Comments answered"),
    "respond_days_median": _("Median days to respond"),
    "accepted": _("Answered comments accepted in whole or part"),
    "changed": _("Final text changed"),
    "ratings": _("Service ratings"),
    "rated_comments": _("Service ratings with a comment"),
    "ratings_answered": _("Rated comments answered"),
}
# The figures that name consultations: their cells link to the drill-down's listing of them.
DRILLABLE = {"held", "announced", "min_days", "languages", "closed", "published", "publish_days_median", "comments",
             "participants", "answered", "respond_days_median", "accepted", "changed"}


def period_words(request, period: Period) -> str:
    """«۱۴۰۵، فصل ۳» / «1405, quarter 3»: Jalali in both languages (the ministry's reporting calendar)."""
    language = request.locale_name
    if period.quarter is None:
        return localize_digits(period.year, language)
    return request.localizer.translate(_("${year}, quarter ${quarter}", mapping={
        "year": localize_digits(period.year, language), "quarter": localize_digits(period.quarter, language)}))


def share_text(request, numerator: int, denominator: int) -> str:
    language = request.locale_name
    if not denominator:
        return "—"
    percent = round(100 * numerator / denominator)
    return request.localizer.translate(_("${percent}% (${part} of ${whole})", mapping={
        "percent": localize_digits(percent, language), "part": localize_digits(numerator, language),
        "whole": localize_digits(denominator, language)}))


def days_text(request, days) -> str:
    if days is None:
        return "—"
    return localize_digits(f"{days:.1f}", request.locale_name)


def csv_value(figures, name):
    """The CSV's value: counts as integers, shares as a fraction 0–1 (4 decimals), medians in days (1 decimal);
    empty when there is nothing to divide or take the middle of."""
    if name in SHARES:
        share = figures.share(name)
        return "" if share is None else f"{share:.4f}"
    if name in MEDIANS:
        value = figures.get(name)
        return "" if value is None else f"{value:.1f}"
    return figures.get(name)


def csv_rows(dashboard: Dashboard, k: int | None = None):
    """Header and rows of the export: one row per agency (and the ministry, agency_code «*») and period.
    Column names are the indicators' machine names; shares come with their counts (`<name>_count`). With `k`,
    the public export: counts of people below k are left empty and flagged (`suppressed`)."""
    header = ["agency_code", "agency_name_fa", "agency_name_en", "jalali_year", "jalali_quarter", "period_start",
              "period_end"]
    for name in COLUMNS:
        header += [name, f"{name}_count"] if name in SHARES else [name]
    header.append("suppressed")
    suppressed = public_suppression(dashboard, k) if k is not None else {}
    scopes = [(None, "*", "وزارت", "Ministry")] + [(a.id, a.code, a.name_fa, a.name_en) for a in dashboard.agencies]
    rows = []
    for period in dashboard.periods:
        for agency_id, code, name_fa, name_en in scopes:
            figures = dashboard.figures(agency_id, period.key)
            hidden = suppressed.get((agency_id, period.key), set())
            line = [code, name_fa, name_en, period.year, period.quarter or "", period.starts.date().isoformat(),
                    period.ends.date().isoformat()]
            for name in COLUMNS:
                line.append("" if name in hidden else csv_value(figures, name))
                if name in SHARES:
                    line.append(figures.get(name))
            line.append(" ".join(sorted(hidden)))
            rows.append(line)
    return header, rows


def public_suppression(dashboard: Dashboard, k: int) -> dict:
    """(agency or None, period) -> the people counts not published: for each period and each count of people,
    the agencies' column with the ministry as its total, suppressed as the reports' tables are (suppression.py:
    1 to k − 1, and what would give one of those away)."""
    hidden: dict = {}
    for period in dashboard.periods:
        for name in PEOPLE_COUNTS:
            cells = [[dashboard.figures(a.id, period.key).get(name)] for a in dashboard.agencies]
            table = suppress_table(cells, k, width=1)
            for agency, shown in zip(dashboard.agencies, table.cells):
                if shown[0] is None:
                    hidden.setdefault((agency.id, period.key), set()).add(name)
            ministry = dashboard.figures(None, period.key).get(name)
            # Participants are not additive (a person may take part at two agencies): the ministry's own count.
            if table.total is None or 0 < ministry < k:
                hidden.setdefault((None, period.key), set()).add(name)
    return hidden


def drill_down(dbsession, settings, period: Period, agency_id, indicator: str, limit: int = 500):
    """The consultations behind one figure: those the indicator counts (its denominator's, for a median or a
    count of comments), with their agency and title. One statement."""
    dialect = dbsession.get_bind().dialect.name
    facts = consultation_facts(dialect, periods_table([period]), settings)
    condition = {
        "announced": facts.c.announced == 1, "min_days": facts.c.min_days == 1, "languages": facts.c.languages == 1, "closed": facts.c.closed == 1,
        "published": facts.c.published == 1, "publish_days_median": facts.c.published == 1,
        "changed": facts.c.changed == 1, "respond_days_median": facts.c.closed == 1,
    }.get(indicator, sa.true())
    title = sa.func.coalesce(
        sa.select(DraftText.title).where(DraftText.draft_id == facts.c.draft_id, DraftText.language == "fa")
        .scalar_subquery(), "")
    title_en = sa.func.coalesce(
        sa.select(DraftText.title).where(DraftText.draft_id == facts.c.draft_id, DraftText.language == "en")
        .scalar_subquery(), "")
    query = (sa.select(facts, title.label("title_fa"), title_en.label("title_en"), Draft.opens_at, Draft.closes_at,
                       Draft.published_at)
             .join(Draft, Draft.id == facts.c.draft_id).where(condition)
             .order_by(Draft.opens_at, Draft.id).limit(limit))
    if agency_id is not None:
        query = query.where(facts.c.agency_id == agency_id)
    return dbsession.execute(query).all()
