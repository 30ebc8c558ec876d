"""Making a backup, putting one back, and proving that what was put back is what was saved."""

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from sqlalchemy.orm import Session

from eparticipation.audit.chain import verify
from eparticipation.audit.models import GENESIS_HASH, AuditEntry
from eparticipation.backup.databases import BackupError, database_for, row_counts
from eparticipation.models import Draft
from eparticipation.files import FileStore

MANIFEST = "manifest.json"
FILES = "files"  # the folder of the uploaded files in a backup, laid out as the store is
FORMAT = 1
BACKUP_NAME = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")
CHUNK = 1024 * 1024


def describe(connection) -> dict:
    """What a restore must find again: the rows of every table, the schema's revision, the audit log's head."""
    tables = sa.inspect(connection).get_table_names()
    revisions = sorted(connection.scalars(sa.text("SELECT version_num FROM alembic_version"))) \
        if "alembic_version" in tables else []
    head = connection.execute(sa.select(AuditEntry.seq, AuditEntry.entry_hash)
                              .order_by(AuditEntry.seq.desc()).limit(1)).first() if "audit_log" in tables else None
    return {
        "alembic_revision": revisions,
        "rows": row_counts(connection),
        "audit_head": {"seq": head.seq, "hash": head.entry_hash} if head else {"seq": 0, "hash": GENESIS_HASH},
    }


