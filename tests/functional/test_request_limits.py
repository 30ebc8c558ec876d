"""Bodies far larger than any upload are refused before they are read, with the site's translated page."""

import io

import pytest

from eparticipation.operations.limits import TOO_LARGE, body_max_bytes, bound_body

MAX = 1000


class CountingStream(io.BytesIO):
    """A request body that remembers how much of it was read."""

    def read(self, size=-1):
        data = super().read(size)
        self.taken = getattr(self, "taken", 0) + len(data)
        return data


def test_the_limit_is_twice_the_largest_upload_unless_set():
    assert body_max_bytes({"eparticipation.upload_max_bytes": 10}) == 20
    assert body_max_bytes({"eparticipation.upload_max_bytes": 10, "eparticipation.request_body_max_bytes": "15"}) == 15


def test_a_declared_length_over_the_limit_is_refused_unread():
    stream = CountingStream(b"x" * (MAX + 1))
    environ = {"CONTENT_LENGTH": str(MAX + 1), "wsgi.input": stream}
    bound_body(environ, MAX)
    assert environ[TOO_LARGE] and environ["CONTENT_LENGTH"] == "0"
    assert getattr(stream, "taken", 0) == 0


def test_a_declared_length_within_the_limit_is_left_alone():
    stream = CountingStream(b"x" * MAX)
    environ = {"CONTENT_LENGTH": str(MAX), "wsgi.input": stream}
    bound_body(environ, MAX)
    assert TOO_LARGE not in environ and environ["wsgi.input"] is stream


@pytest.mark.parametrize("size, refused", [(MAX, False), (MAX + 1, True), (50 * MAX, True)])
def test_a_chunked_body_is_read_up_to_the_limit_and_no_further(size, refused):
    stream = CountingStream(b"y" * size)
    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": stream}
    bound_body(environ, MAX)
    assert stream.taken <= MAX + 1
    assert "HTTP_TRANSFER_ENCODING" not in environ
    if refused:
        assert environ[TOO_LARGE] and environ["CONTENT_LENGTH"] == "0"
    else:
        assert TOO_LARGE not in environ
        assert environ["CONTENT_LENGTH"] == str(size) and environ["wsgi.input"].read() == b"y" * size


def test_a_far_too_large_post_gets_the_translated_page(testapp, app):
    limit = body_max_bytes(app.registry.settings)
    response = testapp.post("/login", b"email=a" + b"a" * limit, content_type="application/x-www-form-urlencoded",
                            status=413)
    assert "آنچه فرستادید بیش از اندازه بزرگ است" in response.text
    assert "۱۰" in response.text  # the upload limit, 10 MB, in Persian digits


def test_a_post_within_the_limit_reaches_its_view(testapp):
    # The sign-in form answers (its CSRF check refuses a post without a token), not the size limit.
    testapp.post("/login", {"email": "a@example.org", "password": "x" * 100_000}, status=400)
