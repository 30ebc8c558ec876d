"""Subscriptions (DESIGN O3): a signed-in person follows an agency, a document type or the whole site and
chooses how to be told (inbox, e-mail, linked messengers); a visitor may follow by e-mail alone, once they opened
the confirmation link. Followers are told when a consultation opens, seven days before it closes and when its
outcome is published, once each, in their language, through the outbox; every message carries an unsubscribe link.

    /me/subscriptions/                  what the person follows, their channels (SubscriptionFollow)
    /subscriptions/                     follow by e-mail (anyone: SubscriptionEmail)
    /subscriptions/confirm/<secret>     the confirmation link of a visitor's subscription
    /subscriptions/unsubscribe/<token>  the unsubscribe link of every message (also RFC 8058 one-click POST)

The request that opens a consultation only records its fan-out (on DraftTransitioned); the tick records the
reminders; the delivery worker writes the messages (services.py).
"""


def read_settings(settings: dict) -> None:
    from eparticipation import settings as parse

    # How long a visitor's confirmation link works.
    hours = parse.number(settings, "eparticipation.subscriptions.confirm_hours", 48)
    if hours <= 0:
        raise parse.SettingError("eparticipation.subscriptions.confirm_hours must be more than 0")


def follow_data(context, request) -> dict:
    """The follow buttons of an agency page or the listing (one query for a signed-in person, none otherwise)."""
    from eparticipation.subscriptions.views import follow_section_data

    return follow_section_data(context, request)


def account_data(context, request) -> dict:
    from eparticipation.subscriptions.services import followed

    return {"follows_count": len(followed(request.dbsession, request.identity))}


def forget_closed_account(event):
    from eparticipation.subscriptions.services import forget_person

    forget_person(event.request.dbsession, event.user.id)


def forget_delivered_confirmation(event):
    """A confirmation link lives in the visitor's mailbox once delivered: the outbox keeps no working copy."""
    from eparticipation.subscriptions.services import CONFIRM_KEY

    if event.message.key.startswith(CONFIRM_KEY):
        event.message.link = ""


def includeme(config):
    from eparticipation.accounts.events import AccountClosed
    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.messaging import MessageDelivered
    from eparticipation.subscriptions.resources import MySubscriptions, SubscriptionsArea
    from eparticipation.subscriptions.services import (
        fan_out,
        forget_unconfirmed,
        on_transition,
        personal_subscriptions,
        record_reminders,
    )

    read_settings(config.get_settings())
    config.scan()
    config.include("eparticipation.sections")
    config.include("eparticipation.tasks")
    config.add_me_child("subscriptions", MySubscriptions)
    config.add_root_child("subscriptions", SubscriptionsArea)
    config.add_account_section("subscriptions", "subscriptions/me_section.jinja2", order=45, data=account_data)
    config.add_agency_section("follow", "subscriptions/follow_section.jinja2", order=5, data=follow_data)
    config.add_listing_section("follow", "subscriptions/follow_section.jinja2", order=10, data=follow_data)
    config.add_personal_data("subscriptions", personal_subscriptions)
    config.add_subscriber(on_transition, DraftTransitioned)
    config.add_subscriber(forget_closed_account, AccountClosed)
    config.add_subscriber(forget_delivered_confirmation, MessageDelivered)
    config.add_tick_task("subscription-cleanup", forget_unconfirmed)
    config.add_tick_task("subscription-reminders", record_reminders)
    config.add_worker_task("subscription-fan-out", fan_out)