def back_up(settings: dict, into: Path, now: datetime | None = None) -> Path:
    """A complete backup in a new folder of `into`, named by the time (UTC); returns that folder. It is built
    under a hidden name and renamed once its manifest is written: a folder with a backup's name is whole."""
    database = database_for(settings["sqlalchemy.url"])
    files_root = Path(settings["eparticipation.files_dir"])
    now = now or datetime.now(timezone.utc)
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    name = _free_name(into, now.strftime("%Y%m%dT%H%M%SZ"))
    partial = into / f".{name}.partial"
    partial.mkdir()
    try:
        started = time.monotonic()
        # The database first, then the files: a file is stored before the transaction that names it commits,
        # and the store never changes or removes one, so every file the copied database names is copied too.
        state = database.dump(partial / database.file_name, describe)
        _sync(partial / database.file_name)
        database_seconds = time.monotonic() - started
        started = time.monotonic()
        files = {database.file_name: _checksum(partial / database.file_name)}
        files.update(_copy_store(files_root, partial / FILES))
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": {"kind": database.kind, "name": database.name, "file": database.file_name},
            "files_dir": str(files_root),
            **state,
            "files": files,
            "seconds": {"database": round(database_seconds, 3), "files": round(time.monotonic() - started, 3)},
        }
        _write_atomically(partial / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
        final = into / name
        os.rename(partial, final)
        _sync(into)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def prune(into: Path, keep: int) -> list[Path]:
    """Delete the complete backups of `into` but the `keep` newest; returns what was deleted."""
    backups = sorted(path for path in Path(into).iterdir()
                     if path.is_dir() and BACKUP_NAME.match(path.name) and (path / MANIFEST).is_file())
    old = backups[:-keep] if keep > 0 else backups
    for path in old:
        shutil.rmtree(path)
    return old


def read_manifest(backup: Path) -> dict:
    try:
        manifest = json.loads((Path(backup) / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{backup} has no {MANIFEST}: it is not a backup, or not a complete one.") from None
    except (OSError, ValueError) as error:
        raise BackupError(f"The manifest of {backup} cannot be read: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"The manifest of {backup} is not of a format this version knows ({FORMAT}).")
    missing = [key for key in ("database", "alembic_revision", "rows", "audit_head", "files") if key not in manifest]
    if missing or manifest["database"].get("file") not in manifest["files"]:
        raise BackupError(f"The manifest of {backup} is incomplete: {', '.join(missing) or 'the database file'}.")
    for name in manifest["files"]:
        # A restore writes these names under the files folder: none may lead out of it.
        if PurePosixPath(name).is_absolute() or ".." in PurePosixPath(name).parts:
            raise BackupError(f"The manifest of {backup} names a file outside the backup: {name}")
    return manifest


def damaged_files(backup: Path, manifest: dict) -> list[str]:
    """The files of the backup that are missing or whose content is not what the manifest says."""
    problems = []
    for name, expected in sorted(manifest["files"].items()):
        path = Path(backup) / name
        if not path.is_file():
            problems.append(f"{name} is missing from the backup")
        elif _checksum(path) != expected:
            problems.append(f"{name} in the backup is not the file that was saved (its checksum differs)")
    return problems


@dataclass
class Restored:
    manifest: dict
    problems: list[str] = field(default_factory=list)
    audit_entries: int = 0
    files: int = 0
    seconds: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def restore(settings: dict, backup: Path, force: bool = False) -> Restored:
    """The backup into the database and files folder of `settings`, then checked against its manifest.

    Nothing is touched when the backup is damaged, is of the other kind of database, or when the target holds
    data and `force` is not given. A restore that went through but does not check out comes back with its
    problems listed."""
    backup = Path(backup)
    manifest = read_manifest(backup)
    database = database_for(settings["sqlalchemy.url"])
    files_root = Path(settings["eparticipation.files_dir"])
    if manifest["database"]["kind"] != database.kind:
        raise BackupError(f"This is a backup of a {manifest['database']['kind']} database; "
                          f"it cannot be restored into {database.kind}.")
    problems = damaged_files(backup, manifest)
    if problems:
        raise BackupError("The backup is damaged, nothing was restored:\n  " + "\n  ".join(problems))
    if not force:
        _refuse_to_overwrite(database, files_root)
    started = time.monotonic()
    database.restore(backup / manifest["database"]["file"])
    database_seconds = time.monotonic() - started
    started = time.monotonic()
    for name in manifest["files"]:
        if name.startswith(FILES + "/"):
            _copy_file(backup / name, files_root / name.removeprefix(FILES + "/"))
    files_seconds = time.monotonic() - started
    started = time.monotonic()
    restored = check_restored(database, files_root, manifest)
    restored.seconds = {"database": round(database_seconds, 3), "files": round(files_seconds, 3),
                        "checks": round(time.monotonic() - started, 3)}
    return restored


def check_restored(database, files_root: Path, manifest: dict) -> Restored:
    """The restored site against the manifest: every table's rows, the schema's revision, every file's
    content, every file the drafts name, and the audit chain, which must verify and end at the saved head."""
    restored = Restored(manifest)
    problems = restored.problems
    engine = database.engine()
    try:
        with engine.connect() as connection:
            state = describe(connection)
            if state["alembic_revision"] != manifest["alembic_revision"]:
                problems.append(f"the schema is at revision {state['alembic_revision']}, "
                                f"the backup's at {manifest['alembic_revision']}")
            for table in sorted(set(manifest["rows"]) | set(state["rows"])):
                saved, found = manifest["rows"].get(table), state["rows"].get(table)
                if saved is None:
                    problems.append(f"table {table} is not in the backup")
                elif found != saved:
                    problems.append(f"table {table} has {found if found is not None else 'no'} rows "
                                    f"where the backup has {saved}")
            store = FileStore(files_root)
            keys = connection.scalars(sa.select(Draft.original_file_key).distinct()
                                      .where(Draft.original_file_key.is_not(None))).all()
            for key in keys:
                try:
                    found = store.path(key).is_file()
                except KeyError:
                    found = False
                if not found:
                    problems.append(f"the file {key} that a draft names is not in the files folder")
        with Session(bind=engine) as session:
            chain = verify(session)
    finally:
        engine.dispose()
    head = manifest["audit_head"]
    restored.audit_entries = chain.checked
    if not chain.ok:
        problems.append(f"the audit log does not verify: {chain.problem}")
    elif (chain.checked, chain.head_hash) != (head["seq"], head["hash"]):
        problems.append(f"the audit log ends at entry {chain.checked} ({chain.head_hash}), "
                        f"the backup's at entry {head['seq']} ({head['hash']})")
    for name, expected in sorted(manifest["files"].items()):
        if not name.startswith(FILES + "/"):
            continue
        path = files_root / name.removeprefix(FILES + "/")
        if not path.is_file() or _checksum(path) != expected:
            problems.append(f"{path} is not the file that was saved")
        else:
            restored.files += 1
    return restored


def _refuse_to_overwrite(database, files_root: Path):
    data = database.holds_data()
    stored = files_root.is_dir() and any(path.is_file() for path in files_root.rglob("*"))
    if data or stored:
        what = []
        if data:
            tables = ", ".join(f"{table} ({rows})" for table, rows in sorted(data.items())[:5])
            more = f" and {len(data) - 5} more tables" if len(data) > 5 else ""
            what.append(f"the database {database.name} holds rows in {tables}{more}")
        if stored:
            what.append(f"the files folder {files_root} holds files")
        raise BackupError("Nothing was restored: " + "; ".join(what) +
                          ". Restore into an empty database and folder, or pass --force to replace them.")


def _free_name(into: Path, name: str) -> str:
    candidate, number = name, 1
    while (into / candidate).exists() or (into / f".{candidate}.partial").exists():
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def _copy_store(root: Path, target: Path) -> dict[str, dict]:
    """Every file of the store (not the `.partial` ones being written), with its checksum as copied."""
    files = {}
    if not root.is_dir():
        return files
    for directory, subdirectories, names in os.walk(root):
        subdirectories.sort()
        for name in sorted(names):
            source = Path(directory) / name
            if name.endswith(".partial") or not source.is_file():
                continue
            relative = source.relative_to(root).as_posix()
            files[f"{FILES}/{relative}"] = _copy_file(source, target / relative)
    return files


def _copy_file(source: Path, target: Path) -> dict:
    """Copy under a temporary name, then rename: a file under its final name is always whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as reading, open(partial, "wb") as writing:
        while chunk := reading.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writing.write(chunk)
        writing.flush()
        os.fsync(writing.fileno())
    os.replace(partial, target)
    return {"sha256": digest.hexdigest(), "bytes": size}


def _checksum(path: Path) -> dict:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as reading:
        while chunk := reading.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "bytes": size}


def _write_atomically(path: Path, data: bytes):
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as writing:
        writing.write(data)
        writing.flush()
        os.fsync(writing.fileno())
    os.replace(partial, path)


def _sync(path: Path):
    """To the disk: the file's content, or a folder's entries (a rename)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
