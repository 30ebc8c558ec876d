"""gunicorn's hooks (eparticipation/operations/server.py) and the connection budget checked at start-up."""

from types import SimpleNamespace

import pytest
from prometheus_client import multiprocess

from eparticipation.operations import server
from eparticipation.operations.capacity import ConnectionBudgetExceeded, check_connection_budget


def test_a_dead_worker_is_marked_dead_for_prometheus_only_in_multiprocess_mode(monkeypatch, tmp_path):
    marked = []
    monkeypatch.setattr(multiprocess, "mark_process_dead", marked.append)
    worker = SimpleNamespace(pid=4242)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    server.child_exit(None, worker)
    assert marked == []
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    server.child_exit(None, worker)
    assert marked == [4242]


def test_the_server_module_sets_only_what_it_means_to(app):
    from gunicorn.config import Config

    settings = {name for name in vars(server) if name in Config().settings}
    assert settings == {"worker_class", "workers", "threads", "timeout", "graceful_timeout", "keepalive",
                        "control_socket_disable", "on_starting", "post_worker_init", "child_exit"}


class Registry(dict):
    def __init__(self, app, **settings):
        super().__init__(db_engine=app.registry["db_engine"])
        self.settings = {**app.registry.settings, **settings}


def test_the_pools_must_fit_in_postgresql_connections(app, database_url):
    registry = Registry(app, **{"sqlalchemy.pool_size": "4", "sqlalchemy.max_overflow": "2",
                                "eparticipation.database.reserved_connections": "10"})
    if not database_url.startswith("postgresql"):
        assert check_connection_budget(registry, 1000) is None  # SQLite: no connection limit
        return
    budget = check_connection_budget(registry, 3)
    assert budget["needed"] == 18
    assert budget["available"] == budget["max_connections"] - budget["superuser_reserved"] - 10
    too_many = budget["available"] // 6 + 1
    with pytest.raises(ConnectionBudgetExceeded, match=f"{too_many} processes x 6 connections"):
        check_connection_budget(registry, too_many)


def test_a_database_down_at_start_does_not_stop_the_server(app_settings, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("only PostgreSQL's connections are counted")
    from eparticipation.db import get_engine

    registry = Registry.__new__(Registry)
    registry["db_engine"] = get_engine({"sqlalchemy.url": "postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=2"})
    registry.settings = {}
    assert check_connection_budget(registry, 3) is None
