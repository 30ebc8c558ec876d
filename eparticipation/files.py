"""Uploaded files: their type told from their content, archives checked before they are opened, kept outside
the web root, served as downloads."""

import hashlib
import io
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from eparticipation.i18n import _

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


@dataclass(frozen=True)
class ArchiveLimits:
    """How far a zip-based upload (.docx) may expand when opened: in total, and as a multiple of its own size
    (the ratio is only looked at past `ratio_floor` bytes, where a small, very regular file could pass it)."""

    max_expanded_bytes: int = 25 * 1024 * 1024
    max_ratio: int = 100
    max_members: int = 5000
    ratio_floor: int = 1024 * 1024

    @classmethod
    def from_settings(cls, settings) -> "ArchiveLimits":
        return cls(
            max_expanded_bytes=int(settings.get("eparticipation.archive_max_expanded_bytes", cls.max_expanded_bytes)),
            max_ratio=int(settings.get("eparticipation.archive_max_ratio", cls.max_ratio)),
        )

    def too_much(self, expanded: int, archive_size: int) -> bool:
        return expanded > self.max_expanded_bytes or (
            expanded > self.ratio_floor and expanded > self.max_ratio * max(archive_size, 1))


ARCHIVE_TOO_LARGE = _("This file would take more than ${megabytes} MB, or more than ${ratio} times its own size, "
                      "once opened, so the site does not open it. Save it again without large embedded objects, "
                      "or paste its text.")


class ArchiveRefused(ValueError):
    """A zip-based file that expands too much (a "zip bomb"); `message` says so in the reader's language."""

    def __init__(self, limits: ArchiveLimits):
        super().__init__("archive expands too much")
        self.message = _(ARCHIVE_TOO_LARGE, mapping={"megabytes": limits.max_expanded_bytes // (1024 * 1024),
                                                     "ratio": limits.max_ratio})


CHUNK = 64 * 1024
LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the lengths of the name and of the extra field


def check_archive(data: bytes, limits: ArchiveLimits):
    """Refuse (ArchiveRefused) a zip that would expand past `limits`, before anything opens it: first by the
    sizes its central directory declares, then, since those can lie, by inflating every member's compressed
    bytes in chunks and counting what comes out, stopping at the limit (memory stays a few chunks). What is not
    a readable zip is left to the caller (sniff, python-docx) to refuse."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return
    with archive:
        members = archive.infolist()
    if len(members) > limits.max_members:
        raise ArchiveRefused(limits)
    if limits.too_much(sum(member.file_size for member in members), len(data)):
        raise ArchiveRefused(limits)
    expanded = 0
    for member in members:
        expanded += _inflated_size(data, member, limits.max_expanded_bytes - expanded + 1)
        if limits.too_much(expanded, len(data)):
            raise ArchiveRefused(limits)


def _inflated_size(data: bytes, member: zipfile.ZipInfo, at_most: int) -> int:
    """How many bytes the member's compressed data really inflates to (not what its headers say), counting no
    further than `at_most`; 0 for what cannot be read (the caller's own reading then fails on it)."""
    start = member.header_offset
    try:
        signature, name_length, extra_length = LOCAL_HEADER.unpack_from(data, start)
    except struct.error:
        return 0
    if signature != b"PK\x03\x04":
        return 0
    offset = start + LOCAL_HEADER.size + name_length + extra_length
    compressed = memoryview(data)[offset:offset + member.compress_size]
    if member.compress_type == zipfile.ZIP_STORED:
        return len(compressed)
    if member.compress_type != zipfile.ZIP_DEFLATED:
        return member.file_size  # other methods are not used by Word; the declared size was checked
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    try:
        for position in range(0, len(compressed), CHUNK):
            pending = compressed[position:position + CHUNK]
            while pending and total <= at_most:
                total += len(inflater.decompress(pending, CHUNK))
                pending = inflater.unconsumed_tail
            if total > at_most:
                break
    except zlib.error:
        return total
    return total


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


def read_settings(settings: dict) -> dict:
    """The files' settings, parsed in place: where uploads are kept, how large one may be, and how far an uploaded
    .docx (a zip) may expand once opened (ArchiveLimits). Also read by the backup and restore commands."""
    from eparticipation import settings as parse

    parse.integer(settings, "eparticipation.upload_max_bytes", 10 * 1024 * 1024)
    for key in ("archive_max_expanded_bytes", "archive_max_ratio"):
        if settings.get(f"eparticipation.{key}"):
            parse.integer(settings, f"eparticipation.{key}", 0)
    settings.setdefault("eparticipation.files_dir", os.path.join(os.getcwd(), "var", "files"))
    return settings


def includeme(config):
    settings = read_settings(config.get_settings())
    store = FileStore(settings["eparticipation.files_dir"])
    config.add_request_method(lambda request: store, "files", reify=True)
