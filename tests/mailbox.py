"""What the site wrote to people's mailboxes (the outbox's e-mail rows), and the links in them."""

import sqlalchemy as sa

from eparticipation.messaging.models import Channel, InboxMessage, OutboxMessage


def mails_to(dbsession, email, kind=""):
    """The e-mails written to `email`, oldest first; `kind` the start of their key after "account:"
    ("verify-email", "password-reset", "registration-attempt")."""
    dbsession.flush()
    return dbsession.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.address == email, OutboxMessage.channel == Channel.email,
               OutboxMessage.key.startswith(f"account:{kind}"))
        .order_by(OutboxMessage.id)
    ).all()


def last_link(dbsession, email, kind):
    mails = mails_to(dbsession, email, kind)
    assert mails, f"no {kind} mail to {email}"
    return mails[-1].link


def path_of(link):
    return link.removeprefix("http://example.com")


def inbox_keys(dbsession, user_id):
    return dbsession.scalars(sa.select(InboxMessage.key).where(InboxMessage.user_id == user_id)).all()


def confirm_address(app, dbsession, email, status=303):
    """Open the confirmation link sent to `email` and press its button (which signs a new person in)."""
    page = app.get(path_of(last_link(dbsession, email, "verify-email")))
    return page.forms["verify-email"].submit("confirm", status=status)
