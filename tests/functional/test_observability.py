"""What an operator sees: the request id, the request log line, /metrics, and the 500 page."""

import json
import logging
import re
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from pyramid_retry import RetryableException
from sqlalchemy.orm.exc import StaleDataError
from webob import Request

import eparticipation.site.views as site_views
from eparticipation.messaging.models import Channel, OutboxMessage, OutboxStatus
from eparticipation.observability.logs import JSONFormatter
from eparticipation.observability.requests import ObservedExecutionPolicy
from eparticipation.reports.models import Report, ReportStatus

from ..conftest import NOW, PROJECT
from ..factories import make_agency, make_draft, make_user

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}
REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def scrape(testapp) -> dict:
    """{(name, frozenset(labels)): value} of every sample /metrics shows."""
    page = testapp.get("/metrics", extra_environ=LOCAL)
    assert page.content_type == "text/plain"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(page.text)
        for sample in family.samples
    }


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def request_lines(caplog):
    return [record for record in caplog.records if record.name == "eparticipation.requests"]


# --- the request id -----------------------------------------------------------------------------------------

def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(testapp):
    ids = {testapp.get("/").headers["X-Request-ID"], testapp.get("/no-such-page", status=404).headers["X-Request-ID"]}
    assert len(ids) == 2 and all(REQUEST_ID.fullmatch(i) for i in ids)
    kept = testapp.get("/", headers={"X-Request-ID": "proxy-4f2a:9c1e.77"})
    assert kept.headers["X-Request-ID"] == "proxy-4f2a:9c1e.77"


@pytest.mark.parametrize("incoming", ["short", "x" * 129, "has space in it", "line\u2028break-1234", "<script>12345"])
def test_an_unreadable_incoming_request_id_is_replaced(testapp, incoming):
    answered = testapp.get("/", headers={"X-Request-ID": incoming})
    assert REQUEST_ID.fullmatch(answered.headers["X-Request-ID"])


# --- the request log line -----------------------------------------------------------------------------------

def test_one_log_line_per_request_without_query_values_passwords_or_secrets(testapp, dbsession, caplog):
    user = make_user(dbsession)
    caplog.set_level(logging.INFO, logger="eparticipation.requests")
    form = testapp.get("/login?next=/me&reset=token-abcdef123").forms["login"]
    form["email"] = user.email
    form["password"] = "my-very-secret-password"
    form.submit("login", status=400)
    testapp.login(user.email)
    testapp.get("/me")
    testapp.post("/hooks/bale/bale-hook-secret", "{}", content_type="application/json")

    lines = request_lines(caplog)
    formatted = [JSONFormatter().format(record) for record in lines]
    assert len(lines) == 6  # the login page, the refused sign-in, the login page again, the sign-in, /me, the hook
    for text in formatted:
        for secret in ("token-abcdef123", "my-very-secret-password", "bale-hook-secret", "csrf", "session="):
            assert secret not in text
    first = json.loads(formatted[0])
    assert first["method"] == "GET" and first["path"] == "/login" and first["query"] == ["next", "reset"]
    assert first["status"] == 200 and first["user_id"] is None and first["view"] == "Root:login"
    assert REQUEST_ID.fullmatch(first["request_id"]) and first["duration_ms"] >= 0 and first["attempts"] == 1
    assert json.loads(formatted[1])["status"] == 400
    me = json.loads(formatted[4])
    assert me["path"] == "/me" and me["status"] == 200 and me["user_id"] == user.id
    hook = json.loads(formatted[5])
    assert hook["path"] == "/hooks/bale/…" and hook["view"] == "Root:hooks"


