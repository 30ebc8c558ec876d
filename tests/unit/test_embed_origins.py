"""Origins that may frame the widget: what is accepted, how it is normalised, and why the rest is refused."""

import pytest

from eparticipation.embed.origins import MAX_ORIGINS, NotAnOrigin, parse_origin, parse_origins
from eparticipation.headers import CONTENT_SECURITY_POLICY, SECURITY_HEADERS, framing_headers


@pytest.mark.parametrize("typed, origin", [
    ("https://portal.example.ir", "https://portal.example.ir"),
    ("  https://portal.example.ir/  ", "https://portal.example.ir"),
    ("HTTPS://Portal.Example.IR", "https://portal.example.ir"),
    ("https://portal.example.ir:443", "https://portal.example.ir"),
    ("https://portal.example.ir:8443", "https://portal.example.ir:8443"),
    ("https://xn--mgba3a4f16a.ir", "https://xn--mgba3a4f16a.ir"),
    ("https://10.0.0.12", "https://10.0.0.12"),
    ("http://localhost:8080", "http://localhost:8080"),
    ("http://127.0.0.1:5000/", "http://127.0.0.1:5000"),
    ("http://[::1]:8000", "http://[::1]:8000"),
    ("http://localhost:80", "http://localhost"),
])
def test_accepted(typed, origin):
    assert parse_origin(typed) == origin


@pytest.mark.parametrize("typed, reason", [
    ("http://portal.example.ir", "Only https"),
    ("http://10.0.0.12", "Only https"),
    ("https://portal.example.ir/embed", "no path"),
    ("https://portal.example.ir?x=1", "no path"),
    ("https://portal.example.ir#top", "no path"),
    ("https://portal.example.ir/?", "no path"),
    ("portal.example.ir", "begins with https://"),
    ("//portal.example.ir", "begins with https://"),
    ("ftp://portal.example.ir", "begins with https://"),
    ("data:text/html,x", "begins with https://"),
    ("'self'", "begins with https://"),
    ("https://*.example.ir", "wildcards"),
    ("https://a:b@portal.example.ir", "user name"),
    ("https://portal.example.ir:0", "port"),
    ("https://portal.example.ir:70000", "port"),
    ("https://portal.example.ir:x", "port"),
    ("https://", "valid host"),
    ("https://-portal.ir", "valid host"),
    ("https://portal_1.ir", "valid host"),
    ("https://portal.ir; script-src *", "wildcards"),
    ("https://portal.ir;default-src", "valid host"),
    ("https://portal.ir portal2.ir", "valid host"),
    ("https://999.1.1.1", "valid host"),
    ("https://پورتال.ir", "ASCII"),
    ("https://" + "a" * 300 + ".ir", "at most"),
])
def test_refused(typed, reason):
    with pytest.raises(NotAnOrigin) as refused:
        parse_origin(typed)
    assert reason in refused.value.message.interpolate()


def test_lines_duplicates_and_blanks():
    origins, wrong = parse_origins("https://a.example.ir\n\nhttps://A.example.ir/\r\nhttp://b.example.ir\n  \n")
    assert origins == ["https://a.example.ir"]
    assert [line for line, _ in wrong] == ["http://b.example.ir"]
    assert MAX_ORIGINS >= 10


def test_framing_headers():
    assert framing_headers(()) is SECURITY_HEADERS
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    allowed = framing_headers(("https://a.example.ir", "http://localhost:8080"))
    assert allowed["Content-Security-Policy"] == CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", "frame-ancestors https://a.example.ir http://localhost:8080")
    assert "X-Frame-Options" not in allowed
    assert SECURITY_HEADERS["X-Frame-Options"] == "DENY"  # the site's own headers are not changed
