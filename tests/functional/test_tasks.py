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
from eparticipation.scripts import SiteURLError, deliver, site_url, tick
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


def test_the_ticks_links_are_on_the_sites_address(engine, database_url, tmp_path, capsys, monkeypatch):
    """The tick and the workers have no request of a visitor: their links are on eparticipation.site_url (or
    SITE_URL), not on http://localhost."""
    monkeypatch.delenv("SITE_URL", raising=False)
    ini = with_addon(worker_ini(tmp_path / "tick.ini", database_url))
    tick.main([str(ini)])
    assert "Links on http://localhost/" in capsys.readouterr().out.splitlines()
    site = "eparticipation.site_url = https://participation.example.ir\n"
    ini.write_text(ini.read_text().replace("[app:main]\n", "[app:main]\n" + site))
    tick.main([str(ini)])
    assert "Links on https://participation.example.ir/" in capsys.readouterr().out.splitlines()
    monkeypatch.setenv("SITE_URL", "https://mirror.example.ir:8443")
    tick.main([str(ini)])
    assert "Links on https://mirror.example.ir:8443/" in capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("value", ["participation.example.ir", "ftp://example.ir", "https://example.ir/site",
                                   "https://", "https://example.ir?x=1"])
def test_a_site_address_that_is_not_an_origin_stops_the_command(value):
    with pytest.raises(SiteURLError, match="must be an origin"):
        site_url({"eparticipation.site_url": value}, environ={})


def test_the_environment_gives_the_site_address_first():
    assert site_url({"eparticipation.site_url": "https://a.example.ir/"}, environ={}) == "https://a.example.ir"
    assert site_url({"eparticipation.site_url": "https://a.example.ir"},
                    environ={"SITE_URL": "https://b.example.ir"}) == "https://b.example.ir"
    assert site_url({}, environ={}) == ""


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
