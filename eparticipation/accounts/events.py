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
