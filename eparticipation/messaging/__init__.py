"""Messaging: telling people what concerns them, in an in-app inbox (/me/inbox) and through the channels they
can be reached on (e-mail, Bale, Eitaa), delivered by a separate worker from a transactional outbox.

    from eparticipation.messaging import notify, notify_all, Notice, MessageDelivered, MessageDeadLettered
    from eparticipation.messaging import MessageUncertain
    notify(request, user, key="responses:draft:12", subject=_("..."), body=_("..."), link=absolute_url)
    notify_all(request, [Notice(user, subject, body, link), ...], key="responses:draft:12")  # many people at once

`notify` writes in the caller's transaction and sends nothing; `eparticipation-deliver` sends, and tells
subscribers with MessageDelivered / MessageDeadLettered / MessageUncertain events (delivery.py says when).
"""

from markupsafe import Markup

from eparticipation.i18n import _, format_number, translate
from eparticipation.messaging.events import MessageDeadLettered, MessageDelivered, MessageUncertain
from eparticipation.messaging.services import Notice, email_only, notify, notify_all

__all__ = ["notify", "notify_all", "Notice", "email_only", "MessageDelivered", "MessageDeadLettered",
           "MessageUncertain"]


def unread_messages(request) -> int | None:
    """The signed-in person's unread inbox messages (loaded with them); None for anonymous visitors, and on
    error pages, which may follow a database error that left the session unusable."""
    user = request.identity
    if user is None or getattr(request, "exception", None) is not None:
        return None
    return user.unread_messages


def unread_badge(request, count: int | None) -> Markup:
    """The header's badge of unread messages after "Inbox": empty when there are none."""
    if not count:
        return Markup("")
    unread = translate(request, _("unread"))
    return Markup(' <span class="badge rounded-pill text-bg-danger">{}<span class="visually-hidden"> {}</span></span>'
                  ).format(format_number(count, request.locale_name), unread)


def includeme(config):
    from eparticipation.accounts.tokens import forget_delivered_link
    from eparticipation.messaging.services import personal_deliveries, personal_inbox, personal_messenger_links
    from eparticipation.messaging.settings import read_messaging_settings

    config.scan()
    config.include("eparticipation.sections")
    config.registry["messaging"] = read_messaging_settings(config.get_settings())
    config.add_account_section("messages", "messaging/me_section.jinja2", order=40)
    config.add_request_method(unread_messages, "unread_messages", reify=True)
    config.add_personal_data("inbox", personal_inbox)
    config.add_personal_data("deliveries", personal_deliveries)
    config.add_personal_data("messenger_links", personal_messenger_links)
    # A one-time link (accounts/tokens.py) is forgotten by the outbox once delivered: subscribed here, above
    # accounts, so that accounts need not know messaging's events.
    config.add_subscriber(forget_delivered_link, MessageDelivered)
