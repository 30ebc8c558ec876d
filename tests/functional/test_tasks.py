"""A package gives the tick and the delivery worker work of their own (eparticipation/tasks.py) without editing the
console commands: the tick prints its line, the worker runs it before its batches and sends what it wrote.
These commit for real, as the workers do, and delete what they made."""

import pytest
import sqlalchemy as sa
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError
from sqlalchemy.orm import Session

from eparticipation.accounts.models import User
from eparticipation.messaging.models import OutboxMessage, OutboxStatus
from eparticipation.scripts import deliver, tick
from tests import taskaddon

from ..factories import make_user
from .test_delivery_worker import worker_ini


def with_addon(ini):
    ini.write_text(ini.read_text().replace("[app:main]\n", "[app:main]\npyramid.includes = tests.taskaddon\n"))
    return ini


def test_the_tick_runs_the_registered_tasks(engine, database_url, tmp_path, capsys):
    ini = with_addon(worker_ini(tmp_path / "tick.ini", database_url))
    with Session(engine) as session:
        people = session.scalar(sa.select(sa.func.count()).select_from(User))
    tick.main([str(ini)])
    # Among the lines of the domains' own tasks.
    assert f"Counted {people} account(s)" in capsys.readouterr().out.splitlines()


def test_the_worker_runs_its_tasks_and_sends_what_they_wrote(engine, database_url, tmp_path, capsys):
    with Session(engine) as session:
        emails = [make_user(session, email=f"task.{n}@example.org", locale="en").email for n in range(3)]
        session.commit()
    try:
        taskaddon.TO_TELL[:] = emails
        taskaddon.TOLD.clear()
        ini = with_addon(worker_ini(tmp_path / "worker.ini", database_url))
        assert deliver.main([str(ini), "--once"]) == 0
        assert taskaddon.TOLD == emails and not taskaddon.TO_TELL
        assert capsys.readouterr().out.strip().startswith("Sent 3, failed 0")
        assert len(list((tmp_path / "mail").glob("*.eml"))) == 3
        with Session(engine) as session:
            statuses = session.scalars(sa.select(OutboxMessage.status).join(User).where(User.email.in_(emails)))
            assert list(statuses) == [OutboxStatus.sent] * 3
    finally:
        with Session(engine) as session:
            session.execute(sa.delete(User).where(User.email.in_(emails)))
            session.commit()


def test_a_task_is_registered_once_by_name():
    config = Configurator()
    config.include("eparticipation.tasks")
    config.add_worker_task("same", lambda registry: 0)
    config.add_worker_task("same", lambda registry: 1)
    with pytest.raises(ConfigurationConflictError):
        config.commit()
