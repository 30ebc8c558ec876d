"""A package that gives the tick and the delivery worker work of their own (tests/functional/test_tasks.py)."""

from types import SimpleNamespace

import sqlalchemy as sa

from eparticipation.accounts.models import User
from eparticipation.clock import get_clock
from eparticipation.i18n import _
from eparticipation.messaging import notify

# The people a worker task is to tell, by e-mail address, and whom it told.
TO_TELL: list[str] = []
TOLD: list[str] = []


def count_people(request) -> str:
    return f"Counted {request.dbsession.scalar(sa.select(sa.func.count()).select_from(User))} account(s)"


def say_where(request) -> str:
    """The address the tick's links are written on (eparticipation.site_url, or SITE_URL)."""
    return f"Links on {request.resource_url(request.root)}"


def tell_waiting(registry) -> int:
    """One person at a time, each in a transaction of its own, as a fan-out would; 0 when nobody waits."""
    if not TO_TELL:
        return 0
    email = TO_TELL.pop(0)
    with registry["dbsession_factory"]() as session:
        user = session.scalar(sa.select(User).where(User.email == email))
        notify(SimpleNamespace(registry=registry, dbsession=session, now=get_clock(registry).now()), user,
               key="taskaddon:hello", subject=_("Your comment is published. Thank you."),
               body=_("Your comment is saved; its earlier wording is kept."), link="https://example.com/")
        session.commit()
    TOLD.append(email)
    return 1


def includeme(config):
    config.include("eparticipation.tasks")  # the directives, whatever the order of the includes
    config.add_tick_task("count-people", count_people)
    config.add_tick_task("say-where", say_where)
    config.add_worker_task("tell-waiting", tell_waiting)
