"""A request whose database connection is terminated is run again (pyramid_retry) instead of answering 500.

The application is served by a real server (waitress, 4 threads) with its own engine, as production sets it
(pool_pre_ping, pool_size 4, max_overflow 2), under load from client threads, while PostgreSQL ends every one
of its connections (`pg_terminate_backend`) again and again. The pages read committed rows (the home page, the
consultations' listing); the test writes none.
"""

import http.client
import os
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa
import waitress
from waitress import wasyncore
from pyramid_retry import BeforeRetry

from eparticipation import main

PAGES = ["/", "/consultations/", "/health/ready"]
CLIENTS = 4
KILLS = 20
KILL_INTERVAL = 0.25


def served(app):
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    stopping = threading.Event()

    def serve():
        try:
            server.run()
        except (OSError, ValueError):  # sockets closed under the loop at shutdown
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=serve, name="connection-loss-server", daemon=True)
    thread.start()

    def stop():
        stopping.set()
        server.close()
        wasyncore.close_all(server._map)
        server.task_dispatcher.shutdown()
        thread.join(timeout=5)

    return server, stop


def test_requests_survive_terminated_database_connections(app_settings, engine, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("pg_terminate_backend is PostgreSQL's; SQLite has no server connection to lose")
    application_name = f"eparticipation-connection-loss-{os.getpid()}"
    settings = dict(app_settings, **{
        "sqlalchemy.url": sa.make_url(database_url).update_query_dict({"application_name": application_name})
        .render_as_string(hide_password=False),
        "sqlalchemy.pool_size": "4",
        "sqlalchemy.max_overflow": "2",
        "sqlalchemy.pool_pre_ping": "true",
    })
    app = main({}, **settings)
    retries = Counter()  # request -> retries it needed
    retried_errors = Counter()
    lock = threading.Lock()

    def on_retry(event):
        with lock:
            retries[id(event.request.environ)] += 1
            retried_errors[type(event.exception).__name__] += 1

    app.registry.registerHandler(on_retry, (BeforeRetry,))
    server, stop_server = served(app)
    port = server.effective_port
    statuses = Counter()
    stop = threading.Event()

    def client(number):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        sent = 0
        while not stop.is_set():
            connection.request("GET", PAGES[(number + sent) % len(PAGES)], headers={"Host": "example.com"})
            response = connection.getresponse()
            response.read()
            sent += 1
            with lock:
                statuses[response.status] += 1
        connection.close()

    clients = [threading.Thread(target=client, args=(n,), name=f"client-{n}") for n in range(CLIENTS)]
    for thread in clients:
        thread.start()
    terminated = 0
    try:
        time.sleep(0.5)  # every client has been served once, the pool is open
        # Autocommit: pg_stat_activity is read afresh by each statement, not once per transaction.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
            for _ in range(KILLS):
                terminated += admin.execute(sa.text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = :name"
                ), {"name": application_name}).scalar()
                time.sleep(KILL_INTERVAL)
        time.sleep(0.5)  # requests after the last kill are served too
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=30)
        stop_server()
        app.registry["db_engine"].dispose()

    requests = sum(statuses.values())
    errors = sum(count for status, count in statuses.items() if status >= 500)
    print(f"\nrequests {requests}, statuses {dict(statuses)}, connections terminated {terminated} in {KILLS} kills, "
          f"retries {sum(retries.values())} ({dict(retried_errors)}), requests retried {len(retries)}, "
          f"most retries of one request {max(retries.values(), default=0)}")
    assert terminated >= KILLS  # the application had connections to lose each time
    assert retries, "no kill landed inside a request: the test proved nothing"
    assert set(retried_errors) == {"OperationalError"}
    assert errors == 0
    assert statuses[200] == requests
