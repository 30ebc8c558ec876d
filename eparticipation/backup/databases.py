"""The two databases we run on, as a backup sees them: a consistent copy of one, put back into another.

PostgreSQL is copied by `pg_dump --format=custom` and put back by `pg_restore`, both found on PATH. They reach
the database named by the app's URL with a libpq connection string on their command line and the password in
their environment (PGPASSWORD), so it never shows in `ps`. SQLite is copied with its online backup API, which
reads one consistent snapshot while the application goes on writing (the write-ahead log keeps writers and the
reader apart).
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from eparticipation.db import get_engine


class BackupError(Exception):
    """A backup or a restore that cannot be done or does not check out; the message says why."""


def database_for(url: str) -> "PostgreSQL | SQLite":
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return PostgreSQL(url)
    if parsed.get_backend_name() == "sqlite":
        return SQLite(url)
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {parsed.get_backend_name()}.")


def _engine(url: str) -> sa.Engine:
    # One connection at a time and none kept: a restore may drop what a pooled connection still holds.
    return get_engine({"sqlalchemy.url": url, "sqlalchemy.poolclass": NullPool})


def _holds_data(engine) -> dict[str, int]:
    """The tables that have rows, with their number (alembic_version alone is a migrated, empty database)."""
    try:
        with engine.connect() as connection:
            counts = row_counts(connection)
    finally:
        engine.dispose()
    return {table: rows for table, rows in counts.items() if rows and table != "alembic_version"}


def row_counts(connection) -> dict[str, int]:
    return {table: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))
            for table in sorted(sa.inspect(connection).get_table_names())}


def _run(tool: list[str], env: dict, what: str):
    try:
        completed = subprocess.run(tool, env=env, capture_output=True, text=True)
    except OSError as error:
        raise BackupError(f"{what} could not be run: {error}") from error
    if completed.returncode != 0:
        raise BackupError(f"{what} failed (exit {completed.returncode}): {completed.stderr.strip()}")
    return completed.stdout


def is_extension(line: str) -> bool:
    """A line of `pg_restore --list` for an extension or its comment ("123; 3079 16385 EXTENSION - pg_trgm")."""
    return " EXTENSION " in line and not line.startswith(";")


class PostgreSQL:
    kind = "postgresql"
    file_name = "database.dump"

    def __init__(self, url: str):
        self.url = url
        self.parsed = make_url(url)

    @property
    def name(self) -> str:
        return self.parsed.database or ""

    def engine(self) -> sa.Engine:
        return _engine(self.url)

    def holds_data(self) -> dict[str, int]:
        try:
            return _holds_data(self.engine())
        except OperationalError as error:
            raise BackupError(f"The database {self.name} cannot be reached (create it first if it does not "
                              f"exist): {error.orig}") from error

    def _tool(self, name: str) -> str:
        path = shutil.which(name)
        if path is None:
            raise BackupError(f"{name} was not found on PATH; install the PostgreSQL client tools "
                              f"(of the server's major version or newer).")
        return path

    def _connection(self) -> tuple[str, dict]:
        """A libpq connection string without the password, and the environment that carries the password."""
        values = {"dbname": self.parsed.database, "host": self.parsed.host, "port": self.parsed.port,
                  "user": self.parsed.username, **dict(self.parsed.query)}
        conninfo = " ".join(f"{key}='{_quote(value)}'" for key, value in values.items() if value is not None)
        env = {**os.environ}
        if self.parsed.password is not None:
            env["PGPASSWORD"] = self.parsed.password
        return conninfo, env

    def dump(self, path: Path, describe):
        """The database into `path`, and `describe(connection)` of the same moment: pg_dump shares the snapshot
        of a read-only transaction that stays open until it is done, however busy the site is."""
        pg_dump = self._tool("pg_dump")
        conninfo, env = self._connection()
        engine = self.engine()
        try:
            with engine.connect() as connection:
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
                with connection.begin():
                    connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                    snapshot_id = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
                    _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot_id}",
                          f"--file={path}", f"--dbname={conninfo}"], env, "pg_dump")
                    return describe(connection)
        except OperationalError as error:
            raise BackupError(f"The database {self.name} cannot be reached: {error.orig}") from error
        finally:
            engine.dispose()

    def restore(self, path: Path):
        """Into the database of the URL, in one transaction: a restore that fails leaves it as it was.

        The extensions the dump names (pg_trgm, for search) are left out: they belong to the database's
        administrator (deploy/postgresql-roles.sql creates them), and the owner restoring may neither drop nor
        create them. A target without one is refused before anything is changed."""
        pg_restore = self._tool("pg_restore")
        conninfo, env = self._connection()
        contents = _run([pg_restore, "--list", str(path)], env, "pg_restore --list").splitlines()
        needed = sorted({line.split()[-1] for line in contents if is_extension(line)})
        missing = self.missing_extensions(needed)
        if missing:
            raise BackupError(f"The database {self.name} lacks the extension(s) {', '.join(missing)}: its "
                              "administrator creates them first (deploy/postgresql-roles.sql).")
        with tempfile.TemporaryDirectory() as folder:  # the backup's own folder may be read-only
            listing = Path(folder) / "contents.list"
            listing.write_text("\n".join(line for line in contents if not is_extension(line)) + "\n")
            _run([pg_restore, "--no-owner", "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
                  "--no-password", f"--use-list={listing}", f"--dbname={conninfo}", str(path)], env, "pg_restore")

    def missing_extensions(self, names: list[str]) -> list[str]:
        if not names:
            return []
        engine = self.engine()
        try:
            with engine.connect() as connection:
                present = set(connection.scalars(sa.text("SELECT extname FROM pg_extension")))
        except OperationalError as error:
            raise BackupError(f"The database {self.name} cannot be reached: {error.orig}") from error
        finally:
            engine.dispose()
        return [name for name in names if name not in present]


class SQLite:
    kind = "sqlite"
    file_name = "database.sqlite"

    def __init__(self, url: str):
        self.url = url
        database = make_url(url).database
        if not database or database == ":memory:" or database.startswith("file:"):
            raise BackupError(f"Only an SQLite database in a file can be backed up or restored, not {url}.")
        self.path = Path(database).resolve()

    @property
    def name(self) -> str:
        return str(self.path)

    def engine(self) -> sa.Engine:
        return _engine(f"sqlite:///{self.path}")

    def holds_data(self) -> dict[str, int]:
        return _holds_data(self.engine()) if self.path.is_file() else {}

    def dump(self, path: Path, describe):
        """The database into `path` through the backup API, and `describe(connection)` of that copy."""
        if not self.path.is_file():
            raise BackupError(f"There is no SQLite database at {self.path}.")
        source = _read_only(self.path)
        target = sqlite3.connect(path)
        try:
            source.backup(target)  # all pages in one step: one read transaction, one consistent copy
            # The copy stands alone: no write-ahead log beside it, one file holds it all.
            target.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.Error as error:
            raise BackupError(f"The SQLite backup of {self.path} failed: {error}") from error
        finally:
            target.close()
            source.close()
        engine = sa.create_engine("sqlite://", creator=lambda: _read_only(path), poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return describe(connection)
        finally:
            engine.dispose()

    def restore(self, path: Path):
        """The copy's pages over the database of the URL (created if missing), through the backup API."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        source = _read_only(path)
        target = sqlite3.connect(self.path)
        try:
            source.backup(target)
        except sqlite3.Error as error:
            raise BackupError(f"The SQLite restore into {self.path} failed: {error}") from error
        finally:
            target.close()
            source.close()


def _quote(value) -> str:
    return str(value).replace("\\", "\\\\").replace("'", "\\'")


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
