"""Keys derived from the site's session secret: one secret in the environment, a separate key per purpose
(HKDF's `info`), so that what one key encrypts another cannot read."""

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derived_fernet(session_secret: str, purpose: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(session_secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))
