"""A .docx is a zip: one of a few hundred KB can expand to 100 MB and more (a "zip bomb"), which python-docx would
read whole into memory. Such a file is refused before anything opens it, quickly and in bounded memory, from the
import and from the original document's upload, with a translated message."""

import io
import struct
import time
import tracemalloc
import zipfile

import docx
import pytest
from webtest import Upload

from eparticipation.consultations.importer import read_docx
from eparticipation.files import ArchiveLimits, ArchiveRefused, check_archive

from ..factories import make_agency, make_draft, make_user

BOMB_MEMBER = "word/media/image1.bin"


def docx_bytes(paragraphs=("ماده ۱ – کلیات",)) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def bomb(expanded_mb=100) -> bytes:
    """A real .docx with one more member: `expanded_mb` MB of zeros, which deflate to about a thousandth."""
    buffer = io.BytesIO(docx_bytes())
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(BOMB_MEMBER, "w", force_zip64=True) as member:
            zeros = bytes(1024 * 1024)
            for _ in range(expanded_mb):
                member.write(zeros)
    return buffer.getvalue()


def lying(data: bytes, member_name=BOMB_MEMBER, declared=1000) -> bytes:
    """The same archive, but its headers claim the member expands to `declared` bytes."""
    data = bytearray(data)
    name = member_name.encode()
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(name))  # the member's central directory entry
    if struct.unpack_from("<I", data, central + 24)[0] != 0xFFFFFFFF:
        struct.pack_into("<I", data, central + 24, declared)
    # A zip64 entry keeps its real sizes in an extra field: rewrite it too.
    extra = data.find(b"\x01\x00", central + 46 + len(name))
    if extra != -1 and extra < central + 46 + len(name) + 32:
        struct.pack_into("<Q", data, extra + 4, declared)
    return bytes(data)


@pytest.fixture(scope="module")
def hundred_mb_bomb() -> bytes:
    return bomb()


def test_the_bomb_is_small_on_disk_and_large_once_opened(hundred_mb_bomb):
    data = hundred_mb_bomb
    assert len(data) < 500 * 1024
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sum(member.file_size for member in archive.infolist()) > 100 * 1024 * 1024


def test_a_bomb_is_refused_before_it_is_read_quickly_and_in_bounded_memory(hundred_mb_bomb):
    data = hundred_mb_bomb
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ArchiveRefused):
        read_docx(data)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 2 and peak < 5 * 1024 * 1024


def test_an_archive_whose_headers_lie_is_refused_by_counting_what_it_inflates_to(hundred_mb_bomb):
    """The central directory says 1000 bytes: the bytes counted while inflating tell the truth."""
    data = lying(hundred_mb_bomb)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo(BOMB_MEMBER).file_size == 1000
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(ArchiveRefused):
        read_docx(data)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 5 and peak < 5 * 1024 * 1024


def test_the_ratio_alone_refuses_a_smaller_bomb_and_ordinary_documents_pass():
    limits = ArchiveLimits(max_expanded_bytes=1024**3, max_ratio=100)
    with pytest.raises(ArchiveRefused):
        check_archive(bomb(expanded_mb=8), limits)
    check_archive(docx_bytes(["ماده ۱ – کلیات", "متن " * 20_000]), limits)  # text compresses, not a thousandfold
    check_archive(b"not a zip at all", limits)  # left to the type check


def test_the_limits_come_from_the_settings():
    assert ArchiveLimits.from_settings({"eparticipation.archive_max_expanded_bytes": "1000",
                                        "eparticipation.archive_max_ratio": "7"}) == ArchiveLimits(1000, 7)
    assert ArchiveLimits.from_settings({}) == ArchiveLimits()


@pytest.fixture
def draft(dbsession):
    agency = make_agency(dbsession, code="tax")
    make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])
    return make_draft(dbsession, agency)


@pytest.mark.parametrize("language, message", [
    ("fa", "بیش از ۲۵ مگابایت"),
    ("en", "more than 25 MB, or more than 100 times its own size"),
])
def test_the_import_refuses_a_bomb_with_a_translated_message(testapp, draft, hundred_mb_bomb, language, message):
    testapp.get(f"/?_LOCALE_={language}")
    testapp.login("editor@example.org")
    form = testapp.get(f"/consultations/{draft.id}/import").forms["import"]
    form["upload"] = Upload("bylaw.docx", hundred_mb_bomb)
    page = form.submit("preview", status=400)
    assert message in page.text


def test_the_original_document_s_upload_refuses_a_bomb(en, draft, hundred_mb_bomb):
    en.login("editor@example.org")
    form = en.get(f"/consultations/{draft.id}/attach").forms["attach"]
    form["upload"] = Upload("original.docx", hundred_mb_bomb)
    assert "more than 25 MB" in form.submit("attach", status=400).text
    assert draft.original_file_key is None
