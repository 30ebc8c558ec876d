"""R4, anchored: the audit log's head is signed every N entries and at each publish, published at
/audit/checkpoints, and a copy of the checkpoints shows what the chain alone cannot: its last entries cut
off, or the table rewritten with every hash recomputed."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
from pyramid.paster import get_appsettings

from eparticipation import main
from eparticipation.audit.chain import AuditLogIsAppendOnly, append, checkpoint_head, content_hash, verify
from eparticipation.audit.checkpoints import check_checkpoints, feed
from eparticipation.audit.models import AuditCheckpoint, AuditEntry
from eparticipation.audit.signing import (
    CheckpointPolicy,
    Signer,
    checkpoint_policy,
    key_id,
    load_private_key,
    load_public_key,
    read_checkpoint_policy,
    signature_holds,
)
from eparticipation.consultations.models import State

from ..audit import head
from ..conftest import NOW, PROJECT, TEST_SIGNING_KEY
from ..factories import make_agency, make_draft, make_final_report, make_user

TEST_SIGNER = Signer(load_private_key(TEST_SIGNING_KEY))
TRUSTED = {TEST_SIGNER.key_id: TEST_SIGNER.public_key}


def add_entries(dbsession, n, policy=None):
    for i in range(n):
        append(dbsession, at=NOW + timedelta(minutes=i), actor_id=None, action="test.step", object_type="Test",
               object_id=i, after={"n": i, "text": "متن"}, checkpoints=policy)
    dbsession.flush()


def checkpoints_after(dbsession, start) -> list[AuditCheckpoint]:
    return dbsession.scalars(sa.select(AuditCheckpoint).where(AuditCheckpoint.seq > start)
                             .order_by(AuditCheckpoint.seq)).all()


# --- Start-up: production signs, and does not start without a usable key ------------------------------------

def production_settings():
    return get_appsettings(str(PROJECT / "production.ini"))


def test_production_signs_checkpoints_with_the_key_from_the_environment():
    policy = read_checkpoint_policy(production_settings(), environ={"AUDIT_SIGNING_KEY": TEST_SIGNING_KEY})
    assert policy.enabled and policy.every == 1000
    assert policy.signer.key_id == TEST_SIGNER.key_id


@pytest.mark.parametrize("environ, refusal", [
    ({}, "eparticipation.audit.checkpoints is on but there is no signing key: set AUDIT_SIGNING_KEY"),
    ({"AUDIT_SIGNING_KEY": "not a key"}, "AUDIT_SIGNING_KEY is not an Ed25519 private key"),
    ({"AUDIT_SIGNING_KEY": "c2hvcnQ="}, "AUDIT_SIGNING_KEY is not an Ed25519 private key"),
])
def test_production_refuses_to_start_without_a_usable_key(environ, refusal):
    with pytest.raises(ValueError) as refused:
        read_checkpoint_policy(production_settings(), environ=environ)
    assert str(refused.value).startswith(refusal)
    for value in environ.values():
        assert value not in str(refused.value)  # the key, even a wrong one, is never printed


def test_the_application_does_not_start_when_its_key_is_malformed(app_settings, monkeypatch):
    monkeypatch.setenv("AUDIT_SIGNING_KEY", TEST_SIGNING_KEY[:-8])
    with pytest.raises(ValueError, match="AUDIT_SIGNING_KEY is not an Ed25519 private key"):
        main({}, **app_settings)


def test_a_pem_key_is_accepted_and_other_algorithms_are_not():
    pem = TEST_SIGNER.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()).decode()
    assert key_id(load_private_key(pem).public_key()) == TEST_SIGNER.key_id
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    with pytest.raises(ValueError, match="not an Ed25519 private key"):
        load_private_key(other)


# --- Writing: every N entries, at each publish, append-only -------------------------------------------------

def test_a_checkpoint_is_signed_every_n_entries(dbsession):
    start = head(dbsession)
    add_entries(dbsession, 7, CheckpointPolicy(enabled=True, every=3, signer=TEST_SIGNER))
    written = checkpoints_after(dbsession, start)
    assert [c.seq for c in written] == [s for s in range(start + 1, start + 8) if s % 3 == 0]
    for checkpoint in written:
        entry = dbsession.get(AuditEntry, checkpoint.seq)
        assert (checkpoint.entry_hash, checkpoint.count, checkpoint.reason) == (entry.entry_hash, entry.seq, "every")
        assert checkpoint.key_id == TEST_SIGNER.key_id
    assert check_checkpoints(dbsession, feed(dbsession, checkpoint_policy_of(TEST_SIGNER))["checkpoints"],
                             TRUSTED, verify(dbsession)).ok


def checkpoint_policy_of(signer):
    return CheckpointPolicy(enabled=True, every=1000, signer=signer)


def test_publishing_an_outcome_signs_the_head(testapp, dbsession, app):
    start = head(dbsession)
    agency = make_agency(dbsession, code="tax")
    make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])
    draft = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                       closes_at=NOW - timedelta(days=5))
    make_final_report(dbsession, draft)
    testapp.login("coordinator@example.org")
    testapp.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    assert draft.state == State.published

    publish = dbsession.scalars(sa.select(AuditEntry).where(AuditEntry.seq > start,
                                                            AuditEntry.action == "draft.publish")).one()
    [checkpoint] = checkpoints_after(dbsession, start)
    assert (checkpoint.seq, checkpoint.entry_hash, checkpoint.reason) == (publish.seq, publish.entry_hash, "publish")
    assert publish.seq == head(dbsession)  # the head when it was published
    assert checkpoint_policy(app.registry).every == 1000


def test_the_database_and_the_application_refuse_to_change_a_checkpoint(dbsession):
    add_entries(dbsession, 1)
    checkpoint_head(dbsession, TEST_SIGNER, at=NOW)
    for statement in ("UPDATE audit_checkpoints SET count = 1", "DELETE FROM audit_checkpoints"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), dbsession.begin_nested():
            dbsession.execute(sa.text(statement))
    checkpoint = dbsession.get(AuditCheckpoint, head(dbsession))
    checkpoint.reason = "changed"
    with pytest.raises(AuditLogIsAppendOnly):
        dbsession.flush()
    dbsession.rollback()


def test_signing_the_head_again_writes_nothing_new(dbsession):
    add_entries(dbsession, 2)
    assert checkpoint_head(dbsession, TEST_SIGNER, at=NOW) == head(dbsession)
    assert checkpoint_head(dbsession, TEST_SIGNER, at=NOW) is None


# --- The public feed and key --------------------------------------------------------------------------------

def test_anyone_reads_the_feed_and_checks_it_with_the_published_key(testapp, dbsession):
    start = head(dbsession)
    add_entries(dbsession, 2)
    checkpoint_head(dbsession, TEST_SIGNER, at=NOW)
    page = testapp.get("/audit/checkpoints", status=200)
    assert page.content_type == "application/json"
    assert page.headers["Cache-Control"] == "public, max-age=300"
    body = page.json
    assert body["public_key"]["key_id"] == TEST_SIGNER.key_id
    assert body["public_key"]["pem_url"] == "http://example.com/audit/checkpoints/public-key.pem"
    [mine] = [c for c in body["checkpoints"] if c["seq"] > start]
    assert mine["seq"] == start + 2 and mine["count"] == start + 2 and mine["reason"] == "manual"

    pem = testapp.get("/audit/checkpoints/public-key.pem", status=200)
    assert pem.text.startswith("-----BEGIN PUBLIC KEY-----")
    public_key = load_public_key(pem.text)
    payload = {name: value for name, value in mine.items() if name != "signature"}
    assert signature_holds(public_key, payload, mine["signature"])
    assert not signature_holds(public_key, dict(payload, count=mine["count"] - 1), mine["signature"])

    # A mirror asks again with the ETag: nothing new, nothing sent; a new checkpoint, a new feed.
    testapp.get("/audit/checkpoints", headers={"If-None-Match": page.headers["ETag"]}, status=304)
    add_entries(dbsession, 1)
    checkpoint_head(dbsession, TEST_SIGNER, at=NOW)
    assert testapp.get("/audit/checkpoints", headers={"If-None-Match": page.headers["ETag"]}, status=200)


def test_the_feed_opens_nothing_else_of_the_audit_area(testapp, dbsession):
    make_user(dbsession, email="citizen@example.org")
    testapp.get("/audit/checkpoints", status=200)
    testapp.get("/audit/", status=403)
    testapp.login("citizen@example.org")
    testapp.get("/audit/checkpoints", status=200)
    testapp.get("/audit/", status=403)
    testapp.get("/audit/export.csv", status=403)
    token = testapp.get_csrf_token("/me")
    testapp.post("/audit/checkpoints", {"csrf_token": token}, status=404)  # read-only: GET only


@pytest.fixture
def without_key(app):
    original = app.registry["audit_checkpoints"]
    app.registry["audit_checkpoints"] = CheckpointPolicy()
    yield
    app.registry["audit_checkpoints"] = original


def test_a_site_without_a_key_has_no_public_key(testapp, without_key):
    testapp.get("/audit/checkpoints/public-key.pem", status=404)
    assert testapp.get("/audit/checkpoints", status=200).json["public_key"] is None


# --- Checking a copy: truncation, rewrites and forged checkpoints are found ---------------------------------

def set_triggers(dbsession, table, on: bool):
    """What the database's owner can do and the application's role cannot (test_database_roles.py)."""
    connection = dbsession.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER USER"))
        return
    if on:
        for sql in dbsession.info.pop(f"triggers of {table}"):
            connection.execute(sa.text(sql))
    else:
        triggers = connection.execute(sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"), {"table": table}).all()
        dbsession.info[f"triggers of {table}"] = [sql for _, sql in triggers]
        for name, _ in triggers:
            connection.execute(sa.text(f"DROP TRIGGER {name}"))


def as_owner(dbsession, *statements):
    set_triggers(dbsession, "audit_log", on=False)
    for statement in statements:
        dbsession.execute(sa.text(statement))
    set_triggers(dbsession, "audit_log", on=True)
    dbsession.expire_all()


def rewrite_from(dbsession, seq, after):
    """Change entry `seq` and recompute its hash and every later one's, so that the chain verifies."""
    entries = dbsession.scalars(sa.select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq)).all()
    previous_hash = dbsession.get(AuditEntry, seq - 1).entry_hash if seq > 1 else "0" * 64
    statements = []
    for entry in entries:
        content = dict(entry.canonical(), previous_hash=previous_hash)
        if entry.seq == seq:
            content["after"] = after
        new_hash = content_hash(content)
        after_json = json.dumps(content["after"], ensure_ascii=False).replace("'", "''")
        statements.append(f"UPDATE audit_log SET after = '{after_json}', previous_hash = '{previous_hash}', "
                          f"entry_hash = '{new_hash}' WHERE seq = {entry.seq}")
        previous_hash = new_hash
    as_owner(dbsession, *statements)


