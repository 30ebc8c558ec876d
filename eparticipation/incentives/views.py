"""Pages of points and recognition (the package's docstring lists them)."""

import csv
import io
import re

import colander
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from eparticipation.agencies.models import Agency
from eparticipation.audit import record
from eparticipation.consultations.models import DraftText
from eparticipation.i18n import _, flash, localize_digits, translate
from eparticipation.incentives import public
from eparticipation.incentives.models import PUBLIC_NAME_MAX, SITE_SCOPE, Badge, LedgerEntry, PointsTotal
from eparticipation.incentives.resources import Leaderboard, MyPoints, PointsReview, ThankYouPage
from eparticipation.incentives.services import ALL_TIME, current_periods, jalali_of, rules_of
from eparticipation.permissions import Permissions

LEVELS = (
    {"fa": "تازه‌وارد", "en": "Newcomer"},
    {"fa": "همراه", "en": "Contributor"},
    {"fa": "شهروند فعال", "en": "Active citizen"},
    {"fa": "صدای اثرگذار", "en": "Influential voice"},
    {"fa": "پیشگام مشارکت", "en": "Champion of participation"},
)
ACT_LABELS = {
    "comment": _("Comment on the draft"),
    "article_comment": _("Comment on an article"),
    "vote": _("Vote"),
    "survey": _("Survey answered"),
    "rating": _("Service rated"),
    "acceptance": _("Proposal accepted"),
}
REASON_LABELS = {
    "earned": _("earned"),
    "accepted": _("your comment was accepted"),
    "partially_accepted": _("your comment was partially accepted"),
    "hidden": _("the comment was hidden by the moderators"),
    "withdrawn": _("you withdrew the comment"),
    "restored": _("the comment was restored"),
    "campaign": _("the same text was sent by many: a campaign earns once"),
    "staff": _("staff of the agency earn nothing in its consultations"),
    "cap": _("the cap of points per consultation was reached"),
    "corrected": _("corrected when the points were computed again"),
}
BADGE_LABELS = {
    "first_comment": (_("First comment"), _("You sent your first comment.")),
    "five_consultations": (_("Five consultations"), _("You earned points in five consultations.")),
    "first_accepted": (_("First accepted proposal"), _("A comment of yours was accepted, wholly or in part.")),
    "province_pioneer": (_("First from your province"),
                         _("You were the first participant from your province in a consultation.")),
}
SEASON_LABELS = {1: _("Spring ${year}"), 2: _("Summer ${year}"), 3: _("Autumn ${year}"), 4: _("Winter ${year}")}
PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-s([1-4]))?$")
LEDGER_SHOWN = 100


def level_label(index: int, locale_name: str) -> str:
    return LEVELS[index].get(locale_name, LEVELS[index]["en"])


def period_label(request, period: str):
    if period == ALL_TIME:
        return translate(request, _("All time"))
    year, season = PERIOD_PATTERN.match(period).groups()
    year = localize_digits(year, request.locale_name)
    if season is None:
        return translate(request, _("Year ${year}", mapping={"year": year}))
    return translate(request, _(SEASON_LABELS[int(season)], mapping={"year": year}))


def chosen_period(request) -> str:
    """The period of ?period= (a Jalali year, or a year's season); this year when absent or not one."""
    year, _season = current_periods(request.now)
    period = request.params.get("period", "")
    return period if PERIOD_PATTERN.match(period) else year


def offered_periods(request) -> list[str]:
    """This year and the one before, each followed by its seasons (those begun)."""
    year, season = current_periods(request.now)
    this_year, this_season = int(year), int(season.rpartition("s")[2])
    offered = [year] + [f"{year}-s{s}" for s in range(1, this_season + 1)]
    previous = str(this_year - 1)
    return offered + [previous] + [f"{previous}-s{s}" for s in range(1, 5)]


# --- /me/points ---------------------------------------------------------------------------------------------------


class PublicNameSchema(colander.Schema):
    public_name = colander.SchemaNode(
        colander.String(), title=_("The name shown on the leaderboards"),
        preparer=lambda value: (value.strip() or colander.null) if isinstance(value, str) else value,
        validator=colander.Length(min=2, max=PUBLIC_NAME_MAX,
                                  min_err=_("Give a public name of at least 2 characters."),
                                  max_err=_("A public name has at most ${max} characters.")),
        missing=colander.required, missing_msg=_("Give the name to show on the leaderboards."),
    )


