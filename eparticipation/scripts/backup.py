"""Back up the site: its database, its uploaded files and a manifest, in a new folder named by the time.

    eparticipation-backup production.ini /var/backups/eparticipation [--keep 14]

The database comes from the ini file (DATABASE_URL overrides it, as for the application), pg_dump from PATH.
Prints the folder it wrote; exits 1, leaving no folder that looks like a backup, when any step fails.
"""

import argparse
import sys

from pyramid.paster import get_appsettings, setup_logging

from eparticipation import read_settings
from eparticipation.files import read_settings as read_file_settings
from eparticipation.backup import BackupError, back_up, prune, read_manifest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    parser.add_argument("directory", help="where the backups are kept; each goes into a new sub-folder")
    parser.add_argument("--keep", type=int, metavar="N",
                        help="after a successful backup, delete the older ones but the N newest (N ≥ 1)")
    args = parser.parse_args(argv)
    if args.keep is not None and args.keep < 1:
        parser.error("--keep must be at least 1")
    setup_logging(args.config_uri)
    try:
        settings = read_file_settings(read_settings(get_appsettings(args.config_uri)))
        folder = back_up(settings, args.directory)
    except (BackupError, OSError, ValueError) as error:
        print(f"Backup failed: {error}", file=sys.stderr)
        return 1
    manifest = read_manifest(folder)
    files = [name for name in manifest["files"] if name != manifest["database"]["file"]]
    head, seconds = manifest["audit_head"], manifest["seconds"]
    print(f"Backup written to {folder}: the {manifest['database']['kind']} database "
          f"({sum(manifest['rows'].values())} rows in {len(manifest['rows'])} tables, {seconds['database']} s), "
          f"{len(files)} uploaded file(s) ({seconds['files']} s); audit log head: entry {head['seq']} {head['hash']}")
    if args.keep:
        for old in prune(args.directory, args.keep):
            print(f"Deleted the older backup {old}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