@pytest.fixture
def anchored(dbsession):
    """Six entries, checkpointed every third and at the head, and a copy of the feed kept outside."""
    start = head(dbsession)
    add_entries(dbsession, 6, CheckpointPolicy(enabled=True, every=3, signer=TEST_SIGNER))
    checkpoint_head(dbsession, TEST_SIGNER, at=NOW + timedelta(hours=1))
    copy = json.loads(json.dumps(feed(dbsession, checkpoint_policy_of(TEST_SIGNER))))["checkpoints"]
    assert [c["seq"] for c in copy if c["seq"] > start] == \
        [s for s in range(start + 1, start + 6) if s % 3 == 0] + [start + 6]
    return {"start": start, "copy": copy}


def check(dbsession, copy, keys=TRUSTED):
    chain = verify(dbsession)
    assert chain.ok  # every tampering below leaves a chain that verifies on its own
    return check_checkpoints(dbsession, copy, keys, chain)


def test_an_untouched_log_holds_against_its_checkpoints(dbsession, anchored):
    result = check(dbsession, anchored["copy"])
    assert result.ok and result.checked == len(anchored["copy"])
    assert result.newest["seq"] == anchored["start"] + 6


def test_cutting_off_the_last_entries_is_found(dbsession, anchored):
    start = anchored["start"]
    as_owner(dbsession, f"DELETE FROM audit_log WHERE seq > {start + 4}")
    assert verify(dbsession).checked == start + 4
    result = check(dbsession, anchored["copy"])
    assert not result.ok
    assert result.problem.startswith(f"the log has {start + 4} entries but the checkpoint of entry {start + 6}")
    assert result.problem.endswith(f"entries {start + 5} to {start + 6} were cut off")


