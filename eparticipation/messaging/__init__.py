"""Messaging: telling people what concerns them, in an in-app inbox (/me/inbox) and through the channels they
can be reached on (e-mail, Bale, Eitaa), delivered by a separate worker from a transactional outbox.

    from eparticipation.messaging import notify, notify_all, Notice, MessageDelivered, MessageDeadLettered
    from eparticipation.messaging import MessageUncertain
    notify(request, user, key="responses:draft:12", subject=_("..."), body=_("..."), link=absolute_url)
    notify_all(request, [Notice(user, subject, body, link), ...], key="responses:draft:12")  # many people at once

`notify` writes in the caller's transaction and sends nothing; `eparticipation-deliver` sends, and tells
subscribers with MessageDelivered / MessageDeadLettered / MessageUncertain events (delivery.py says when).
"""

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


def write_mailbox_message(event):
    email_only(event.request, event.user, key=event.key, subject=event.subject, body=event.body, link=event.link)


def includeme(config):
    from eparticipation.accounts.events import MailboxMessageRequested
    from eparticipation.accounts.tokens import forget_delivered_link
    from eparticipation.audit.subscribers import message_outcome
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
    # What accounts must tell an owner at their mailbox (a link to confirm the address or set a password).
    config.add_subscriber(write_mailbox_message, MailboxMessageRequested)
    # A one-time link (accounts/tokens.py) is forgotten by the outbox once delivered: subscribed here, above
    # accounts, so that accounts need not know messaging's events.
    config.add_subscriber(forget_delivered_link, MessageDelivered)
    # The worker's outcomes are written to the audit log, in the worker's transaction.
    config.add_subscriber(message_outcome("message.delivered"), MessageDelivered)
    config.add_subscriber(message_outcome("message.dead"), MessageDeadLettered)
    config.add_subscriber(message_outcome("message.uncertain"), MessageUncertain)
