"""The auditor's commands: `eparticipation-audit-checkpoints` writes a copy of the checkpoints outside the
database, and `eparticipation-audit-verify --checkpoints` checks the chain against it, on a database of their
own (the commands commit): SQLite, or a scratch database beside TEST_DATABASE_URL's on PostgreSQL."""

import configparser
import functools
import http.server
import importlib
import json
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from eparticipation.audit.chain import append
from eparticipation.audit.models import AuditEntry
from eparticipation.audit.signing import CheckpointPolicy, Signer, load_private_key, public_key_pem
from eparticipation.db import get_engine

from ..conftest import NOW, PROJECT, TEST_SIGNING_KEY, alembic_config
from .test_audit_checkpoints import rewrite_from, set_triggers

SIGNER = Signer(load_private_key(TEST_SIGNING_KEY))


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """An empty database for the commands, dropped afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'verify.sqlite'}"
        return
    name = f"{url.database}_verify"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture
def site(tmp_path, app_settings, scratch_url):
    """A migrated database with seven committed entries, checkpointed every third, and its ini file."""
    parser = configparser.ConfigParser(interpolation=None)
    parser["app:main"] = {**app_settings, "use": "egg:eparticipation", "sqlalchemy.url": scratch_url}
    parser["alembic"] = {"script_location": str(PROJECT / "migrations"), "sqlalchemy.url": scratch_url}
    path = tmp_path / "site.ini"
    with path.open("w") as file:
        parser.write(file)
    engine = get_engine({"sqlalchemy.url": scratch_url})
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    with Session(engine) as session, session.begin():
        for i in range(7):
            append(session, at=NOW + timedelta(minutes=i), actor_id=None, action="test.step", object_type="Test",
                   object_id=i, after={"n": i}, checkpoints=CheckpointPolicy(enabled=True, every=3, signer=SIGNER))
    yield path, engine
    engine.dispose()


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run(capsys):
    """Runs a command's main() in the test's process (a new interpreter per run costs seconds)."""

    def running(module, *args):
        capsys.readouterr()
        returncode = importlib.import_module(f"eparticipation.scripts.{module}").main([str(a) for a in args])
        out, err = capsys.readouterr()
        return Done(returncode, out, err)

    return running


def owner_changes(engine, change):
    """Something done with the owner's rights: triggers off, the change, triggers on, committed."""
    with Session(engine) as session, session.begin():
        set_triggers(session, "audit_log", on=False)
        change(session)
        set_triggers(session, "audit_log", on=True)


def test_the_head_is_signed_exported_and_a_kept_copy_verifies(site, tmp_path, run):
    path, engine = site
    done = run("audit_checkpoints", "sign", path)
    assert done.returncode == 0 and "Checkpoint written at entry 7" in done.stdout, done.stderr
    copy = tmp_path / "mirror" / "checkpoints.json"
    copy.parent.mkdir()
    done = run("audit_checkpoints", "export", path, copy)
    assert done.returncode == 0, done.stderr
    assert [c["seq"] for c in json.loads(copy.read_text())["checkpoints"]] == [3, 6, 7]

    done = run("audit_verify", path, "--checkpoints", copy)
    assert done.returncode == 0, done.stderr
    assert "The audit log verifies: 7 entries" in done.stdout
    assert f"It holds against 3 signed checkpoints (key {SIGNER.key_id}); the newest, of entry 7" in done.stdout

    # The site then loses its last entries (the checkpoints table is the owner's to empty as well): the copy
    # kept outside still knows.
    owner_changes(engine, lambda session: session.execute(sa.text("DELETE FROM audit_log WHERE seq > 5")))
    assert run("audit_verify", path).returncode == 0  # the chain alone cannot tell
    done = run("audit_verify", path, "--checkpoints", copy)
    assert done.returncode == 1
    assert ("The audit log does not match its checkpoints: the log has 5 entries but the checkpoint of entry 7 "
            "signed at") in done.stderr
    assert "entries 6 to 7 were cut off" in done.stderr


def test_a_rewritten_log_fails_against_the_copy_fetched_from_a_url(site, tmp_path, run):
    path, engine = site
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    assert run("audit_checkpoints", "export", path, mirror / "checkpoints.json").returncode == 0
    (mirror / "public-key.pem").write_text(public_key_pem(SIGNER.public_key))
    with Session(engine) as session, session.begin():
        rewrite_from(session, 2, {"n": 99})  # as the owner, triggers off and on again
    with Session(engine) as session:
        assert session.get(AuditEntry, 2).after == {"n": 99}
    assert run("audit_verify", path).returncode == 0  # every hash recomputed: the chain verifies

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(mirror)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        done = run("audit_verify", path, "--checkpoints", f"{base}/checkpoints.json",
                   "--public-key", f"{base}/public-key.pem")
    finally:
        server.shutdown()
    assert done.returncode == 1
    assert "does not match its checkpoints: entry 3 has hash" in done.stderr
    assert "the log was rewritten at or before entry 3" in done.stderr


def test_a_tampered_copy_or_an_unreadable_one_is_reported(site, tmp_path, run):
    path, _ = site
    copy = tmp_path / "checkpoints.json"
    assert run("audit_checkpoints", "export", path, copy).returncode == 0
    document = json.loads(copy.read_text())
    document["checkpoints"][0]["entry_hash"] = "b" * 64
    copy.write_text(json.dumps(document))
    done = run("audit_verify", path, "--checkpoints", copy)
    assert done.returncode == 1
    assert "the checkpoint of entry 3 signed at" in done.stderr and "was altered or forged" in done.stderr

    done = run("audit_verify", path, "--checkpoints", tmp_path / "missing.json")
    assert done.returncode == 2
    assert "Cannot check the audit log against checkpoints:" in done.stderr and "missing.json" in done.stderr
    copy.write_text("<html>not a feed</html>")
    done = run("audit_verify", path, "--checkpoints", copy)
    assert done.returncode == 2 and "is not JSON" in done.stderr


def test_a_new_key_is_printed_for_the_environment():
    done = subprocess.run([sys.executable, "-m", "eparticipation.scripts.audit_checkpoints", "new-key"],
                          capture_output=True, text=True, cwd=PROJECT)
    assert done.returncode == 0
    variable, _, value = done.stdout.strip().partition("=")
    assert variable == "AUDIT_SIGNING_KEY"
    assert Signer(load_private_key(value)).key_id in done.stderr