def my_points(request, user_id: int) -> dict:
    """The person's totals (all time, this year and season), level, badges and latest entries: four statements."""
    dbsession, rules = request.dbsession, rules_of(request.registry)
    year, season = current_periods(request.now)
    totals = dict(dbsession.execute(
        sa.select(PointsTotal.period, PointsTotal.points)
        .where(PointsTotal.user_id == user_id, PointsTotal.scope == SITE_SCOPE,
               PointsTotal.period.in_([ALL_TIME, year, season]))
    ).all())
    total = totals.get(ALL_TIME, 0)
    level = public.level_of(total, rules.levels)
    entries = dbsession.execute(
        sa.select(LedgerEntry, DraftText.title, Agency.name_fa, Agency.name_en)
        .join(Agency, Agency.id == LedgerEntry.agency_id)
        .outerjoin(DraftText, sa.and_(DraftText.draft_id == LedgerEntry.draft_id,
                                      DraftText.language == request.locale_name))
        .where(LedgerEntry.user_id == user_id)
        .order_by(LedgerEntry.id.desc()).limit(LEDGER_SHOWN)
    ).all()
    # Points on consultations not yet published may still be taken back (a comment hidden later).
    from eparticipation.consultations.models import Draft, State

    provisional = dbsession.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.points), 0))
        .join(Draft, Draft.id == LedgerEntry.draft_id)
        .where(LedgerEntry.user_id == user_id, Draft.state != State.published)
    )
    badges = dbsession.scalars(sa.select(Badge).where(Badge.user_id == user_id).order_by(Badge.earned_at)).all()
    next_threshold = next((t for t in rules.levels if t > total), None)
    return {
        "total": total, "year_points": totals.get(year, 0), "season_points": totals.get(season, 0),
        "year_label": period_label(request, year), "season_label": period_label(request, season),
        "level": level, "level_label": level_label(level, request.locale_name),
        "next_level_label": level_label(level + 1, request.locale_name) if next_threshold is not None else None,
        "to_next_level": next_threshold - total if next_threshold is not None else None,
        "levels": [(level_label(i, request.locale_name), t) for i, t in enumerate(rules.levels)],
        "entries": entries, "provisional": int(provisional or 0), "badges": badges,
    }


@view_config(context=MyPoints, request_method="GET", renderer="incentives/mine.jinja2",
             permission=Permissions.PointsSelf)
def show_my_points(context, request, error=None, typed=None):
    request.response.headers["Cache-Control"] = "no-store"
    rules = rules_of(request.registry)
    profile = public.public_profile(request.dbsession, request.identity.id)
    return {
        **my_points(request, request.identity.id),
        "profile": profile, "error": error,
        "typed": typed if typed is not None else (profile.public_name if profile else ""),
        "rules": rules, "act_labels": ACT_LABELS, "reason_labels": REASON_LABELS, "badge_labels": BADGE_LABELS,
        "name_max": PUBLIC_NAME_MAX,
    }


@view_config(context=MyPoints, name="public", request_method="POST", renderer="incentives/mine.jinja2",
             permission=Permissions.PointsSelf)
def choose_public(context, request):
    """Appear on the public leaderboards under a name of one's choice, or leave them."""
    if request.POST.get("appear") == "no":
        request.dbsession.execute(sa.delete(public.PublicProfile)
                                  .where(public.PublicProfile.user_id == request.identity.id))
        flash(request, _("You no longer appear on the leaderboards."), "success")
        return HTTPSeeOther(request.resource_url(context))
    typed = request.POST.get("public_name", "")[:PUBLIC_NAME_MAX * 4]
    try:
        appstruct = PublicNameSchema().deserialize({"public_name": typed})
    except colander.Invalid as invalid:
        request.response.status_int = 400
        message = next(iter(invalid.asdict(translate=request.localizer.translate).values()))
        return show_my_points(context, request, error=message, typed=typed)
    public.appear(request.dbsession, request.identity.id, appstruct["public_name"], request.now)
    flash(request, _("You appear on the leaderboards as ${name}.", mapping={"name": appstruct["public_name"]}),
          "success")
    return HTTPSeeOther(request.resource_url(context))


def account_data(context, request) -> dict:
    rules = rules_of(request.registry)
    total = request.dbsession.scalar(
        sa.select(PointsTotal.points).where(PointsTotal.user_id == request.identity.id,
                                            PointsTotal.scope == SITE_SCOPE, PointsTotal.period == ALL_TIME)
    ) or 0
    return {"points_total": total,
            "points_level": level_label(public.level_of(total, rules.levels), request.locale_name)}


def personal_points(dbsession, user) -> dict:
    """The person's ledger, badges and public name, for their data download."""
    entries = dbsession.scalars(sa.select(LedgerEntry).where(LedgerEntry.user_id == user.id)
                                .order_by(LedgerEntry.id)).all()
    badges = dbsession.scalars(sa.select(Badge).where(Badge.user_id == user.id).order_by(Badge.earned_at)).all()
    profile = public.public_profile(dbsession, user.id)
    return {
        "ledger": [{"act": e.act, "object": e.object_id, "consultation": e.draft_id, "agency": e.agency_id,
                    "points": e.points, "reason": e.reason, "act_at": e.act_at.isoformat(), "at": e.at.isoformat()}
                   for e in entries],
        "badges": [{"badge": b.badge, "earned_at": b.earned_at.isoformat()} for b in badges],
        "public_name": profile.public_name if profile else None,
    }


