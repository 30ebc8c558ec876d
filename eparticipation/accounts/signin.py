"""Starting a signed-in session: by the sign-in form (views.py), its second step (second_factor_views.py) and the
confirmation of a new address (verification.py), which do not import each other for it."""

from pyramid.security import forget, remember

from eparticipation.accounts import second_factor as mfa


def start_session(request, user):
    """A new session on sign-in, so a session fixed before it is worthless (and one of another person before it
    ends)."""
    forget(request)
    request.session.invalidate()
    user.last_login_at = request.now
    headers = remember(request, user.id)
    mfa.mark_authenticated(request, user, second_factor=False)  # the second step, if any, adds its own mark
    return headers
