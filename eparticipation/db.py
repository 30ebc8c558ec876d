"""The database: declarative base, engine, and one session per request joined to pyramid_tm."""

from datetime import datetime, timezone

import sqlalchemy as sa
import zope.sqlalchemy
from pyramid.settings import asbool
from pyramid_retry import mark_error_retryable
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, sessionmaker

# Alembic's recommended naming convention, so every constraint has a stable name in migrations.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.TypeDecorator):
    """A point in time, stored in UTC and always read back aware (SQLite would return it naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; use an aware one")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def portable_enum(enum_class, name):
    """An enum column that is the same on SQLite and PostgreSQL: VARCHAR plus a CHECK constraint, stored by value."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def dialect_insert(dbsession, model):
    """An INSERT that knows ON CONFLICT on both databases we run on (PostgreSQL and SQLite), for upserts
    whose uniqueness the database guarantees under concurrency."""
    if dbsession.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def get_engine(settings, prefix="sqlalchemy."):
    """The engine of `sqlalchemy.*` settings: url, pool_size, max_overflow, pool_pre_ping (a checked-out
    connection is tested first, so one the server closed while idle is replaced, not handed to a request),
    hide_parameters (a failed statement's error, and so the log, names no value: no e-mail, no comment)."""
    settings = dict(settings)
    for flag in ("pool_pre_ping", "hide_parameters"):  # engine_from_config leaves them strings: "false" is true
        if prefix + flag in settings:
            settings[prefix + flag] = asbool(settings[prefix + flag])
    engine = sa.engine_from_config(settings, prefix)
    if engine.dialect.name == "sqlite":
        _make_sqlite_transactional(engine)
    event.listen(engine, "handle_error", _mark_disconnect_retryable)
    return engine


def _mark_disconnect_retryable(context):
    """A connection lost in the middle of a request (the server restarted, an administrator ended it, the
    network failed) makes that attempt fail; pyramid_retry then runs the request again on a new connection,
    instead of answering 500. The pool has already been told to discard the dead connection."""
    if context.is_disconnect and context.sqlalchemy_exception is not None:
        mark_error_retryable(context.sqlalchemy_exception)


def _make_sqlite_transactional(engine):
    """Let SQLAlchemy, not pysqlite, begin transactions, so SAVEPOINTs and rollbacks behave; enforce
    foreign keys, which SQLite ignores by default.

    A transaction that may write takes the write lock when it begins (BEGIN IMMEDIATE) and waits for it up to
    the busy timeout: one that read first and then tried to write would otherwise fail at once with "database is
    locked" when another writes. A request that only reads (GET, HEAD, OPTIONS) begins DEFERRED instead, on its
    snapshot of the write-ahead log, so page views never queue behind a burst of votes; should such a request
    write after all and find the lock taken, the error is retryable and its retry begins IMMEDIATE
    (`sqlite_begin` below). SQLite is the embedded development database; production runs on PostgreSQL."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 15000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql(f"BEGIN {connection.get_execution_options().get('sqlite_begin', 'IMMEDIATE')}")

    @event.listens_for(engine, "handle_error")
    def on_error(context):
        # A reading request's deferred transaction that had to write while another held the lock: run it again,
        # beginning IMMEDIATE (dbsession below).
        if context.sqlalchemy_exception is not None and "database is locked" in str(context.original_exception):
            mark_error_retryable(context.sqlalchemy_exception)


# Requests that only read: on SQLite their transaction need not take the write lock.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reading_engine(engine):
    """The engine a request that only reads uses: on SQLite, its transactions begin DEFERRED."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(sqlite_begin="DEFERRED")


def get_session_factory(engine):
    return sessionmaker(bind=engine)


def get_tm_session(session_factory, transaction_manager, request=None, bind=None):
    dbsession = session_factory(info={"request": request}, **({"bind": bind} if bind is not None else {}))
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    # A unique constraint that fires under a race is retried: the second attempt's
    # validation then sees the winner's row and answers with a clear message.
    mark_error_retryable(IntegrityError)

    engine = get_engine(settings)
    session_factory = get_session_factory(engine)
    config.registry["dbsession_factory"] = session_factory
    config.registry["db_engine"] = engine
    for_reading = reading_engine(engine)

    def dbsession(request):
        # Tests hand in their own session (inside a rolled-back transaction) through the environ.
        session = request.environ.get("app.dbsession")
        if session is None:
            reads_only = request.method in READING_METHODS and not getattr(request, "retry_attempt", 0)
            session = get_tm_session(session_factory, request.tm, request=request,
                                     bind=for_reading if reads_only else None)
        return session

    config.add_request_method(dbsession, reify=True)
