"""The web processes' connection pools must fit in what PostgreSQL accepts:

    workers x (sqlalchemy.pool_size + sqlalchemy.max_overflow)
        <= max_connections - superuser_reserved_connections - eparticipation.database.reserved_connections

where the reserved connections are those of everything else: delivery and report workers, the tick,
migrations, backups, an operator's psql. gunicorn's master checks it before it starts the workers.
"""

import logging

import sqlalchemy as sa

log = logging.getLogger(__name__)

# SQLAlchemy's QueuePool defaults, used where the settings name none.
DEFAULT_POOL_SIZE = 5
DEFAULT_MAX_OVERFLOW = 10
DEFAULT_RESERVED = 10


class ConnectionBudgetExceeded(RuntimeError):
    pass


def connections_per_process(settings) -> int:
    return int(settings.get("sqlalchemy.pool_size", DEFAULT_POOL_SIZE)) + int(
        settings.get("sqlalchemy.max_overflow", DEFAULT_MAX_OVERFLOW))


def check_connection_budget(registry, processes: int) -> dict | None:
    """Refuse to start when the pools could open more connections than the server accepts (PostgreSQL only:
    SQLite has no such limit). Returns the arithmetic, which is also logged."""
    engine = registry["db_engine"]
    if engine.dialect.name != "postgresql":
        return None
    settings = registry.settings
    try:
        with engine.connect() as connection:
            max_connections = int(connection.exec_driver_sql("SHOW max_connections").scalar())
            superuser_reserved = int(connection.exec_driver_sql("SHOW superuser_reserved_connections").scalar())
    except sa.exc.OperationalError as error:
        # The server starts all the same: /health/ready tells the load balancer until the database is back.
        log.warning("the database connections could not be counted, the database does not answer: %s", error)
        return None
    finally:
        # The master's own connection is not to be inherited by the workers.
        engine.dispose()
    budget = {
        "processes": processes,
        "per_process": connections_per_process(settings),
        "max_connections": max_connections,
        "superuser_reserved": superuser_reserved,
        "reserved": int(settings.get("eparticipation.database.reserved_connections", DEFAULT_RESERVED)),
    }
    budget["needed"] = budget["processes"] * budget["per_process"]
    budget["available"] = max_connections - superuser_reserved - budget["reserved"]
    arithmetic = ("{processes} processes x {per_process} connections = {needed}; PostgreSQL accepts "
                  "{max_connections} - {superuser_reserved} (superuser) - {reserved} (other processes) = {available}"
                  ).format(**budget)
    if budget["needed"] > budget["available"]:
        raise ConnectionBudgetExceeded(
            f"the database pools do not fit: {arithmetic}. Lower workers, sqlalchemy.pool_size or "
            "sqlalchemy.max_overflow, or raise PostgreSQL's max_connections")
    log.info("database connections: %s", arithmetic)
    return budget
