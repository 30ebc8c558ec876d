"""Messaging: telling people what concerns them, in an in-app inbox (/me/inbox) and through the channels they
can be reached on (e-mail, Bale, Eitaa), delivered by a separate worker from a transactional outbox.

    from eparticipation.messaging import notify, MessageDelivered, MessageDeadLettered
    notify(request, user, key="responses:draft:12", subject=_("..."), body=_("..."), link=absolute_url)

`notify` writes in the caller's transaction and sends nothing; `eparticipation-deliver` sends, and tells
subscribers with MessageDelivered / MessageDeadLettered events.
"""

from eparticipation.messaging.events import MessageDeadLettered, MessageDelivered
from eparticipation.messaging.services import notify

__all__ = ["notify", "MessageDelivered", "MessageDeadLettered"]


def unread_messages(request) -> int | None:
    """The signed-in person's unread inbox messages (one indexed count); None for anonymous visitors, and on
    error pages, which may follow a database error that left the session unusable."""
    from eparticipation.messaging.services import unread_count

    user = request.identity
    if user is None or getattr(request, "exception", None) is not None:
        return None
    return unread_count(request.dbsession, user.id)


def includeme(config):
    from eparticipation.messaging.services import personal_deliveries, personal_inbox, personal_messenger_links
    from eparticipation.messaging.settings import read_messaging_settings

    config.registry["messaging"] = read_messaging_settings(config.get_settings())
    config.add_request_method(unread_messages, "unread_messages", reify=True)
    config.add_personal_data("inbox", personal_inbox)
    config.add_personal_data("deliveries", personal_deliveries)
    config.add_personal_data("messenger_links", personal_messenger_links)
