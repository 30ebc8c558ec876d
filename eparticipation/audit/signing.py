"""Signing the audit log's checkpoints: the site's Ed25519 key, what is signed, and the settings.

    eparticipation.audit.checkpoints = true        write signed checkpoints (production.ini: on)
    eparticipation.audit.checkpoint_every = 1000   one every N entries (and one at each publish)
    eparticipation.audit.signing_key = ...         the private key; AUDIT_SIGNING_KEY in the environment wins

The key is the 32 bytes of an Ed25519 private key in base64, or the key in PEM (PKCS#8);
`eparticipation-audit-checkpoints new-key` makes one. Its public half is named by a key id, the first 16 hex
digits of the SHA-256 of its 32 raw bytes, so a checkpoint says which key signed it.
"""

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyramid.settings import asbool

PREFIX = "eparticipation.audit."
KEY_VARIABLE = "AUDIT_SIGNING_KEY"
FORMAT = "eparticipation-audit-checkpoint/1"  # part of what is signed: a signature means nothing else
KEY_ID_LENGTH = 16
SIGNATURE_LENGTH = 88  # base64 of Ed25519's 64 bytes
RAW_KEY_BYTES = 32


def decode_base64(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not."""
    text = "".join(text.split())
    text += "=" * (-len(text) % 4)
    return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)


def load_private_key(text: str) -> Ed25519PrivateKey:
    """The private key from its base64 raw bytes or its PEM; ValueError (never quoting the key) otherwise."""
    return _load_key(text, "private", Ed25519PrivateKey, Ed25519PrivateKey.from_private_bytes,
                     lambda pem: serialization.load_pem_private_key(pem, password=None))


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from its PEM or the base64 of its 32 raw bytes."""
    return _load_key(text, "public", Ed25519PublicKey, Ed25519PublicKey.from_public_bytes,
                     serialization.load_pem_public_key)


def _load_key(text: str, half: str, key_class, from_raw, from_pem):
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = from_pem(text.encode("ascii"))
        else:
            raw = decode_base64(text)
            if len(raw) != RAW_KEY_BYTES:
                raise ValueError(f"{len(raw)} bytes instead of {RAW_KEY_BYTES}")
            key = from_raw(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError) as error:
        raise ValueError(f"not an Ed25519 {half} key ({type(error).__name__})") from None
    if not isinstance(key, key_class):
        raise ValueError(f"not an Ed25519 {half} key (another algorithm's PEM)")
    return key


def raw_public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public_bytes(key)).hexdigest()[:KEY_ID_LENGTH]


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def new_private_key_text() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode("ascii")


def checkpoint_payload(*, seq: int, entry_hash: str, count: int, at: datetime, reason: str, key_id: str) -> dict:
    """What a checkpoint's signature covers."""
    return {
        "format": FORMAT,
        "seq": seq,
        "entry_hash": entry_hash,
        "count": count,
        "at": at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
        "reason": reason,
        "key_id": key_id,
    }


def signed_message(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


@dataclass(frozen=True)
class Signer:
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, payload: dict) -> str:
        return base64.b64encode(self.private_key.sign(signed_message(payload))).decode("ascii")


def signature_holds(public_key: Ed25519PublicKey, payload: dict, signature: str) -> bool:
    try:
        public_key.verify(decode_base64(signature), signed_message(payload))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


@dataclass(frozen=True)
class CheckpointPolicy:
    """Whether checkpoints are written, how often, and with which key (None when no key is configured)."""

    enabled: bool = False
    every: int = 1000
    signer: Signer | None = None

    def due(self, seq: int) -> bool:
        return self.enabled and seq % self.every == 0


def read_checkpoint_policy(settings: dict, environ=None) -> CheckpointPolicy:
    """Refuses (ValueError) an enabled policy without a key, a key that is not one, or a bad interval."""
    environ = os.environ if environ is None else environ
    enabled = asbool(settings.get(f"{PREFIX}checkpoints", False))
    try:
        every = int(settings.get(f"{PREFIX}checkpoint_every", 1000))
    except ValueError:
        every = 0
    if every < 1:
        raise ValueError(f"{PREFIX}checkpoint_every must be a whole number of entries, at least 1")
    from_environment = bool(environ.get(KEY_VARIABLE, "").strip())
    key_text = environ[KEY_VARIABLE] if from_environment else (settings.get(f"{PREFIX}signing_key") or "")
    signer = None
    if key_text.strip():
        source = KEY_VARIABLE if from_environment else f"{PREFIX}signing_key"
        try:
            signer = Signer(load_private_key(key_text))
        except ValueError as error:
            raise ValueError(f"{source} is {error}: give the base64 of its 32 bytes, or its PEM "
                             "(eparticipation-audit-checkpoints new-key makes one)") from None
    elif enabled:
        raise ValueError(f"{PREFIX}checkpoints is on but there is no signing key: set {KEY_VARIABLE} "
                         "(eparticipation-audit-checkpoints new-key makes one)")
    return CheckpointPolicy(enabled=enabled, every=every, signer=signer)


def checkpoint_policy(registry) -> CheckpointPolicy:
    return registry.get("audit_checkpoints") or CheckpointPolicy()
