"""The signed checkpoints outside the database: the feed auditors mirror, and checking the chain against a copy.

The feed (/audit/checkpoints, or `eparticipation-audit-checkpoints export`) is JSON:

    {"format": "eparticipation-audit-checkpoints/1", "algorithm": "Ed25519",
     "public_key": {"key_id": "…", "base64": "…", "pem_url": "…"},
     "checkpoints": [{"format": "eparticipation-audit-checkpoint/1", "seq": 1000, "entry_hash": "…",
                      "count": 1000, "at": "2026-11-27T09:30:00.000000+00:00", "reason": "every",
                      "key_id": "…", "signature": "…"}, …]}     oldest first

A copy kept where the site's operators cannot reach it anchors the chain: if a later chain is shorter than a
checkpoint's count, its end was cut off; if a checkpointed entry has another hash, the table was rewritten.
"""

import base64
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from eparticipation.audit.chain import Verification
from eparticipation.audit.models import AuditCheckpoint, AuditEntry
from eparticipation.audit.signing import (
    FORMAT,
    CheckpointPolicy,
    checkpoint_payload,
    key_id,
    load_public_key,
    raw_public_bytes,
    signature_holds,
)

FEED_FORMAT = "eparticipation-audit-checkpoints/1"
PAYLOAD_FIELDS = ("format", "seq", "entry_hash", "count", "at", "reason", "key_id")


def checkpoint_record(checkpoint: AuditCheckpoint) -> dict:
    payload = checkpoint_payload(seq=checkpoint.seq, entry_hash=checkpoint.entry_hash, count=checkpoint.count,
                                 at=checkpoint.at, reason=checkpoint.reason, key_id=checkpoint.key_id)
    return {**payload, "signature": checkpoint.signature}


def feed(dbsession, policy: CheckpointPolicy, public_key_url: str | None = None) -> dict:
    public_key = None
    if policy.signer is not None:
        public_key = {"key_id": policy.signer.key_id, "base64": base64.b64encode(raw_public_bytes(policy.signer.public_key)).decode("ascii")}
        if public_key_url:
            public_key["pem_url"] = public_key_url
    checkpoints = dbsession.scalars(
        sa.select(AuditCheckpoint).order_by(AuditCheckpoint.seq).execution_options(yield_per=1000)
    )
    return {"format": FEED_FORMAT, "algorithm": "Ed25519", "public_key": public_key,
            "checkpoints": [checkpoint_record(c) for c in checkpoints]}


class SourceError(Exception):
    """A checkpoints file or a public key that cannot be read: nothing was checked."""


def read_source(source: str) -> bytes:
    """The bytes of a file, or of an http(s) URL."""
    try:
        if source.startswith(("http://", "https://")):
            with urllib.request.urlopen(source, timeout=30) as answer:
                return answer.read()
        return Path(source).read_bytes()
    except (OSError, ValueError) as error:
        raise SourceError(f"{source} cannot be read: {error}") from None


def load_checkpoints(source: str) -> list[dict]:
    """The checkpoints of a feed (or of a bare JSON list of them), as written; their shape is checked later."""
    try:
        document = json.loads(read_source(source).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SourceError(f"{source} is not JSON: {error}") from None
    checkpoints = document.get("checkpoints") if isinstance(document, dict) else document
    if not isinstance(checkpoints, list):
        raise SourceError(f"{source} is not a checkpoints feed (no list of checkpoints in it)")
    return checkpoints


def load_public_keys(sources: list[str]) -> dict:
    """key id -> public key, from files or URLs holding a PEM or the base64 of the raw key."""
    keys = {}
    for source in sources:
        try:
            key = load_public_key(read_source(source).decode("ascii", errors="replace"))
        except ValueError as error:
            raise SourceError(f"{source} holds {error}") from None
        keys[key_id(key)] = key
    return keys


@dataclass(frozen=True)
class CheckpointCheck:
    checked: int  # checkpoints that held
    problem: str = ""
    newest: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problem


def describe(checkpoint: dict) -> str:
    return f"the checkpoint of entry {checkpoint.get('seq')} signed at {checkpoint.get('at')}"


def shape_problem(checkpoint) -> str | None:
    if not isinstance(checkpoint, dict):
        return "is not an object"
    missing = [name for name in (*PAYLOAD_FIELDS, "signature") if name not in checkpoint]
    if missing:
        return f"lacks {', '.join(missing)}"
    if checkpoint["format"] != FORMAT:
        return f"is of another format ({checkpoint['format']!r})"
    for name in ("seq", "count"):
        if not isinstance(checkpoint[name], int) or isinstance(checkpoint[name], bool) or checkpoint[name] < 1:
            return f"has no valid {name}"
    if not all(isinstance(checkpoint[name], str) for name in ("entry_hash", "at", "reason", "key_id", "signature")):
        return "has a field of the wrong type"
    return None


def check_checkpoints(dbsession, checkpoints: list[dict], public_keys: dict, chain: Verification) -> CheckpointCheck:
    """Check a copy of the checkpoints against the chain (which `chain` says verifies on its own): every
    signature holds with a trusted key, the chain is as long as the newest, and every checkpointed entry
    still has its hash. Stops at the first problem."""
    if not checkpoints:
        return CheckpointCheck(0, "the checkpoints file holds no checkpoint: there is nothing to check the log against")
    for number, checkpoint in enumerate(checkpoints, 1):
        problem = shape_problem(checkpoint)
        if problem:
            return CheckpointCheck(0, f"checkpoint number {number} in the file {problem}")
        public_key = public_keys.get(checkpoint["key_id"])
        if public_key is None:
            return CheckpointCheck(0, f"{describe(checkpoint)} is signed by key {checkpoint['key_id']}, which is "
                                      f"not a trusted key ({', '.join(sorted(public_keys)) or 'none'})")
        payload = {name: checkpoint[name] for name in PAYLOAD_FIELDS}
        if not signature_holds(public_key, payload, checkpoint["signature"]):
            return CheckpointCheck(0, f"{describe(checkpoint)} does not carry a valid signature of key "
                                      f"{checkpoint['key_id']}: the checkpoint was altered or forged")
    ordered = sorted(checkpoints, key=lambda c: c["seq"])
    newest = max(ordered, key=lambda c: c["count"])
    if chain.checked < newest["count"]:
        return CheckpointCheck(0, f"the log has {chain.checked} entries but {describe(newest)} counted "
                                  f"{newest['count']}: entries {chain.checked + 1} to {newest['count']} were "
                                  "cut off", newest)
    held = 0
    for start in range(0, len(ordered), 500):
        batch = ordered[start:start + 500]
        hashes = dict(dbsession.execute(
            sa.select(AuditEntry.seq, AuditEntry.entry_hash).where(AuditEntry.seq.in_([c["seq"] for c in batch]))
        ).all())
        for checkpoint in batch:
            found = hashes.get(checkpoint["seq"])
            if found != checkpoint["entry_hash"]:
                return CheckpointCheck(held, f"entry {checkpoint['seq']} has hash {found} but {describe(checkpoint)} "
                                             f"recorded {checkpoint['entry_hash']}: the log was rewritten at or "
                                             f"before entry {checkpoint['seq']}", newest)
            held += 1
    return CheckpointCheck(held, newest=newest)
