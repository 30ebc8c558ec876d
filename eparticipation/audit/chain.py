"""Writing the audit log and checking its chain.

    record(request, "comment.hide", comment, draft=draft, before={...}, after={...})

Entries are written with a plain INSERT in the caller's transaction, so an entry exists exactly when the
change it describes was committed. Appenders take turns: PostgreSQL through a transaction-scoped advisory
lock, SQLite because its writers are serialised already (BEGIN IMMEDIATE); the unique previous hash is the
last line of defence either way.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from eparticipation.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEntry, canonical_content
from eparticipation.audit.signing import CheckpointPolicy, Signer, checkpoint_payload, checkpoint_policy

# An arbitrary constant that names "the audit log's head" among PostgreSQL's advisory locks.
APPEND_LOCK = 0x61756469  # "audi"


def jsonable(value):
    """What a JSON column gives back, so the hash of the stored value equals the hash written."""
    if value is None:
        return None

    def default(item):
        if isinstance(item, (datetime, date)):
            return item.isoformat()
        if isinstance(item, Enum):
            return item.value
        if isinstance(item, (set, frozenset, tuple)):
            return sorted(item) if isinstance(item, (set, frozenset)) else list(item)
        return str(item)

    return json.loads(json.dumps(value, default=default, ensure_ascii=False))


def content_hash(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def take_the_head(dbsession):
    """Wait for our turn at the head of the chain (until the end of the transaction); the head's (seq, hash)."""
    if dbsession.get_bind().dialect.name == "postgresql":
        dbsession.execute(sa.select(sa.func.pg_advisory_xact_lock(APPEND_LOCK)))
    return dbsession.execute(
        sa.select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()


def append(dbsession, *, at: datetime, actor_id: int | None, action: str, object_type: str, object_id,
           agency_id: int | None = None, draft_id: int | None = None, before=None, after=None,
           checkpoints: CheckpointPolicy | None = None, checkpoint_reason: str | None = None) -> int:
    """Add one entry at the head of the chain; returns its number. With `checkpoints` (enabled), the entry is
    checkpointed when its number is due, or whenever a `checkpoint_reason` is given."""
    head = take_the_head(dbsession)
    seq, previous_hash = (head.seq + 1, head.entry_hash) if head else (1, GENESIS_HASH)
    values = dict(
        seq=seq, at=at, actor_id=actor_id, action=action, object_type=object_type, object_id=str(object_id),
        agency_id=agency_id, draft_id=draft_id, before=jsonable(before), after=jsonable(after),
        previous_hash=previous_hash,
    )
    values["entry_hash"] = content_hash(canonical_content(**values))
    dbsession.execute(sa.insert(AuditEntry).values(**values))
    if checkpoints is not None and checkpoints.enabled:
        reason = checkpoint_reason or ("every" if checkpoints.due(seq) else None)
        if reason is not None:
            write_checkpoint(dbsession, checkpoints.signer, seq=seq, entry_hash=values["entry_hash"], at=at,
                             reason=reason)
    return seq


def write_checkpoint(dbsession, signer: Signer, *, seq: int, entry_hash: str, at: datetime, reason: str) -> bool:
    """Sign and store the checkpoint of entry `seq` (the head: the caller holds it); False if it has one."""
    if dbsession.get(AuditCheckpoint, seq) is not None:
        return False
    # The numbers have no gaps (verify checks it), so the count of entries is the head's number.
    payload = checkpoint_payload(seq=seq, entry_hash=entry_hash, count=seq, at=at, reason=reason,
                                 key_id=signer.key_id)
    dbsession.execute(sa.insert(AuditCheckpoint).values(
        seq=seq, entry_hash=entry_hash, count=seq, at=at, reason=reason, key_id=signer.key_id,
        signature=signer.sign(payload),
    ))
    return True


def checkpoint_head(dbsession, signer: Signer, *, at: datetime, reason: str = "manual") -> int | None:
    """A checkpoint of the head as it is now (a cron job's, between the every-N ones); its entry's number,
    or None when the log is empty or its head has one already."""
    head = take_the_head(dbsession)
    if head is None:
        return None
    written = write_checkpoint(dbsession, signer, seq=head.seq, entry_hash=head.entry_hash, at=at, reason=reason)
    return head.seq if written else None


SIGNED_IN_USER = object()  # the default actor: whoever is signed in (nobody: the system)


def record(request, action: str, obj, *, draft=None, agency_id: int | None = None, before=None, after=None,
           object_type: str | None = None, object_id=None, actor_id=SIGNED_IN_USER,
           checkpoint_reason: str | None = None) -> int:
    """The entry for a change made through a request (or a script's request, for the system)."""
    if draft is not None and agency_id is None:
        agency_id = draft.agency_id
    if actor_id is SIGNED_IN_USER:
        actor_id = request.identity.id if request.identity is not None else None
    return append(
        request.dbsession,
        at=request.now,
        actor_id=actor_id,
        action=action,
        object_type=object_type or type(obj).__name__,
        object_id=object_id if object_id is not None else obj.id,
        agency_id=agency_id,
        draft_id=draft.id if draft is not None else None,
        before=before,
        after=after,
        checkpoints=checkpoint_policy(request.registry),
        checkpoint_reason=checkpoint_reason,
    )


@dataclass(frozen=True)
class Verification:
    checked: int
    broken_at: int | None = None  # the number of the first entry that does not verify
    problem: str = ""
    head_hash: str = GENESIS_HASH

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(dbsession, batch: int = 1000) -> Verification:
    """Walk the chain from the first entry; stop at the first that does not verify."""
    expected_seq, previous_hash, checked = 1, GENESIS_HASH, 0
    rows = dbsession.execute(
        sa.select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    ).scalars()
    for entry in rows:
        if entry.seq != expected_seq:
            return Verification(checked, expected_seq, f"entry {expected_seq} is missing", previous_hash)
        if entry.previous_hash != previous_hash:
            return Verification(
                checked, entry.seq,
                f"entry {entry.seq} does not follow entry {entry.seq - 1}: a row was removed, replaced or reordered",
                previous_hash,
            )
        if content_hash(entry.canonical()) != entry.entry_hash:
            return Verification(checked, entry.seq, f"entry {entry.seq} was changed after it was written",
                                previous_hash)
        previous_hash, expected_seq, checked = entry.entry_hash, expected_seq + 1, checked + 1
    return Verification(checked, head_hash=previous_hash)


class AuditLogIsAppendOnly(Exception):
    pass


@event.listens_for(Session, "before_flush")
def refuse_changes_to_the_log(session, flush_context, instances):
    """No code path may change or delete an entry or a checkpoint through the ORM (the database refuses it too)."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly(f"audit entry {obj.seq} cannot be changed or deleted")
        if isinstance(obj, AuditCheckpoint):
            raise AuditLogIsAppendOnly(f"the checkpoint of audit entry {obj.seq} cannot be changed or deleted")
