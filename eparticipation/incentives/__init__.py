"""Points and recognition (DESIGN I1, I3): every act of participation earns points by the rules of the settings,
written to an append-only ledger in the act's transaction; levels and badges; opt-in public leaderboards per
Jalali year and season, on the site and per agency; the top contributors of a published consultation; the
agencies' thank-you lists; a review page of accounts whose points came mostly from hidden or campaign comments.

    /me/points                              the person's ledger, level, badges, and their opt-in (MyPoints)
    /leaderboard/, /leaderboard/<code>/     the public leaderboards (?period=1405 or 1405-s3)
    /agencies/<code>/thanks                 choose and publish the agency's thank-you list (PointsThank)
    /agencies/<code>/points-review          accounts to look at, for the agency's editors (PointsReview)
    /points-review/                         the same for every agency (administrators)

The participation, surveys, feedback and consultations domains say what happened (CommentChanged, VoteCast,
SurveyAnswered, ServiceRated, DraftTransitioned); services.settle turns it into ledger entries.
"""

# Each act's points by default. Writing a comment is effort (5), one on a precise article helps the drafters
# more (6); a vote or a rating is a click (1); a survey is a few questions (3). What changed the text weighs
# most: a comment partially accepted 10, accepted 20, so that quality earns more than quantity.
DEFAULT_POINTS = {
    "comment": 5, "article_comment": 6, "vote": 1, "survey": 3, "rating": 1, "partially_accepted": 10, "accepted": 20,
}
# Ten comments' worth per consultation: past it, more acts there earn nothing.
DEFAULT_CAP = 50
# The five levels' thresholds (points of all time).
DEFAULT_LEVELS = "0 20 100 300 1000"


def read_settings(settings: dict):
    from eparticipation import settings as parse
    from eparticipation.incentives.services import Rules

    points = {}
    for act, default in DEFAULT_POINTS.items():
        points[act] = parse.integer(settings, f"eparticipation.incentives.points.{act}", default)
        if points[act] < 0:
            raise parse.SettingError(f"eparticipation.incentives.points.{act} must not be negative")
    cap = parse.integer(settings, "eparticipation.incentives.cap_per_consultation", DEFAULT_CAP)
    words = parse.words(settings, "eparticipation.incentives.levels", DEFAULT_LEVELS)
    try:
        levels = tuple(int(word) for word in words)
    except ValueError:
        levels = ()
    if len(levels) != 5 or levels[0] != 0 or list(levels) != sorted(set(levels)):
        raise parse.SettingError("eparticipation.incentives.levels is five rising whole numbers from 0")
    size = parse.integer(settings, "eparticipation.incentives.leaderboard_size", 50)
    share = parse.number(settings, "eparticipation.incentives.review_share", 0.5)
    if cap <= 0 or size <= 0 or not 0 < share <= 1:
        raise parse.SettingError("eparticipation.incentives: the cap and the leaderboard's size are more than 0, "
                                 "the review share between 0 and 1")
    return Rules(points, cap, levels, size, share)


def on_comment(event):
    from eparticipation.incentives.services import affected_by_comment, settle

    dbsession = event.request.dbsession
    dbsession.flush()
    for user_id in sorted(affected_by_comment(dbsession, event.comment, event.previous_fingerprint)):
        settle(event.request, user_id, event.draft)


def on_vote(event):
    from eparticipation.incentives.services import settle

    settle(event.request, event.request.identity.id, event.draft)


def on_survey(event):
    from eparticipation.consultations.models import Draft
    from eparticipation.incentives.services import settle

    settle(event.request, event.request.identity.id, event.request.dbsession.get(Draft, event.survey.draft_id))


def on_rating(event):
    from eparticipation.incentives.services import settle_rating

    settle_rating(event.request, event.rating, event.service)


def on_transition(event):
    """At publication the acceptances are due: for the authors of accepted and partially accepted comments."""
    if event.event.transition != "publish":
        return
    from eparticipation.incentives.public import accepted_authors
    from eparticipation.incentives.services import settle

    for user_id in accepted_authors(event.request.dbsession, event.draft.id):
        settle(event.request, user_id, event.draft)


def forget_closed_account(event):
    """A closed account leaves the public pages (its choice to appear, the thank-you lists); its ledger stays, as
    its comments do, and comes with the account if it is opened again."""
    from eparticipation.incentives.public import forget_person

    forget_person(event.request.dbsession, event.user.id)


def includeme(config):
    from eparticipation.accounts.events import AccountClosed
    from eparticipation.consultations.models import State
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.feedback.events import ServiceRated
    from eparticipation.incentives import views
    from eparticipation.incentives.resources import Leaderboard, MyPoints, PointsReview, ThankYouPage
    from eparticipation.participation.events import CommentChanged, VoteCast
    from eparticipation.surveys.events import SurveyAnswered

    config.registry["eparticipation.incentives"] = read_settings(config.get_settings())
    config.scan()
    config.include("eparticipation.sections")
    config.add_me_child("points", MyPoints)
    config.add_root_child("leaderboard", Leaderboard)
    config.add_root_child("points-review", PointsReview)
    config.add_agency_child("points-review", PointsReview)
    config.add_agency_child("thanks", ThankYouPage)
    config.add_account_section("points", "incentives/me_section.jinja2", order=40, data=views.account_data)
    config.add_agency_section("thanks", "incentives/agency_section.jinja2", order=80, data=views.agency_data)
    config.add_draft_section("top-contributors", "incentives/draft_section.jinja2", order=85,
                             states=(State.published,), data=views.draft_data)
    config.add_personal_data("points", views.personal_points)
    config.add_subscriber(on_comment, CommentChanged)
    config.add_subscriber(on_vote, VoteCast)
    config.add_subscriber(on_survey, SurveyAnswered)
    config.add_subscriber(on_rating, ServiceRated)
    config.add_subscriber(on_transition, DraftTransitioned)
    config.add_subscriber(forget_closed_account, AccountClosed)
