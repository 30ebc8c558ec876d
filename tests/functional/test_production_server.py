"""`eparticipation-web production.ini` as an operator starts it (deploy/eparticipation-web.service): gunicorn's
pre-fork workers, behind a TLS proxy on this machine, with nothing but the environment and a port of its own
(a copy of production.ini with its `bind`). `pserve production.ini` starts the same server.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..conftest import PROJECT, TEST_SIGNING_KEY

BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_ini_on(port, folder: Path, workers=None) -> Path:
    """production.ini, served on `port`, its paths kept pointing into the project, files under `folder`."""
    text = (PROJECT / "production.ini").read_text()
    text, bound = re.subn(r"^bind = .*$", f"bind = 127.0.0.1:{port}", text, flags=re.M)
    assert bound == 1
    if workers is not None:
        text = re.sub(r"^workers = .*$", f"workers = {workers}", text, flags=re.M)
    text = text.replace("%(here)s/var/files", str(folder / "files")).replace("%(here)s", str(PROJECT))
    ini = folder / "production.ini"
    ini.write_text(text)
    return ini


def workers_of(pid) -> set[int]:
    listed = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return {int(line) for line in listed.split()}


def get(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": "consult.example.ir", **(headers or {})})
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response, body


def production_environment(database_url, metrics):
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        SESSION_SECRET="production-server-test-only-S0PaL7iAVlbfw-EvPURPhr",
        MESSAGING_EMAIL_PASSWORD="unused",
        MESSAGING_BALE_TOKEN="unused",
        MESSAGING_BALE_WEBHOOK_SECRET="unused",
        MESSAGING_EITAA_TOKEN="unused",
        PROMETHEUS_MULTIPROC_DIR=str(metrics),
        AUDIT_SIGNING_KEY=TEST_SIGNING_KEY,
    )


@contextmanager
def serving(tmp_path, database_url, command="eparticipation-web"):
    port = free_port()
    ini = production_ini_on(port, tmp_path)
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    log = tmp_path / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen([str(BIN / command), str(ini)], env=production_environment(database_url, metrics),
                                  stdout=output, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        for _ in range(300):
            if server.poll() is not None:
                pytest.fail(f"the server stopped: {log.read_text()}")
            try:
                if get(port, "/health/live")[0].status == 200 and len(workers_of(server.pid)) == 3:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail(f"the server did not start: {log.read_text()}")
        yield port, server, metrics, log
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory, engine, database_url):
    """The server's port, master process, metrics folder and log; the schema is the suite's."""
    with serving(tmp_path_factory.mktemp("production"), database_url) as served:
        yield served


def test_production_ini_serves_without_a_banner_behind_the_proxy(production_server):
    port, server, metrics, log = production_server
    assert len(workers_of(server.pid)) == 3

    response, body = get(port, "/health/ready")
    assert response.status == 200, body
    assert response.getheader("Server") is None

    # The proxy says the visitor came over https: the site's own links say so too.
    response, body = get(port, "/me", {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert response.status == 403
    assert 'href="https://consult.example.ir/login?next=' in body
    assert get(port, "/me")[1].count('href="http://consult.example.ir/login?next=') == 1


def test_a_far_too_large_body_is_refused_before_it_is_sent(production_server):
    port = production_server[0]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"POST /login HTTP/1.1\r\nHost: consult.example.ir\r\nContent-Length: 500000000\r\n"
                           b"Content-Type: application/x-www-form-urlencoded\r\n\r\nemail=a")
        head = connection.recv(65536).decode(errors="replace")
    assert head.startswith("HTTP/1.1 413 ")
    assert "\r\nserver:" not in head.lower()


def test_a_worker_that_dies_is_replaced_and_its_live_metrics_removed(production_server):
    port, server, metrics, log = production_server
    victim = min(workers_of(server.pid))
    live_gauge = metrics / f"gauge_livesum_{victim}.db"
    live_gauge.write_bytes(b"")
    kept = metrics / f"counter_{victim}.db"  # counters outlive their process
    kept.write_bytes(b"")
    os.kill(victim, signal.SIGKILL)
    for _ in range(100):
        workers = workers_of(server.pid)
        if victim not in workers and len(workers) == 3 and not live_gauge.exists():
            break
        time.sleep(0.1)
    assert victim not in workers and len(workers) == 3
    assert not live_gauge.exists() and kept.exists()
    assert get(port, "/health/live")[0].status == 200


def test_sigterm_stops_it_cleanly(tmp_path, engine, database_url):
    with serving(tmp_path, database_url) as (port, server, metrics, log):
        workers = workers_of(server.pid)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=40) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_pserve_serves_it_too(tmp_path, engine, database_url):
    with serving(tmp_path, database_url, command="pserve") as (port, server, metrics, log):
        response, body = get(port, "/health/ready")
        assert response.status == 200 and response.getheader("Server") is None


def test_pools_larger_than_postgresql_accepts_are_refused_at_start(tmp_path, engine, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("only PostgreSQL's connections are counted")
    ini = production_ini_on(free_port(), tmp_path, workers=1000)
    started = subprocess.run([str(BIN / "eparticipation-web"), str(ini)], capture_output=True, text=True,
                             env=production_environment(database_url, tmp_path), cwd=tmp_path, timeout=120)
    assert started.returncode == 1
    assert "the database pools do not fit: 1000 processes x 6 connections = 6000" in started.stderr
