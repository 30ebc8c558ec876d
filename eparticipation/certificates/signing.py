"""The certificates' key and proofs.

    eparticipation.certificates.signing_key = ...   the Ed25519 private key (base64 of its 32 bytes, or PEM);
                                                    CERTIFICATE_SIGNING_KEY in the environment wins
    eparticipation.certificates.signing_key = derive-from-session-secret
                                                    development and tests only: a key derived from the session
                                                    secret (HKDF), so that nobody has to make one

Without a key no certificate is issued (production sets CERTIFICATE_SIGNING_KEY; `eparticipation-audit-checkpoints
new-key` makes one).

The credential is an Open Badges 3.0 / W3C Verifiable Credential (Data Model 2.0) with a Data Integrity proof of
the cryptosuite `eddsa-jcs-2022`: the proof options and the document without its proof are each canonicalised by
JCS (RFC 8785) and hashed with SHA-256; the Ed25519 signature of the two hashes, in base58btc multibase, is the
proof's `proofValue`. JCS rather than RDF canonicalisation (`eddsa-rdfc-2022`) because it needs no JSON-LD
processor and no fetched contexts, and signs exactly the JSON that is served. Our documents hold only strings,
integers, booleans, lists and objects with ASCII keys, for which JCS is sorted keys and compact separators.
"""

import base64
import hashlib
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from eparticipation.audit.signing import key_id, load_private_key, raw_public_bytes
from eparticipation.settings import SettingError

SETTING = "eparticipation.certificates.signing_key"
KEY_VARIABLE = "CERTIFICATE_SIGNING_KEY"
DERIVE = "derive-from-session-secret"
CRYPTOSUITE = "eddsa-jcs-2022"
ED25519_MULTICODEC = b"\xed\x01"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class Refused(Exception):
    """A document that is not a certificate of ours, or not as we signed it."""


def canonical(document) -> bytes:
    """JCS (RFC 8785) for documents of strings, integers, booleans, lists and objects with ASCII keys. Within
    those, sorted keys and compact separators are exactly JCS; anything else (a float, whose JCS form is
    ECMAScript's; a key outside ASCII, sorted by UTF-16 units) is refused rather than signed in another form."""
    refuse_outside_jcs_subset(document)
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def refuse_outside_jcs_subset(value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise TypeError(f"a certificate's keys are ASCII strings, not {key!r}")
            refuse_outside_jcs_subset(item)
    elif isinstance(value, list):
        for item in value:
            refuse_outside_jcs_subset(item)
    elif value is not None and not isinstance(value, (str, bool, int)):
        raise TypeError(f"a certificate holds strings, integers, booleans, lists and objects, not {type(value).__name__}")


def base58(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    text = ""
    while number:
        number, digit = divmod(number, 58)
        text = BASE58[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


def unbase58(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + BASE58.index(char)  # ValueError for a character outside the alphabet
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multikey(public_key: Ed25519PublicKey) -> str:
    """The public key as a Multikey's publicKeyMultibase (base58btc, "z6Mk…")."""
    return "z" + base58(ED25519_MULTICODEC + raw_public_bytes(public_key))


def jwk(public_key: Ed25519PublicKey) -> dict:
    x = base64.urlsafe_b64encode(raw_public_bytes(public_key)).rstrip(b"=").decode("ascii")
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": key_id(public_key), "use": "sig", "alg": "EdDSA"}


def hash_data(document: dict, proof_options: dict) -> bytes:
    return hashlib.sha256(canonical(proof_options)).digest() + hashlib.sha256(canonical(document)).digest()


@dataclass(frozen=True)
class CertificateSigner:
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def prove(self, document: dict, *, created: str, verification_method: str) -> dict:
        """The document with its DataIntegrityProof (eddsa-jcs-2022)."""
        options = {"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE, "created": created,
                   "verificationMethod": verification_method, "proofPurpose": "assertionMethod",
                   "@context": document["@context"]}
        signature = self.private_key.sign(hash_data(document, options))
        proof = {key: value for key, value in options.items() if key != "@context"}
        return {**document, "proof": {**proof, "proofValue": "z" + base58(signature)}}


def proof_holds(credential: dict, public_key: Ed25519PublicKey) -> bool:
    """Whether the credential's eddsa-jcs-2022 proof is the key's signature of exactly this document."""
    if not isinstance(credential, dict) or not isinstance(credential.get("proof"), dict):
        return False
    proof = dict(credential["proof"])
    document = {key: value for key, value in credential.items() if key != "proof"}
    value = proof.pop("proofValue", "")
    if proof.get("cryptosuite") != CRYPTOSUITE or proof.get("type") != "DataIntegrityProof" \
            or not isinstance(value, str) or not value.startswith("z") or "@context" not in document:
        return False
    try:
        public_key.verify(unbase58(value[1:]), hash_data(document, {**proof, "@context": document["@context"]}))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def derived_key(session_secret: str) -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"eparticipation certificates").derive(session_secret.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def read_signer(settings: dict, environ=None) -> CertificateSigner | None:
    """The signer, or None when no key is set (nothing is issued then); SettingError for a key that is not one."""
    environ = os.environ if environ is None else environ
    from_environment = bool(environ.get(KEY_VARIABLE, "").strip())
    text = (environ[KEY_VARIABLE] if from_environment else settings.get(SETTING) or "").strip()
    if not text:
        return None
    if text == DERIVE and not from_environment:
        return CertificateSigner(derived_key(settings["eparticipation.session_secret"]))
    try:
        return CertificateSigner(load_private_key(text))
    except ValueError as error:
        source = KEY_VARIABLE if from_environment else SETTING
        raise SettingError(f"{source} is {error}: give the base64 of its 32 bytes, or its PEM") from None


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
