"""gunicorn's settings and hooks for production.ini (`config = python:eparticipation.operations.server` in
its [server:main]; the settings written there override these).

gunicorn reads every module-level name that is one of its settings: keep other names private (_name).

- No `Server:` banner: gunicorn always writes "Server: gunicorn"; the hook drops that header line.
- Each worker process opens its own database connections: connections opened before the fork (in the
  master, e.g. by the start-up check) are never used by a worker.
- Before serving, the master checks that the workers' pools fit in PostgreSQL's max_connections.
- Prometheus' multi-process mode (PROMETHEUS_MULTIPROC_DIR): a worker that exits has its live gauges removed.
"""

import os

# The pre-fork workers use every core (one process holds one GIL: cores + 1 keeps them busy while one waits),
# the threads of each (gthread) serve the requests that wait on the database. For 2 cores: 3 workers of
# 4 threads. See README "Production".
worker_class = "gthread"
workers = 3
threads = 4
# Requests are short; a report or PDF is built by the report worker, never in a request.
timeout = 30
graceful_timeout = 30
keepalive = 5
# systemd manages the processes (signals): no control socket under $HOME.
control_socket_disable = True


def on_starting(server):
    _drop_server_banner()
    # Before the listening socket is opened: a configuration that cannot hold is refused at once.
    registry = getattr(server.app.wsgi(), "registry", None)
    if registry is not None:
        from eparticipation.operations.capacity import check_connection_budget

        check_connection_budget(registry, server.cfg.workers)


def post_worker_init(worker):
    registry = getattr(worker.wsgi, "registry", None)
    if registry is not None:
        # Forget (without closing) connections inherited from the master: they belong to it.
        registry["db_engine"].dispose(close=False)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _drop_server_banner():
    from gunicorn.http import wsgi

    default_headers = wsgi.Response.default_headers
    if getattr(default_headers, "without_server", False):
        return

    def without_server(self):
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    without_server.without_server = True
    wsgi.Response.default_headers = without_server
