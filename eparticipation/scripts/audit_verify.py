"""Verify the audit log's hash chain from its first entry to its head, and against signed checkpoints.

    eparticipation-audit-verify production.ini
    eparticipation-audit-verify production.ini --checkpoints mirror/checkpoints.json
    eparticipation-audit-verify production.ini --checkpoints https://<site>/audit/checkpoints \\
        --public-key https://<site>/audit/checkpoints/public-key.pem

Exits 0 and prints the number of entries and the head's hash when every entry verifies; exits 1 and names
the first entry that does not (changed, removed, replaced or reordered) otherwise.

The chain alone cannot show that its last entries were cut off, or that the table was rewritten with every
hash recomputed. With --checkpoints (a file or URL, several allowed: a copy of /audit/checkpoints kept
outside the site) it also checks that each checkpoint's signature holds, that the chain is as long as the
newest checkpoint, and that every checkpointed entry still has its hash; exit 1 names the first problem.
The signatures are checked with --public-key (a PEM or base64 file or URL, several allowed for keys used
in turn), or else with the public half of the configured key (AUDIT_SIGNING_KEY). Exit 2: the checkpoints
or the key could not be read, so nothing was checked against them.
"""

import argparse
import sys

from pyramid.paster import setup_logging

from eparticipation.audit.chain import verify
from eparticipation.audit.checkpoints import SourceError, check_checkpoints, load_checkpoints, load_public_keys
from eparticipation.audit.signing import checkpoint_policy, key_id
from eparticipation.scripts import bootstrap


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    parser.add_argument("--checkpoints", action="append", default=[], metavar="FILE_OR_URL",
                        help="signed checkpoints to check the chain against (a copy of /audit/checkpoints)")
    parser.add_argument("--public-key", action="append", default=[], metavar="FILE_OR_URL",
                        help="a trusted public key (PEM or base64); default: the configured signing key's")
    args = parser.parse_args(argv)
    setup_logging(args.config_uri)
    with bootstrap(args.config_uri) as env:
        request = env["request"]
        checkpoints, public_keys = [], {}
        try:
            for source in args.checkpoints:
                checkpoints.extend(load_checkpoints(source))
            if args.checkpoints:
                public_keys = load_public_keys(args.public_key)
                signer = checkpoint_policy(request.registry).signer
                if not public_keys and signer is not None:
                    public_keys = {key_id(signer.public_key): signer.public_key}
                if not public_keys:
                    raise SourceError("no public key to check the checkpoints' signatures with: "
                                      "pass --public-key or set AUDIT_SIGNING_KEY")
        except SourceError as error:
            print(f"Cannot check the audit log against checkpoints: {error}", file=sys.stderr)
            return 2
        with request.tm:
            result = verify(request.dbsession)
            anchored = check_checkpoints(request.dbsession, checkpoints, public_keys, result) \
                if args.checkpoints and result.ok else None
    if not result.ok:
        print(f"The audit log is broken at entry {result.broken_at}: {result.problem} "
              f"({result.checked} entries before it verify)", file=sys.stderr)
        return 1
    if anchored is not None and not anchored.ok:
        print(f"The audit log does not match its checkpoints: {anchored.problem}", file=sys.stderr)
        return 1
    print(f"The audit log verifies: {result.checked} entries, head {result.head_hash}")
    if anchored is not None:
        newest = anchored.newest
        print(f"It holds against {anchored.checked} signed checkpoints (key {', '.join(sorted(public_keys))}); "
              f"the newest, of entry {newest['seq']}, was signed at {newest['at']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
