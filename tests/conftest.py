"""Test fixtures.

The database is built once per run with `alembic upgrade head` (SQLite in a temporary file, or the
PostgreSQL database named by TEST_DATABASE_URL). Each test runs inside an outer transaction that is
rolled back at its end; the application's own commits become savepoints inside it.

    engine ─┬─ app (one WSGI app for the run)
            └─ dbsession (per test) ── testapp (WebTest, shares the test's session and transaction)
    clock: a FrozenClock put in the app's registry for one test
"""

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
import transaction
import webtest
import zope.sqlalchemy
from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session

from eparticipation import main
from eparticipation.clock import FrozenClock
from eparticipation.db import get_engine
from eparticipation.models import Base

from .factories import TEST_PASSWORD

PROJECT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)  # 6 Azar 1405, 13:00 in Tehran


def pytest_report_header(config):
    return f"database: {os.environ.get('TEST_DATABASE_URL') or 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app_settings(database_url, tmp_path_factory):
    mail_folder = tmp_path_factory.mktemp("mail")
    return {
        "sqlalchemy.url": database_url,
        "pyramid.default_locale_name": "fa",
        "eparticipation.locale_dir": str(PROJECT / "locale"),
        "eparticipation.available_languages": "fa en",
        "eparticipation.session_secret": "test-secret-test-secret-test-secret",
        "eparticipation.secure_cookies": "false",
        "eparticipation.login_throttle.max_failures": "5",
        "eparticipation.login_throttle.window_minutes": "15",
        "retry.attempts": "3",
        # The tests' rows are not committed: a second connection would not see them (statistics.alongside).
        "eparticipation.report.concurrent": "false",
        # Every channel writes files (the worker's tests point adapters at fake servers of their own).
        "eparticipation.messaging.channels": "email bale eitaa",
        "eparticipation.messaging.email.adapter": "folder",
        "eparticipation.messaging.email.folder": str(mail_folder / "email"),
        "eparticipation.messaging.bale.adapter": "folder",
        "eparticipation.messaging.bale.folder": str(mail_folder / "bale"),
        "eparticipation.messaging.bale.bot": "@test_bot",
        "eparticipation.messaging.bale.webhook_secret": "bale-hook-secret",
        "eparticipation.messaging.eitaa.adapter": "folder",
        "eparticipation.messaging.eitaa.folder": str(mail_folder / "eitaa"),
        "eparticipation.messaging.max_attempts": "4",
        "eparticipation.messaging.retry_base_seconds": "60",
    }


def alembic_config(connection=None) -> Config:
    config = Config(str(PROJECT / "development.ini"))
    config.attributes["connection"] = connection
    return config


@pytest.fixture(scope="session")
def engine(app_settings):
    engine = get_engine(app_settings)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(engine, app_settings):
    return main({}, **app_settings)


@pytest.fixture
def tm():
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    manager.doom()
    yield manager
    manager.abort()


@pytest.fixture
def dbsession(engine, tm):
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    zope.sqlalchemy.register(session, transaction_manager=tm)
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture
def clock(app):
    original = app.registry["clock"]
    app.registry["clock"] = frozen = FrozenClock(NOW)
    yield frozen
    app.registry["clock"] = original


class QueryCounter:
    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self):
        return len(self.statements)


@pytest.fixture
def query_counter(engine):
    """Counts the SQL statements sent while it is in use: `with query_counter() as counted: ...`."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)

    return counting


class TestApp(webtest.TestApp):
    @property
    def app_dbsession(self):
        return self.extra_environ["app.dbsession"]

    def get_csrf_token(self, path="/register"):
        """A page with a form hands out the session's CSRF token."""
        return self.get(path).forms[0]["csrf_token"].value

    def login(self, email, password=TEST_PASSWORD, status=303):
        form = self.get("/login").forms["login"]
        form["email"] = email
        form["password"] = password
        return form.submit("login", status=status)

    def logout(self):
        return self.post("/logout", {"csrf_token": self.get_csrf_token("/me")}, status=303)


@pytest.fixture
def testapp(app, tm, dbsession, clock):
    return TestApp(
        app,
        extra_environ={
            "HTTP_HOST": "example.com",
            "tm.active": True,  # the test's transaction manager, not pyramid_tm's, owns the transaction
            "tm.manager": tm,
            "app.dbsession": dbsession,
        },
    )


@pytest.fixture
def en(testapp):
    """The same app, switched to English (the choice is kept in a cookie)."""
    testapp.get("/?_LOCALE_=en")
    return testapp
