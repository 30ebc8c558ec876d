"""The backup and restore drill, as an operator runs it: the console scripts on ini files, a site with committed
data in a database and files folder of its own, restored into a new database and a new folder.

Unlike most of the suite these commit for real (pg_dump and the backup API read what is committed), in
databases made for the test: SQLite files, or PostgreSQL databases named after the test database, made from
the `postgres` database and dropped at the end."""

import io
import json
import threading
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from webtest import Upload

from eparticipation import main
from eparticipation.audit.chain import append, verify
from eparticipation.audit.models import AuditEntry
from eparticipation.backup import back_up, read_manifest, restore as restore_backup
from eparticipation.backup.databases import database_for, row_counts
from eparticipation.db import get_engine, utcnow
from eparticipation.scripts import backup, restore

from ..conftest import TestApp, alembic_config
from ..factories import make_agency, make_comment, make_draft, make_user

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EDITOR = "editor@example.org"


def docx_bytes(text):
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def is_postgresql(url) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


@pytest.fixture
def new_database(database_url, tmp_path):
    """`new_database(name)`: the URL of a new, empty database of the test's own."""
    url = make_url(database_url)
    if not is_postgresql(database_url):
        yield lambda name, extensions=(): f"sqlite:///{tmp_path / name}.sqlite"
        return
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    made = []

    def create(name, extensions=("pg_trgm",)):
        """As the database's administrator makes it (deploy/postgresql-roles.sql), with its extensions."""
        database = f"{url.database}_{name}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
        made.append(database)
        made_url = url.set(database=database)
        if extensions:
            engine = sa.create_engine(made_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
            with engine.connect() as connection:
                for extension in extensions:
                    connection.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {extension} SCHEMA public")
            engine.dispose()
        return made_url.render_as_string(hide_password=False)

    yield create
    with admin.connect() as connection:
        for database in made:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    admin.dispose()


def write_ini(path: Path, url: str, files_dir: Path) -> Path:
    path.write_text(f"[app:main]\nuse = egg:eparticipation\nsqlalchemy.url = {url}\n"
                    f"eparticipation.files_dir = {files_dir}\n", encoding="utf-8")
    return path


def counts(url) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return row_counts(connection)
    finally:
        engine.dispose()


class Site:
    """A site with committed data: a consultation with comments, two drafts with their original documents
    uploaded through the application, and audit entries (the uploads' and some with Persian content)."""

    def __init__(self, url, files_dir, app_settings):
        self.url, self.files_dir = url, files_dir
        self.settings = {**app_settings, "sqlalchemy.url": url, "eparticipation.files_dir": str(files_dir)}
        engine = get_engine({"sqlalchemy.url": url})
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        with Session(engine) as session:
            agency = make_agency(session, code="tax")
            editor = make_user(session, email=EDITOR, grants=[("editor", agency)])
            consultation = make_draft(session, agency, state="consultation")
            for number in range(5):
                make_comment(session, consultation, make_user(session), body=f"نظر شماره {number} درباره ماده")
            drafts = [make_draft(session, agency), make_draft(session, agency)]
            for number in range(3):
                append(session, at=utcnow(), actor_id=editor.id, action="comment.hide", object_type="Comment",
                       object_id=number, agency_id=agency.id, draft_id=consultation.id,
                       before={"state": "visible", "reason": "تبلیغ"}, after={"state": "hidden"})
            session.commit()
            self.uploads = {drafts[0].id: PDF_BYTES, drafts[1].id: docx_bytes("ماده ۱ – کلیات")}
        engine.dispose()
        web = self.web()
        for draft_id, content in self.uploads.items():
            form = web.get(f"/consultations/{draft_id}/attach").forms["attach"]
            form["upload"] = Upload("original", content)
            form.submit("attach", status=303)
        self.close(web)

    def web(self, settings=None) -> TestApp:
        web = TestApp(main({}, **(settings or self.settings)), extra_environ={"HTTP_HOST": "example.com"})
        web.login(EDITOR)
        return web

    @staticmethod
    def close(web):
        web.app.registry["db_engine"].dispose()


@pytest.fixture
def site(new_database, tmp_path, app_settings):
    return Site(new_database("drill"), tmp_path / "site-files", app_settings)


@pytest.fixture
def backed_up(site, tmp_path, capsys):
    """The site's backup, made by the console script; its folder."""
    ini = write_ini(tmp_path / "site.ini", site.url, site.files_dir)
    assert backup.main([str(ini), str(tmp_path / "backups")]) == 0
    folder, = (tmp_path / "backups").iterdir()
    assert f"Backup written to {folder}" in capsys.readouterr().out
    return folder


@pytest.fixture
def target(new_database, tmp_path):
    """A new database and a new files folder to restore into, and the ini that names them."""
    url, files_dir = new_database("drill_restored"), tmp_path / "restored-files"
    return url, files_dir, write_ini(tmp_path / "restored.ini", url, files_dir)


def test_a_backup_restored_into_a_new_database_and_folder_is_the_site(site, backed_up, target, capsys,
                                                                      monkeypatch):
    manifest = read_manifest(backed_up)
    url, files_dir, ini = target
    # As for the application, the environment's DATABASE_URL wins over the ini file's; a drill names its own
    # files folder.
    write_ini(ini, "sqlite:////nonexistent/not-this-one.sqlite", "/nonexistent/files")
    monkeypatch.setenv("DATABASE_URL", url)
    assert restore.main([str(ini), str(backed_up), "--files-dir", str(files_dir)]) == 0
    assert "and checked it" in capsys.readouterr().out

    # Every table has the site's rows, counted here, not taken from the manifest.
    original, restored = counts(site.url), counts(url)
    assert restored == original == manifest["rows"]
    assert original["comments"] == 5 and original["drafts"] == 3 and original["audit_log"] == 5
    assert len([name for name in manifest["files"] if name.startswith("files/")]) == len(site.uploads) == 2

    # Every original document downloads, the same bytes, from an app on the restored database and folder.
    web = site.web({**site.settings, "sqlalchemy.url": url, "eparticipation.files_dir": str(files_dir)})
    try:
        for draft_id, content in site.uploads.items():
            assert web.get(f"/consultations/{draft_id}/original").body == content
    finally:
        Site.close(web)

    # The audit chain verifies and ends at the head the backup saved, which is the site's.
    engines = [sa.create_engine(u, poolclass=NullPool) for u in (site.url, url)]
    try:
        with Session(engines[0]) as before, Session(engines[1]) as after:
            saved, found = verify(before), verify(after)
    finally:
        for engine in engines:
            engine.dispose()
    assert found.ok and found.checked == manifest["audit_head"]["seq"] == saved.checked == 5
    assert found.head_hash == manifest["audit_head"]["hash"] == saved.head_hash


def test_a_changed_file_in_the_backup_makes_the_restore_fail_before_it_touches_anything(backed_up, target, capsys):
    manifest = read_manifest(backed_up)
    stored = next(name for name in manifest["files"] if name.startswith("files/"))
    (backed_up / stored).write_bytes(b"%PDF-1.4 another document")
    url, files_dir, ini = target
    assert restore.main([str(ini), str(backed_up)]) == 1
    error = capsys.readouterr().err
    assert "The backup is damaged, nothing was restored" in error and f"{stored} in the backup" in error
    assert database_for(url).holds_data() == {} and not files_dir.exists()


def test_a_database_without_the_search_extension_is_refused_before_anything_changes(backed_up, new_database,
                                                                                       tmp_path, capsys):
    """The restore leaves the dump's extensions to the database's administrator (the owner restoring may neither
    drop nor create them): a database without pg_trgm is told so, and nothing is restored."""
    url = new_database("no_extension", extensions=())
    if not is_postgresql(url):
        pytest.skip("SQLite has no extensions to create")
    ini = write_ini(tmp_path / "bare.ini", url, tmp_path / "bare-files")
    assert restore.main([str(ini), str(backed_up)]) == 1
    error = capsys.readouterr().err
    assert "lacks the extension(s) pg_trgm" in error and "deploy/postgresql-roles.sql" in error
    assert database_for(url).holds_data() == {} and not (tmp_path / "bare-files").exists()


def cut_audit_entries(url, keep: int):
    """What someone with the database's keys could do: take the triggers away, delete the last entries."""
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        if is_postgresql(url):
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        connection.execute(sa.delete(AuditEntry).where(AuditEntry.seq > keep))
    engine.dispose()


def test_a_backup_whose_audit_entries_were_cut_does_not_check_out(site, backed_up, target, new_database, tmp_path,
                                                                 capsys):
    # The backup's database is replaced by one with the last two entries cut, and its checksum in the
    # manifest by the new one: what the manifest's rows and audit head then catch.
    manifest = read_manifest(backed_up)
    scratch = {"sqlalchemy.url": new_database("drill_cut"), "eparticipation.files_dir": str(tmp_path / "cut-files")}
    assert restore_backup(scratch, backed_up).ok
    cut_audit_entries(scratch["sqlalchemy.url"], keep=3)
    recut = back_up(scratch, tmp_path / "recut")
    database_file = manifest["database"]["file"]
    (backed_up / database_file).write_bytes((recut / database_file).read_bytes())
    manifest["files"][database_file] = read_manifest(recut)["files"][database_file]
    (backed_up / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    url, files_dir, ini = target
    assert restore.main([str(ini), str(backed_up)]) == 1
    error = capsys.readouterr().err
    head = manifest["audit_head"]
    assert "was restored but does not check out" in error
    assert "table audit_log has 3 rows where the backup has 5" in error
    assert "the audit log ends at entry 3" in error and f"the backup's at entry 5 ({head['hash']})" in error


def test_a_backup_without_its_manifest_is_refused(backed_up, target, capsys):
    (backed_up / "manifest.json").unlink()
    url, files_dir, ini = target
    assert restore.main([str(ini), str(backed_up)]) == 1
    assert "has no manifest.json: it is not a backup, or not a complete one" in capsys.readouterr().err
    assert database_for(url).holds_data() == {}


def test_a_manifest_that_names_a_file_outside_the_backup_is_refused(backed_up, target, tmp_path, capsys):
    manifest = read_manifest(backed_up)
    manifest["files"]["files/../../escaped"] = {"sha256": "0" * 64, "bytes": 0}
    (backed_up / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    url, files_dir, ini = target
    assert restore.main([str(ini), str(backed_up)]) == 1
    assert "names a file outside the backup: files/../../escaped" in capsys.readouterr().err
    assert database_for(url).holds_data() == {} and not (tmp_path / "escaped").exists()


def test_a_database_that_holds_data_is_only_replaced_with_force(site, backed_up, tmp_path, capsys):
    ini = write_ini(tmp_path / "site.ini", site.url, site.files_dir)
    before = counts(site.url)
    assert restore.main([str(ini), str(backed_up)]) == 1
    error = capsys.readouterr().err
    assert "Nothing was restored" in error and "holds rows in" in error and "pass --force" in error
    assert counts(site.url) == before
    assert restore.main([str(ini), str(backed_up), "--force"]) == 0
    assert counts(site.url) == before


def test_a_backup_that_fails_leaves_no_backup(database_url, tmp_path, capsys):
    # An unreachable database: a PostgreSQL port nobody listens on, an SQLite file that is not there.
    url = (make_url(database_url).set(port=1).render_as_string(hide_password=False) if is_postgresql(database_url)
           else f"sqlite:///{tmp_path / 'missing.sqlite'}")
    ini = write_ini(tmp_path / "site.ini", url, tmp_path / "files")
    assert backup.main([str(ini), str(tmp_path / "backups")]) == 1
    assert "Backup failed: " in capsys.readouterr().err
    assert list((tmp_path / "backups").iterdir()) == []


def test_a_backup_interrupted_after_the_database_leaves_no_backup(site, tmp_path, capsys, monkeypatch):
    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("eparticipation.backup.services._copy_store", full_disk)
    ini = write_ini(tmp_path / "site.ini", site.url, site.files_dir)
    assert backup.main([str(ini), str(tmp_path / "backups")]) == 1
    assert "Backup failed: [Errno 28] No space left on device" in capsys.readouterr().err
    assert list((tmp_path / "backups").iterdir()) == []


def test_without_pg_dump_on_path_the_backup_fails_and_says_so(database_url, tmp_path, capsys, monkeypatch):
    if not is_postgresql(database_url):
        pytest.skip("pg_dump backs up PostgreSQL only; SQLite needs no tool")
    monkeypatch.setenv("PATH", str(tmp_path))
    ini = write_ini(tmp_path / "site.ini", database_url, tmp_path / "files")
    assert backup.main([str(ini), str(tmp_path / "backups")]) == 1
    assert "pg_dump was not found on PATH" in capsys.readouterr().err
    assert list((tmp_path / "backups").iterdir()) == []


def test_keep_deletes_the_oldest_backups_after_a_new_one(site, tmp_path, capsys):
    from datetime import datetime, timezone

    settings = {"sqlalchemy.url": site.url, "eparticipation.files_dir": str(site.files_dir)}
    into = tmp_path / "backups"
    for day in (1, 2, 3):
        back_up(settings, into, now=datetime(2026, 11, day, 2, 15, tzinfo=timezone.utc))
    ini = write_ini(tmp_path / "site.ini", site.url, site.files_dir)
    assert backup.main([str(ini), str(into), "--keep", "2"]) == 0
    output = capsys.readouterr().out
    newest = output.split("Backup written to ", 1)[1].split(":", 1)[0]
    assert sorted(into.iterdir()) == [into / "20261103T021500Z", Path(newest)]
    assert f"Deleted the older backup {into / '20261101T021500Z'}" in output


def test_a_backup_made_while_the_site_writes_is_consistent(site, new_database, tmp_path):
    """The database is copied in one snapshot: its rows and audit head are one moment's, however busy."""
    engine = get_engine({"sqlalchemy.url": site.url, "sqlalchemy.poolclass": NullPool})
    stop, written = threading.Event(), [0]

    def write():
        while not stop.is_set():
            with Session(engine) as session:
                seq = append(session, at=utcnow(), actor_id=None, action="draft.edit", object_type="Draft",
                             object_id=1)
                session.commit()
            written.append(seq)

    def wait_for(condition):
        for _ in range(1000):
            if condition():
                return
            stop.wait(0.01)
        raise AssertionError("the writer did not write")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        wait_for(lambda: written[-1] >= 10)
        folder = back_up({"sqlalchemy.url": site.url, "eparticipation.files_dir": str(site.files_dir)},
                         tmp_path / "backups")
        head = read_manifest(folder)["audit_head"]["seq"]
        wait_for(lambda: written[-1] > head)
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    manifest = read_manifest(folder)
    assert 10 <= head < written[-1]  # entries were written before and after the copy
    restored = restore_backup({"sqlalchemy.url": new_database("drill_busy"),
                               "eparticipation.files_dir": str(tmp_path / "busy-files")}, folder)
    assert restored.ok, restored.problems
    assert manifest["rows"]["audit_log"] == head == restored.audit_entries