# --- leaderboards ---------------------------------------------------------------------------------------------------


def board_of(context, request):
    period = chosen_period(request)
    scope = context.agency.id if context.agency is not None else SITE_SCOPE
    return period, public.board(request.dbsession, period, scope, rules_of(request.registry).leaderboard_size)


@view_config(context=Leaderboard, request_method="GET", renderer="incentives/leaderboard.jinja2",
             permission=Permissions.SiteView)
def leaderboard(context, request):
    period, places = board_of(context, request)
    agencies = request.dbsession.scalars(sa.select(Agency).order_by(Agency.code)).all()
    return {
        "places": places, "period": period, "period_label": period_label(request, period),
        "periods": [(p, period_label(request, p)) for p in offered_periods(request)],
        "agency": context.agency, "agencies": agencies,
        "site_board_url": request.resource_url(request.root, "leaderboard", ""),
    }


@view_config(context=Leaderboard, name="leaderboard.csv", request_method="GET", permission=Permissions.SiteView)
def leaderboard_csv(context, request):
    """The same board as open data: rank, public name, points; nobody who did not opt in."""
    period, places = board_of(context, request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["rank", "public_name", "points", "period"])
    for place in places:
        writer.writerow([place.rank, place.public_name, place.points, period])
    return Response(out.getvalue().encode("utf-8-sig"), content_type="text/csv", charset="utf-8",
                    content_disposition=f'attachment; filename="leaderboard-{period}.csv"')


def draft_data(context, request) -> dict:
    return {"top_contributors": public.top_contributors(request.dbsession, context.id),
            "leaderboard_url": request.resource_url(request.root, "leaderboard", "")}


def agency_data(context, request) -> dict:
    thanks, names = public.published_thanks(request.dbsession, context.id)
    return {
        "thanks": thanks, "thank_names": names,
        "thanks_label": period_label(request, thanks.period) if thanks else None,
        "may_thank": request.has_permission(Permissions.PointsThank, ThankYouPage(context)),
        "may_review": request.has_permission(Permissions.PointsReview, PointsReview(context)),
        "agency_board_url": request.resource_url(request.root, "leaderboard", context.code, ""),
    }


# --- the agency's thank-you list ------------------------------------------------------------------------------------


def thank_you_year(request) -> str:
    year = request.params.get("year", "")
    return year if re.fullmatch(r"\d{4}", year) else current_periods(request.now)[0]


@view_config(context=ThankYouPage, request_method="GET", renderer="incentives/thanks.jinja2",
             permission=Permissions.PointsThank)
def thank_you_page(context, request):
    request.response.headers["Cache-Control"] = "no-store"
    year = thank_you_year(request)
    thanks, names = public.published_thanks(request.dbsession, context.agency.id)
    return {
        "agency": context.agency, "year": year, "year_label": period_label(request, year),
        "candidates": public.thank_you_candidates(request.dbsession, context.agency.id, year),
        "thanks": thanks, "thank_names": names,
    }


@view_config(context=ThankYouPage, name="publish", request_method="POST", permission=Permissions.PointsThank)
def publish_thank_you(context, request):
    year = thank_you_year(request)
    chosen = []
    for value in request.POST.getall("person")[:500]:
        if value.isdigit():
            chosen.append(int(value))
    candidates = {p.user_id for p in public.thank_you_candidates(request.dbsession, context.agency.id, year)}
    chosen = sorted(set(chosen) & candidates)
    thanks = public.publish_thanks(request.dbsession, context.agency.id, year, chosen, request.identity.id,
                                   request.now)
    record(request, "thanks.publish", thanks, object_type="ThankYouList", agency_id=context.agency.id,
           after={"period": year, "people": len(chosen)})
    flash(request, _("The thank-you list is published on the agency's page."), "success")
    return HTTPSeeOther(request.resource_url(context.agency))


# --- the editors' review ----------------------------------------------------------------------------------------


@view_config(context=PointsReview, request_method="GET", renderer="incentives/review.jinja2",
             permission=Permissions.PointsReview)
def points_review(context, request):
    request.response.headers["Cache-Control"] = "no-store"
    share = rules_of(request.registry).review_share
    agency_id = context.agency.id if context.agency is not None else None
    return {"agency": context.agency, "accounts": public.review(request.dbsession, agency_id, share),
            "share": round(share * 100)}


def jalali_year(moment) -> str:
    return str(jalali_of(moment).year)
