"""Restore a backup of eparticipation-backup into the database and files folder of an ini file, then check it.

    eparticipation-restore production.ini /var/backups/eparticipation/20261202T021500Z [--files-dir F] [--force]

Refuses a damaged backup, and a database or files folder that holds data unless --force. After restoring it
checks the rows of every table, the schema's revision and every file against the backup's manifest, and that
the audit log verifies and ends at the head the backup saved; exits 1 naming each difference otherwise.
The database comes from the ini file (DATABASE_URL overrides it, as for the application), pg_restore from PATH.
"""

import argparse
import sys

from pyramid.paster import get_appsettings, setup_logging

from eparticipation import read_settings
from eparticipation.files import read_settings as read_file_settings
from eparticipation.backup import BackupError, restore


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file whose database and files folder receive the backup")
    parser.add_argument("backup", help="one backup's folder (it holds manifest.json)")
    parser.add_argument("--files-dir", metavar="FOLDER",
                        help="put the uploaded files here instead of the ini's eparticipation.files_dir (a drill)")
    parser.add_argument("--force", action="store_true",
                        help="replace the content of a database and files folder that are not empty")
    args = parser.parse_args(argv)
    setup_logging(args.config_uri)
    try:
        settings = read_file_settings(read_settings(get_appsettings(args.config_uri)))
        if args.files_dir:
            settings["eparticipation.files_dir"] = args.files_dir
        restored = restore(settings, args.backup, force=args.force)
    except (BackupError, OSError, ValueError) as error:
        print(f"Restore failed: {error}", file=sys.stderr)
        return 1
    manifest, seconds = restored.manifest, restored.seconds
    if not restored.ok:
        print(f"The backup {args.backup} was restored but does not check out:\n  " + "\n  ".join(restored.problems),
              file=sys.stderr)
        return 1
    head = manifest["audit_head"]
    print(f"Restored {args.backup} ({manifest['created_at']}) and checked it: the rows of "
          f"{len(manifest['rows'])} tables, {restored.files} uploaded file(s), and the audit log "
          f"({restored.audit_entries} entries, verified, head {head['hash']}) are the backup's. "
          f"Database {seconds['database']} s, files {seconds['files']} s, checks {seconds['checks']} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
