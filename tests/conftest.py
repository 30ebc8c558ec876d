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

from .factories import TEST_PASSWORD, TEST_SESSION_SECRET

PROJECT = Path(__file__).resolve().parent.parent
# The tests' key for the audit checkpoints (production takes its own from AUDIT_SIGNING_KEY).
TEST_SIGNING_KEY = "vKDx2Iv5XZwdHg17sDBiHrb44xNHEDekDZjpGvKiesw="
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
        "eparticipation.session_secret": TEST_SESSION_SECRET,
        "eparticipation.secure_cookies": "false",
        "eparticipation.login_throttle.max_failures": "5",
        "eparticipation.login_throttle.window_minutes": "15",
        "retry.attempts": "3",
        # Tests move the clock by days and weeks while someone is signed in. Production's limits (8 hours idle, 7
        # days in all) have their own tests: tests/functional/test_sessions.py reads them from production.ini.
        "eparticipation.sessions.idle_minutes": str(365 * 24 * 60),
        "eparticipation.sessions.lifetime_hours": str(365 * 24),
        # The tests' rows are not committed: a second connection would not see them (statistics.alongside).
        # Production's value (true) has its own tests, on committed rows: tests/functional/test_report_worker.py.
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
        # Checkpoints as in production.ini.
        "eparticipation.audit.checkpoints": "true",
        "eparticipation.audit.checkpoint_every": "1000",
        "eparticipation.audit.signing_key": TEST_SIGNING_KEY,
        "eparticipation.certificates.signing_key": "derive-from-session-secret",
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
        response = form.submit("login", status=status)
        if response.status_int == 303 and response.location.endswith("/login-code"):
            response = self.enter_code(email)
        return response

    def enter_code(self, email, status=303):
        """The sign-in's second step, with the account's current code. Its last used step is forgotten first, as
        30 seconds would: a test may sign the same person in twice at one frozen moment."""
        from eparticipation.accounts.second_factor import current_code, decrypt_secret
        from eparticipation.accounts.services import find_user_by_email

        def secret_of(dbsession):
            factor = find_user_by_email(dbsession, email).second_factor
            factor.last_used_step = None
            dbsession.flush()
            return decrypt_secret(registry.settings, factor.secret)

        registry = self.app.registry
        if "app.dbsession" in self.extra_environ:
            secret = secret_of(self.app_dbsession)
        else:  # an app that commits for real (a site of its own)
            with registry["dbsession_factory"]() as dbsession, dbsession.begin():
                secret = secret_of(dbsession)
        code = current_code(secret, registry["clock"].now())
        form = self.get("/login-code").forms["login-code"]
        form["code"] = code
        return form.submit("verify", status=status)

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


@pytest.fixture(autouse=True)
def fresh_api_counters(request):
    """The open-data API counts each client's requests in the app's memory, and every test's clock shows the same
    moment: each test that uses the app starts from no request."""
    if "testapp" in request.fixturenames:
        from eparticipation.ratelimits import LocalCounters

        request.getfixturevalue("app").registry["eparticipation.api.rate_counters"] = LocalCounters()


@pytest.fixture
def en(testapp):
    """The same app, switched to English (the choice is kept in a cookie)."""
    testapp.get("/?_LOCALE_=en")
    return testapp
