"""Events about a person's credentials, sent with `request.registry.notify(...)` in the request's transaction.

Whoever changes a password, closes an account or signs someone out says so with one of these; whoever keeps
state that must follow (the sessions that must end, the messages to tell the owner) subscribes, so neither side
imports the other."""


class AccountEvent:
    def __init__(self, request, user):
        self.request = request
        self.user = user


class SignedOut(AccountEvent):
    """The person signed out of the session of this request."""


class PasswordChanged(AccountEvent):
    """The person changed their password while signed in (their current session may go on)."""


class PasswordReset(AccountEvent):
    """The password was set again through a reset link (no session of the account may go on)."""


class SecondFactorChanged(AccountEvent):
    """The person enrolled, replaced or removed a second factor, or used a recovery code."""


class AccountClosed(AccountEvent):
    """An administrator closed the account."""


class AllSessionsEnded(AccountEvent):
    """An administrator ended every session of the account, or the person every one but this request's."""

    def __init__(self, request, user, keep_current: bool = False):
        super().__init__(request, user)
        self.keep_current = keep_current


class MailboxMessageRequested(AccountEvent):
    """The owner must be told something at their e-mail address only: a link that proves the address or sets a
    password must reach the mailbox, not a messenger. Messaging subscribes (`messaging.email_only`) and writes
    the outbox message in this request's transaction (none when the site sends no e-mail or the account is
    closed)."""

    def __init__(self, request, user, *, key: str, subject, body, link: str):
        super().__init__(request, user)
        self.key, self.subject, self.body, self.link = key, subject, body, link


def tell_by_email(request, user, *, key: str, subject, body, link: str) -> None:
    """Ask for a message to the person's mailbox (MailboxMessageRequested)."""
    request.registry.notify(MailboxMessageRequested(request, user, key=key, subject=subject, body=body, link=link))
