"""The database roles of deploy/postgresql-roles.sql: the owner runs the migrations; the application's role
owns nothing, so it cannot switch the audit triggers off, and it cannot change the audit tables' rows, yet
the application works as it (PostgreSQL only: SQLite has no roles)."""

import shutil
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from eparticipation import main
from eparticipation.audit.chain import append, checkpoint_head, verify
from eparticipation.audit.models import AuditCheckpoint, AuditEntry
from eparticipation.audit.signing import Signer, load_private_key
from eparticipation.clock import FrozenClock

from ..conftest import NOW, PROJECT, TEST_SIGNING_KEY, TestApp, alembic_config
from ..factories import make_agency, make_draft, make_user

SCRIPT = PROJECT / "deploy" / "postgresql-roles.sql"


@pytest.fixture
def roles(database_url):
    """A scratch database and two roles named after the test database, set up as the README says: the
    script, the migrations as the owner, the script again; all dropped afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("database roles are PostgreSQL's (TEST_DATABASE_URL=postgresql+psycopg://...)")
    if shutil.which("psql") is None:
        pytest.skip("the roles script runs with psql, which is not installed")
    base = url.database
    names = {"database": f"{base}_roles", "owner": f"{base}_owner", "app": f"{base}_app"}
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def drop_all():
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{names["database"]}" WITH (FORCE)'))
            for role in (names["app"], names["owner"]):
                connection.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))

    def run_script():
        done = subprocess.run(
            ["psql", "-X", "-q", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username,
             "-d", names["database"], "-v", f"owner={names['owner']}", "-v", f"app={names['app']}", "-f", str(SCRIPT)],
            capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    drop_all()
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{names["database"]}"'))
    engines = {}
    try:
        run_script()
        for role in ("owner", "app"):
            engines[role] = sa.create_engine(url.set(username=names[role], password=None, database=names["database"]))
        with engines["owner"].begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        run_script()
        yield {**names, "engines": engines, "app_url": engines["app"].url}
    finally:
        for engine in engines.values():
            engine.dispose()
        drop_all()
        server.dispose()


def refused(engine, statement, message):
    with engine.connect() as connection, pytest.raises(sa.exc.ProgrammingError, match=message):
        connection.execute(sa.text(statement))


def test_the_application_role_owns_nothing_and_cannot_switch_the_audit_triggers_off(roles):
    app = roles["engines"]["app"]
    with app.connect() as connection:
        owned = connection.execute(sa.text("""
            SELECT 'relation ' || relname FROM pg_class WHERE relowner = current_user::regrole
            UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proowner = current_user::regrole
            UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspowner = current_user::regrole
            UNION ALL SELECT 'database ' || datname FROM pg_database WHERE datdba = current_user::regrole
        """)).scalars().all()
        tables = connection.execute(sa.text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = :owner"),
            {"owner": roles["owner"]}).scalar()
    assert owned == []
    assert tables > 20  # the migrations ran as the owner: every table is the owner's

    for table in ("audit_log", "audit_checkpoints"):
        for statement in (f"ALTER TABLE {table} DISABLE TRIGGER ALL", f"ALTER TABLE {table} DISABLE TRIGGER USER",
                          f"DROP TRIGGER {table}_append_only ON {table}", f"ALTER TABLE {table} OWNER TO CURRENT_USER"):
            refused(app, statement, f"must be owner of (table|relation) {table}")
        for statement in (f"UPDATE {table} SET seq = seq", f"DELETE FROM {table}", f"TRUNCATE {table}"):
            refused(app, statement, f"permission denied for table {table}")
    refused(app, "UPDATE alembic_version SET version_num = version_num", "permission denied for table alembic_version")
    refused(app, "CREATE TABLE shadow_log (seq integer)", "permission denied for schema public")


def test_the_application_writes_as_its_role(roles, app_settings):
    """Rows added with the role, then a sign-in, an article edit and an opening over HTTP: every write of
    the journey, its audit entries and a checkpoint go through with only the role's grants."""
    engine = roles["engines"]["app"]
    with Session(engine) as session, session.begin():
        agency = make_agency(session, code="tax")
        make_user(session, email="editor@example.org", grants=[("editor", agency)])
        make_user(session, email="coordinator@example.org", grants=[("coordinator", agency)])
        draft_id = make_draft(session, agency).id
        append(session, at=NOW, actor_id=None, action="test.step", object_type="Test", object_id=1)

    app = main({}, **{**app_settings, "sqlalchemy.url": roles["app_url"].render_as_string(hide_password=False)})
    app.registry["clock"] = FrozenClock(NOW)
    web = TestApp(app, extra_environ={"HTTP_HOST": "example.com"})
    web.login("editor@example.org")
    form = web.get(f"/consultations/{draft_id}/articles/1/edit").forms["article"]
    form["text"] = "متن تازه ماده یک"
    form.submit("save", status=303)
    web.logout()
    web.login("coordinator@example.org")
    form = web.get(f"/consultations/{draft_id}/open").forms["transition"]
    form["start"], form["end"] = "۱۴۰۵/۰۹/۰۶", "۱۴۰۵/۱۰/۱۰"
    form.submit("confirm", status=303)
    app.registry["db_engine"].dispose()

    with Session(engine) as session, session.begin():
        actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.seq)).all()
        assert actions == ["test.step", "article.edit", "draft.open"]
        assert checkpoint_head(session, Signer(load_private_key(TEST_SIGNING_KEY)), at=NOW + timedelta(hours=1)) == 3
    with Session(engine) as session:
        assert verify(session).ok and verify(session).checked == 3
        assert session.scalar(sa.select(AuditCheckpoint.seq)) == 3
