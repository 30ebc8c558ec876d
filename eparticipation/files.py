"""Uploaded files: their type told from their content, kept outside the web root, served as downloads."""

import hashlib
import io
import os
import zipfile
from pathlib import Path

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx"}


def sniff(data: bytes) -> str | None:
    """The real type of a document, whatever its name says: PDF or DOCX, else None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if {"[Content_Types].xml", "word/document.xml"} <= names:
            return DOCX
    return None


class FileStore:
    """Files by the SHA-256 of their content (so a file stored twice is kept once), in a directory
    that the web server does not serve."""

    def __init__(self, root: str):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise KeyError(key)
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self.path(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.write_bytes(data)
            os.replace(partial, path)  # never a half-written file under the final name
        return key

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()


def includeme(config):
    store = FileStore(config.get_settings()["eparticipation.files_dir"])
    config.add_request_method(lambda request: store, "files", reify=True)