def test_a_rewrite_with_recomputed_hashes_is_found(dbsession, anchored):
    start = anchored["start"]
    rewrite_from(dbsession, start + 2, {"n": 99, "text": "جعلی"})
    assert dbsession.get(AuditEntry, start + 2).after == {"n": 99, "text": "جعلی"}
    result = check(dbsession, anchored["copy"])
    first_after = min(c["seq"] for c in anchored["copy"] if c["seq"] >= start + 2)
    assert not result.ok
    assert result.problem.startswith(f"entry {first_after} has hash ")
    assert result.problem.endswith(f"the log was rewritten at or before entry {first_after}")


@pytest.mark.parametrize("change", ["count", "entry_hash", "signature"])
def test_a_tampered_checkpoint_is_found(dbsession, anchored, change):
    copy = anchored["copy"]
    newest = copy[-1]
    if change == "count":
        newest["count"] -= 1  # to hide a cut: "the log was shorter then"
    elif change == "entry_hash":
        newest["entry_hash"] = "a" * 64
    else:
        newest["signature"] = TEST_SIGNER.sign({"something": "else"})
    result = check(dbsession, copy)
    assert not result.ok
    assert result.problem == (f"the checkpoint of entry {newest['seq']} signed at {newest['at']} does not carry a "
                              f"valid signature of key {TEST_SIGNER.key_id}: the checkpoint was altered or forged")


def test_a_checkpoint_signed_with_another_key_is_not_trusted(dbsession, anchored):
    forger = Signer(Ed25519PrivateKey.generate())
    copy = anchored["copy"]
    payload = {name: value for name, value in copy[-1].items() if name != "signature"}
    payload["key_id"] = forger.key_id
    copy.append({**payload, "count": payload["count"] + 5, "signature": forger.sign(payload)})
    result = check(dbsession, copy)
    assert not result.ok and f"is signed by key {forger.key_id}, which is not a trusted key" in result.problem


def test_an_empty_copy_checks_nothing_and_says_so(dbsession):
    result = check(dbsession, [])
    assert not result.ok and "holds no checkpoint" in result.problem


def test_the_auditors_page_points_to_the_checkpoints_and_the_key(testapp, dbsession):
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    testapp.login("auditor@example.org")
    page = testapp.get("/audit/", status=200)
    links = {a.text.strip(): a["href"] for a in page.html.select("main a[dir=ltr]")}
    assert links["نقطه‌های بازرسیِ امضاشده (JSON)"] == "http://example.com/audit/checkpoints"
    assert links["کلید عمومی"] == "http://example.com/audit/checkpoints/public-key.pem"
    testapp.get(links["کلید عمومی"], status=200)
