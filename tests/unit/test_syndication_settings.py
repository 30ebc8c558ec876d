"""The syndication settings: off without an address; everything a push needs checked at start-up; the
environment's SYNDICATION_* overriding the ini; and the signature as the README documents it."""

import hashlib
import hmac
from datetime import timedelta

import pytest

from eparticipation.settings import SettingError
from eparticipation.syndication.payload import signature
from eparticipation.syndication.settings import read_syndication_settings

P = "eparticipation.syndication."
SECRET = "s" * 32
GOOD = {f"{P}url": "https://e-participation.example.ir/api/events", f"{P}token": "t0k3n", f"{P}secret": SECRET}


def test_off_without_an_address():
    assert read_syndication_settings({}, environ={}) is None
    assert read_syndication_settings({f"{P}url": "", f"{P}token": "t"}, environ={}) is None


def test_a_complete_configuration_with_its_defaults():
    config = read_syndication_settings(GOOD, environ={})
    assert (config.url, config.token, config.secret) == (GOOD[f"{P}url"], "t0k3n", SECRET)
    assert (config.timeout, config.max_attempts, config.retry_base, config.lease) == (
        15.0, 8, timedelta(minutes=1), timedelta(minutes=5))
    assert [config.retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]


def test_the_environment_overrides_the_ini():
    config = read_syndication_settings(
        {f"{P}url": "https://old.example.ir/"},
        environ={"SYNDICATION_URL": "https://new.example.ir/events", "SYNDICATION_TOKEN": "from-env",
                 "SYNDICATION_SECRET": "e" * 40, "SYNDICATION_TIMEOUT": "7", "SYNDICATION_EMPTY_IGNORED": ""})
    assert (config.url, config.token, config.secret, config.timeout) == (
        "https://new.example.ir/events", "from-env", "e" * 40, 7.0)


@pytest.mark.parametrize("changes, message", [
    ({f"{P}token": ""}, "token is not set"),
    ({f"{P}secret": "short"}, "secret must be at least 32"),
    ({f"{P}url": "ftp://example.ir/"}, "must be an http(s) address"),
    ({f"{P}url": "http://e-participation.example.ir/"}, "must be https"),
    ({f"{P}url": "https://user:pw@example.ir/"}, "must not carry a user"),
    ({f"{P}timeout": "soon"}, "timeout must be a number"),
    ({f"{P}timeout": "0"}, "timeout must be between"),
    ({f"{P}max_attempts": "0"}, "max_attempts must be between"),
    ({f"{P}retry_base_seconds": "0"}, "retry_base_seconds must be between"),
    ({f"{P}timeout": "30", f"{P}lease_seconds": "20"}, "lease_seconds must be longer"),
    ({f"{P}adress": "x"}, "adress is not a syndication setting"),
])
def test_what_would_fail_only_at_the_first_push_is_refused_at_start_up(changes, message):
    with pytest.raises(SettingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_syndication_settings({**GOOD, **changes}, environ={})


def test_plain_http_only_to_this_machine():
    for url in ("http://127.0.0.1:8080/events", "http://localhost/events", "http://[::1]/events"):
        assert read_syndication_settings({**GOOD, f"{P}url": url}, environ={}).url == url


def test_the_signature_is_the_hex_hmac_sha256_of_the_body():
    body = '{"event":"consultation.opened","title":"پیش‌نویس"}'.encode()
    assert signature(SECRET, body) == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert signature(SECRET, body) != signature(SECRET, body + b" ")


def test_the_worker_runs_the_syndication_task(app):
    from eparticipation.syndication.delivery import deliver_pushes
    from eparticipation.tasks import worker_tasks

    assert ("syndication", deliver_pushes) in worker_tasks(app.registry)


def test_the_sites_public_origin_is_an_origin():
    assert read_syndication_settings(GOOD, environ={}).site_url == ""
    config = read_syndication_settings({**GOOD, f"{P}site_url": "https://participation.example.ir/"}, environ={})
    assert config.site_url == "https://participation.example.ir"
    for wrong in ("participation.example.ir", "https://participation.example.ir/participation", "ftp://x.ir",
                  "https://x.ir/?a=1"):
        with pytest.raises(SettingError, match="site_url must be an origin"):
            read_syndication_settings({**GOOD, f"{P}site_url": wrong}, environ={})


def test_an_address_is_put_on_the_sites_origin_with_its_prefix_kept():
    from eparticipation.syndication.payload import on_site

    assert on_site("http://localhost/participation/consultations/3/", "https://p.example.ir") == (
        "https://p.example.ir/participation/consultations/3/")
    assert on_site("http://example.com/consultations/3/report/report.json", "") == (
        "http://example.com/consultations/3/report/report.json")