def test_the_json_formatter_writes_one_line_with_the_record_and_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.getLogger("eparticipation.worker").makeRecord(
            "eparticipation.worker", logging.ERROR, __file__, 1, "outbox message %s failed: %s", (12, "رد شد"),
            sys.exc_info(), extra={"message_id": 12},
        )
    text = JSONFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["level"] == "ERROR" and line["logger"] == "eparticipation.worker"
    assert line["message"] == "outbox message 12 failed: رد شد" and "رد شد" in text  # Persian stays readable
    assert line["message_id"] == 12 and "RuntimeError: boom" in line["exception"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


@pytest.mark.parametrize("ini, structured", [("production.ini", True), ("development.ini", False)])
def test_the_shipped_logging_configuration(ini, structured, tmp_path):
    """Production's workers and web processes write JSON lines; development stays readable."""
    script = textwrap.dedent(f"""
        import logging.config
        logging.config.fileConfig({str(PROJECT / ini)!r}, defaults={{"here": {str(PROJECT)!r}}})
        logging.getLogger("eparticipation.messaging.delivery").info("outbox message %s sent by %s", 12, "email")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    if structured:
        line = json.loads(last)
        assert line["message"] == "outbox message 12 sent by email" and line["level"] == "INFO"
    else:
        assert last.endswith("outbox message 12 sent by email") and not last.startswith("{")


# --- /metrics ---------------------------------------------------------------------------------------------

def test_a_request_counts_under_its_view_never_its_path(testapp, dbsession):
    first, second = make_agency(dbsession), make_agency(dbsession)
    before = scrape(testapp)
    testapp.get(f"/agencies/{first.code}/")
    testapp.get(f"/agencies/{second.code}/")
    testapp.get("/no-such-page-8f3e", status=404)
    testapp.get("/me", status=403)  # refused by its permission, still counted under its view
    after = scrape(testapp)
    requests = "eparticipation_http_requests_total"
    assert value(after, requests, view="Me", method="GET", status="4xx") == (
        value(before, requests, view="Me", method="GET", status="4xx") + 1
    )
    assert value(after, requests, view="Agency", method="GET", status="2xx") == (
        value(before, requests, view="Agency", method="GET", status="2xx") + 2
    )
    assert value(after, requests, view="notfound", method="GET", status="4xx") == (
        value(before, requests, view="notfound", method="GET", status="4xx") + 1
    )
    histogram = "eparticipation_http_request_duration_seconds_count"
    assert value(after, histogram, view="Agency", method="GET") == value(before, histogram, view="Agency", method="GET") + 2
    labels = {dict(key[1]).get("view") for key in after}
    assert not any(first.code in str(label) or "8f3e" in str(label) for label in labels)


def test_a_failed_sign_in_is_counted(testapp, dbsession):
    user = make_user(dbsession)
    before = scrape(testapp)
    testapp.login(user.email, password="not the password", status=400)
    testapp.login("nobody@example.org", password="not the password", status=400)
    after = scrape(testapp)
    name = "eparticipation_sign_in_failures_total"
    assert value(after, name, reason="credentials") == value(before, name, reason="credentials") + 2
    assert (name, frozenset({("reason", "throttled")})) in after  # shown at 0 before any throttling


def test_the_outbox_backlog_dead_letters_and_waiting_reports_show(testapp, dbsession):
    user = make_user(dbsession)
    before = scrape(testapp)
    for channel, status, key in ((Channel.bale, OutboxStatus.pending, "a"), (Channel.email, OutboxStatus.dead, "b"),
                                 (Channel.email, OutboxStatus.sent, "c")):
        dbsession.add(OutboxMessage(
            user_id=user.id, channel=channel, address="x", key=key, subject="s", body="b", link="/", status=status,
            next_attempt_at=NOW, created_at=NOW - timedelta(minutes=30), sent_at=NOW if status == "sent" else None,
        ))
    agency = make_agency(dbsession)
    for status in (ReportStatus.queued, ReportStatus.failed):
        dbsession.add(Report(draft_id=make_draft(dbsession, agency, state="closed").id, status=status,
                             requested_at=NOW - timedelta(hours=2)))
    dbsession.flush()
    after = scrape(testapp)
    backlog = "eparticipation_outbox_messages"
    assert value(after, backlog, channel="bale", status="pending") == value(
        before, backlog, channel="bale", status="pending") + 1
    assert value(after, backlog, channel="email", status="dead") == value(
        before, backlog, channel="email", status="dead") + 1
    assert (backlog, frozenset({("channel", "email"), ("status", "sent")})) not in after
    assert value(after, "eparticipation_outbox_dead_letters", channel="email") == value(
        before, "eparticipation_outbox_dead_letters", channel="email") + 1
    assert value(after, "eparticipation_outbox_oldest_pending_seconds") >= 30 * 60
    for status in ("queued", "failed"):
        assert value(after, "eparticipation_reports", status=status) == value(
            before, "eparticipation_reports", status=status) + 1
    assert value(after, "eparticipation_reports_oldest_queued_seconds") >= 2 * 3600


def test_metrics_set_no_cookie(testapp):
    page = testapp.get("/metrics", extra_environ=LOCAL, headers={"Cookie": "_LOCALE_=en"})
    assert "Set-Cookie" not in page.headers and page.headers["Cache-Control"] == "no-store"
    assert REQUEST_ID.fullmatch(page.headers["X-Request-ID"])


@pytest.mark.parametrize("environ", [
    {},  # no address at all
    {"REMOTE_ADDR": "203.0.113.9"},
    {"REMOTE_ADDR": "10.1.2.3"},  # a private address, but not one the setting names
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"},  # through the local TLS proxy
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1, 203.0.113.9"},  # a forged first hop
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "not-an-address"},
])
def test_metrics_are_not_found_from_other_addresses(testapp, environ):
    page = testapp.get("/metrics", extra_environ=environ, status=404)
    assert "eparticipation_http_requests" not in page.text


def test_metrics_refuse_other_methods(testapp):
    testapp.post("/metrics", extra_environ=LOCAL, status=404)


def test_the_allowed_addresses_setting():
    from eparticipation.observability.metrics import client_address, parse_networks, read_settings

    settings = read_settings({"eparticipation.metrics.allowed": "127.0.0.1 ::1 10.0.0.0/8"})
    allowed, proxies = settings["eparticipation.metrics.allowed"], settings["eparticipation.metrics.trusted_proxies"]
    for environ, expected in [
        ({"REMOTE_ADDR": "10.20.30.40"}, True),
        ({"REMOTE_ADDR": "::1"}, True),
        ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.0.0.7"}, True),
        ({"REMOTE_ADDR": "11.0.0.1"}, False),
        ({"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}, True),  # 10.0.0.9 is not a proxy of ours
    ]:
        address = client_address(environ, proxies)
        assert (address is not None and any(address in network for network in allowed)) is expected, environ
    with pytest.raises(ValueError, match="eparticipation.metrics.allowed"):
        parse_networks("127.0.0.1 localhost", "eparticipation.metrics.allowed")


def test_multi_process_mode_adds_up_every_process(tmp_path, app_settings, engine):
    """Under a pre-fork server each worker counts in files of PROMETHEUS_MULTIPROC_DIR; one scrape shows all."""
    counting = textwrap.dedent("""
        import sys
        from eparticipation.observability.metrics import SIGN_IN_FAILURES, observe_request
        for _ in range(int(sys.argv[1])):
            observe_request("Root", "GET", 200, 0.03)
        SIGN_IN_FAILURES.labels("credentials").inc()
    """)
    scraping = textwrap.dedent("""
        import json, sys, webtest
        from eparticipation import main
        app = webtest.TestApp(main({}, **json.loads(sys.argv[1])), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        print(app.get("/metrics").text)
    """)
    environment = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}

    def run(script, *args):
        done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120,
                              env=environment, cwd=PROJECT)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run(counting, "3")
    run(counting, "2")
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(run(scraping, json.dumps(app_settings)))
        for sample in family.samples
    }
    assert value(samples, "eparticipation_http_requests_total", view="Root", method="GET", status="2xx") == 5
    assert value(samples, "eparticipation_http_request_duration_seconds_count", view="Root", method="GET") == 5
    assert value(samples, "eparticipation_sign_in_failures_total", reason="credentials") == 2
    assert ("eparticipation_outbox_oldest_pending_seconds", frozenset()) in samples  # the database's, too
    assert len(list(Path(tmp_path).glob("*.db"))) >= 2


# --- the 500 page -----------------------------------------------------------------------------------------

class FailingQueries:
    """Stands in for `sqlalchemy` in the home page's module: its query fails `failures` times, then works."""

    def __init__(self, error, failures):
        import sqlalchemy

        self.real, self.error, self.failures, self.calls = sqlalchemy, error, failures, 0

    def __getattr__(self, name):
        return getattr(self.real, name)

    def select(self, *args, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return self.real.select(*args, **kwargs)


@pytest.fixture
def failing_home(monkeypatch):
    def install(error, failures=1):
        queries = FailingQueries(error, failures)
        monkeypatch.setattr(site_views, "sa", queries)
        return queries

    return install


@pytest.mark.parametrize("error", [
    RetryableException("connection lost"),  # marked retryable where it is raised (e.g. db.py's IntegrityError)
    StaleDataError("the row changed meanwhile"),  # retryable because the session's data manager says so
], ids=["marked", "concurrent-change"])
def test_a_retryable_error_is_retried_and_the_page_answers(testapp, dbsession, failing_home, caplog, error):
    dbsession.execute(sa.text("SELECT 1"))  # the session takes part in the transaction, as in any request
    queries = failing_home(error)
    caplog.set_level(logging.INFO)
    testapp.get("/", status=200)
    assert queries.calls == 2
    assert [record.attempts for record in request_lines(caplog)] == [2]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_retryable_error_on_every_attempt_gets_the_error_page_once(testapp, failing_home, caplog):
    queries = failing_home(RetryableException("connection lost"), failures=99)
    caplog.set_level(logging.INFO)
    page = testapp.get("/", status=500)
    assert queries.calls == 3  # retry.attempts
    assert page.headers["X-Request-ID"] in page.text
    assert len([record for record in caplog.records if record.levelno >= logging.ERROR]) == 1


@pytest.mark.parametrize("language, title", [("fa", "مشکلی پیش آمد"), ("en", "Something went wrong")])
def test_an_unexpected_error_answers_the_translated_page_with_its_reference(
        testapp, failing_home, caplog, language, title):
    failing_home(ValueError("SELECT secret_column FROM users -- internal detail"))
    caplog.set_level(logging.INFO)
    page = testapp.get(f"/?_LOCALE_={language}", status=500)
    request_id = page.headers["X-Request-ID"]
    assert REQUEST_ID.fullmatch(request_id)
    assert title in page.text and request_id in page.text
    assert f'lang="{language}"' in page.text and "site-header" in page.text  # the site's own layout
    assert "secret_column" not in page.text and "Traceback" not in page.text and "ValueError" not in page.text
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1 and request_id in errors[0].getMessage()
    assert "secret_column" in JSONFormatter().format(errors[0])  # the traceback is the operator's
    assert request_lines(caplog)[-1].status == 500 and request_lines(caplog)[-1].request_id == request_id


@pytest.mark.parametrize("language, title", [("fa", "مشکلی پیش آمد"), ("en", "Something went wrong")])
def test_when_the_layout_itself_fails_a_minimal_page_still_answers(
        testapp, failing_home, monkeypatch, language, title):
    failing_home(ValueError("internal detail"))

    def broken_layout(*args, **kwargs):
        raise RuntimeError("the layout's database is gone")

    monkeypatch.setattr(site_views, "render_to_response", broken_layout)
    page = testapp.get(f"/?_LOCALE_={language}", status=500)
    assert title in page.text and page.headers["X-Request-ID"] in page.text
    assert "internal detail" not in page.text and "database is gone" not in page.text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_an_error_that_escapes_every_view_still_gets_our_page(app, caplog):
    """What the WSGI server (gunicorn, waitress) would otherwise answer with its own page."""

    def broken_policy(environ, router):
        raise RuntimeError("a tween failed: internal detail")

    environ = Request.blank("/consultations/", headers={"Cookie": "_LOCALE_=en", "X-Request-ID": "edge-1234abcd"}).environ
    caplog.set_level(logging.INFO)
    response = ObservedExecutionPolicy(broken_policy)(environ, app)
    assert response.status_int == 500 and response.headers["X-Request-ID"] == "edge-1234abcd"
    assert "Something went wrong" in response.text and "edge-1234abcd" in response.text
    assert "internal detail" not in response.text
    assert request_lines(caplog)[-1].status == 500
    assert any("edge-1234abcd" in record.getMessage() and record.exc_info for record in caplog.records)
