"""On SQLite, page views do not queue behind writes: a request that only reads begins its transaction DEFERRED
(on its snapshot of the write-ahead log), one that may write begins IMMEDIATE and waits for the write lock.

These requests run in pyramid_tm's own transactions (no test transaction around them), as a server's would."""

import threading

import pytest
import sqlalchemy as sa
from webtest import TestApp

pytestmark = pytest.mark.usefixtures("sqlite_only")


@pytest.fixture
def sqlite_only(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's locking; PostgreSQL's readers never wait for writers")


@pytest.fixture
def server_app(app):
    return TestApp(app, extra_environ={"HTTP_HOST": "example.com"})


@pytest.fixture
def begins(app):
    """The BEGIN statements the application's own engine sends."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    engine = app.registry["db_engine"]
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def test_a_page_view_begins_deferred_and_a_form_immediate(server_app, begins):
    server_app.get("/consultations/", status=200)
    assert begins and set(begins) == {"BEGIN DEFERRED"}
    form = server_app.get("/login", status=200).forms["login"]
    begins.clear()
    form["email"], form["password"] = "nobody@example.org", "not the password"
    form.submit("login", status=400)  # refused sign-in: the form again, after the attempt was counted
    assert "BEGIN IMMEDIATE" in begins and "BEGIN DEFERRED" not in begins


def test_a_page_view_is_served_while_another_request_holds_the_write_lock(engine, server_app):
    served = {}

    def view():
        served["status"] = server_app.get("/consultations/").status_int

    with engine.connect() as writer:
        writer.begin()  # BEGIN IMMEDIATE: the write lock, as a vote being written holds it
        writer.execute(sa.text("SELECT 1"))
        reader = threading.Thread(target=view)
        reader.start()
        # The busy timeout is 15 s: a reader that waited for the lock would still be waiting.
        reader.join(timeout=10)
        served_while_locked = not reader.is_alive()
        writer.rollback()
    reader.join()
    assert served_while_locked and served == {"status": 200}


def test_a_reading_transaction_that_must_write_after_another_wrote_is_retried(engine):
    """A signed-in page view writes (the session's last-seen time). If another request wrote since its deferred
    transaction began, SQLite refuses at once; the request is then run again, beginning IMMEDIATE."""
    from pyramid_retry import IRetryableError

    from eparticipation.db import reading_engine

    table = sa.table("retry_probe", sa.column("n"))
    with engine.begin() as setup:
        setup.exec_driver_sql("CREATE TABLE IF NOT EXISTS retry_probe (n INTEGER)")
    try:
        with reading_engine(engine).connect() as reader:
            reader.begin()
            reader.execute(sa.select(sa.func.count()).select_from(table))  # the snapshot is taken here
            with engine.begin() as writer:
                writer.execute(table.insert().values(n=1))
            with pytest.raises(sa.exc.OperationalError, match="database is locked") as refused:
                reader.execute(table.insert().values(n=2))
            reader.rollback()
        assert IRetryableError.providedBy(refused.value)
    finally:
        with engine.begin() as cleanup:
            cleanup.exec_driver_sql("DROP TABLE retry_probe")
