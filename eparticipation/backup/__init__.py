"""Backups of a site, and their restore drill: the database, the uploaded files, and a manifest that lets a
restore prove it put back what was saved.

    <dir>/20261202T021500Z/
        database.dump   PostgreSQL: pg_dump --format=custom   (SQLite: database.sqlite, by its backup API)
        files/          the uploaded files store, laid out as eparticipation/files.py keeps it
        manifest.json   written last: the time, the database's kind, its Alembic revision, the rows of every
                        table, the audit log's head (last entry and its hash), the SHA-256 of every file

`eparticipation-backup` and `eparticipation-restore` (eparticipation/scripts/) are the operator's commands.
"""

from eparticipation.backup.databases import BackupError
from eparticipation.backup.services import back_up, check_restored, prune, read_manifest, restore

__all__ = ["BackupError", "back_up", "check_restored", "prune", "read_manifest", "restore"]
