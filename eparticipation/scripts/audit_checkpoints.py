"""The audit log's signed checkpoints: make a key, sign the head now, write the feed to a file.

    eparticipation-audit-checkpoints new-key                     a new private key for AUDIT_SIGNING_KEY
    eparticipation-audit-checkpoints sign production.ini         a checkpoint of the head now (cron)
    eparticipation-audit-checkpoints export production.ini FILE  the feed of /audit/checkpoints into FILE

Checkpoints are written by the application every N entries and at each publish; `sign` anchors the entries
written since the last one (run it hourly, say), `export` writes a copy outside the database (replaced
whole, never half-written; `-` for standard output).
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from pyramid.paster import setup_logging

from eparticipation.audit.chain import checkpoint_head
from eparticipation.audit.checkpoints import feed
from eparticipation.audit.signing import KEY_VARIABLE, Signer, checkpoint_policy, load_private_key, new_private_key_text
from eparticipation.scripts import bootstrap


def new_key() -> int:
    text = new_private_key_text()
    signer = Signer(load_private_key(text))
    print(f"{KEY_VARIABLE}={text}")
    print(f"# key id {signer.key_id}; keep the private key secret, publish /audit/checkpoints/public-key.pem",
          file=sys.stderr)
    return 0


def sign(config_uri: str) -> int:
    with bootstrap(config_uri) as env:
        request = env["request"]
        signer = checkpoint_policy(request.registry).signer
        if signer is None:
            print(f"No signing key is configured ({KEY_VARIABLE}): no checkpoint written", file=sys.stderr)
            return 1
        with request.tm:
            seq = checkpoint_head(request.dbsession, signer, at=request.now)
    print(f"Checkpoint written at entry {seq}" if seq else "The head already has a checkpoint (or the log is empty)")
    return 0


def export(config_uri: str, target: str) -> int:
    with bootstrap(config_uri) as env:
        request = env["request"]
        with request.tm:
            document = feed(request.dbsession, checkpoint_policy(request.registry))
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    if target == "-":
        sys.stdout.write(text)
    else:
        path = Path(target)
        # Written beside the target and renamed over it, so a mirror never reads half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
        print(f"{len(document['checkpoints'])} checkpoints written to {path}", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("new-key", help="print a new private key")
    for name, help_text in (("sign", "write a checkpoint of the head now"), ("export", "write the feed to a file")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("config_uri", help="the ini file, e.g. production.ini")
        if name == "export":
            command.add_argument("target", help="the file to write, or - for standard output")
    args = parser.parse_args(argv)
    if args.command == "new-key":
        return new_key()
    setup_logging(args.config_uri)
    return sign(args.config_uri) if args.command == "sign" else export(args.config_uri, args.target)


if __name__ == "__main__":
    sys.exit(main())
