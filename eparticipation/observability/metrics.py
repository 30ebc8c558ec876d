"""Prometheus metrics, at /metrics for the addresses of `eparticipation.metrics.allowed`.

Counters and histograms live in the processes that count (each web worker); under a pre-fork server with
PROMETHEUS_MULTIPROC_DIR set, prometheus_client keeps them in files there and a scrape adds up every
process's. That variable must be set before prometheus_client is imported, i.e. in the server's environment.
Without it, one process answers for itself.

What the database knows (the outbox, the reports, the pushes to the national system) is read when scraped, in
three aggregate statements, so every process answers the same and nothing has to be kept in step."""

import ipaddress
import os

import sqlalchemy as sa
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from eparticipation.resources import Root

DEFAULT_ALLOWED = "127.0.0.1 ::1"
# Who may speak for the client in X-Forwarded-For: the TLS proxy on this machine. Behind it, REMOTE_ADDR is
# the proxy's unless the server rewrote it; either way the address that reached the proxy is the one checked.
DEFAULT_TRUSTED_PROXIES = "127.0.0.1 ::1"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "eparticipation_http_requests",
    "HTTP requests answered, by the view that answered (context type:view name), method and status class.",
    ["view", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "eparticipation_http_request_duration_seconds",
    "Time to answer an HTTP request (every retry attempt included), by view and method.",
    ["view", "method"],
    buckets=LATENCY_BUCKETS,
)
SIGN_IN_FAILURES = Counter(
    "eparticipation_sign_in_failures",
    "Sign-ins refused: wrong address or password, or a closed account (credentials), a wrong or reused code "
    "(second_factor), or too many failures (throttled).",
    ["reason"],
)
for _reason in ("credentials", "second_factor", "throttled"):
    SIGN_IN_FAILURES.labels(_reason)  # present at 0, so rates start from the first scrape


def observe_request(view: str, method: str, status: int, seconds: float):
    REQUESTS.labels(view, method, f"{status // 100}xx").inc()
    REQUEST_SECONDS.labels(view, method).observe(seconds)


def parse_networks(value: str, setting: str) -> tuple:
    try:
        return tuple(ipaddress.ip_network(item, strict=False) for item in value.split())
    except ValueError as error:
        raise ValueError(f"{setting}: {error}") from None


def read_settings(settings) -> dict:
    return {
        "eparticipation.metrics.allowed": parse_networks(
            settings.get("eparticipation.metrics.allowed", DEFAULT_ALLOWED), "eparticipation.metrics.allowed"
        ),
        "eparticipation.metrics.trusted_proxies": parse_networks(
            settings.get("eparticipation.metrics.trusted_proxies", DEFAULT_TRUSTED_PROXIES),
            "eparticipation.metrics.trusted_proxies",
        ),
    }


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().split("%", 1)[0])
    except ValueError:
        return None


def client_address(environ, trusted_proxies):
    """The address that reached our trusted proxies: REMOTE_ADDR, then X-Forwarded-For from the right for as
    long as the hop before is a trusted proxy. (WebOb's client_addr takes the leftmost, which anyone can write.)
    None when it cannot be read."""
    address = _address(environ.get("REMOTE_ADDR", ""))
    hops = [hop for hop in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    while address is not None and hops and any(address in network for network in trusted_proxies):
        address = _address(hops.pop())
    return address


class MetricsClientPredicate:
    """`metrics_client=True`: the client's address is one of `eparticipation.metrics.allowed`. Others find no
    page there (404), as if it did not exist."""

    def __init__(self, value, config):
        self.value = bool(value)

    def text(self):
        return f"metrics_client = {self.value}"

    phash = text

    def __call__(self, context, request):
        settings = request.registry.settings
        address = client_address(request.environ, settings["eparticipation.metrics.trusted_proxies"])
        allowed = address is not None and any(address in net for net in settings["eparticipation.metrics.allowed"])
        return allowed == self.value


class DatabaseCollector:
    """The outbox's, the reports' and the syndication pushes' state, read at scrape time."""

    def __init__(self, dbsession, now):
        self.dbsession = dbsession
        self.now = now

    def age(self, oldest):
        return max(0.0, (self.now - oldest).total_seconds()) if oldest is not None else 0.0

    def collect(self):
        from eparticipation.messaging.models import OutboxMessage, OutboxStatus
        from eparticipation.reports.models import Report, ReportStatus

        backlog = GaugeMetricFamily(
            "eparticipation_outbox_messages",
            "Outbox messages not sent, by channel and status (pending: waiting for the delivery worker; dead: "
            "given up, waiting for an administrator on /admin/outbox).",
            labels=["channel", "status"],
        )
        dead = GaugeMetricFamily(
            "eparticipation_outbox_dead_letters", "Outbox messages given up after the last attempt, by channel.",
            labels=["channel"],
        )
        oldest_pending = GaugeMetricFamily(
            "eparticipation_outbox_oldest_pending_seconds",
            "Age of the oldest pending outbox message (0 when none).",
        )
        # Every status but sent (rows that accumulate forever), named, so the status index serves the statement.
        unsent = [status for status in OutboxStatus if status != OutboxStatus.sent]
        rows = self.dbsession.execute(
            sa.select(
                OutboxMessage.channel, OutboxMessage.status, sa.func.count(), sa.func.min(OutboxMessage.created_at)
            )
            .where(OutboxMessage.status.in_(unsent))
            .group_by(OutboxMessage.channel, OutboxMessage.status)
        ).all()
        oldest = None
        dead_by_channel = {}
        for channel, status, count, first_created in rows:
            backlog.add_metric([str(channel), str(status)], count)
            if status == OutboxStatus.dead:
                dead_by_channel[str(channel)] = count
            if status == OutboxStatus.pending and first_created is not None:
                oldest = first_created if oldest is None else min(oldest, first_created)
        for channel, count in sorted(dead_by_channel.items()):
            dead.add_metric([channel], count)
        oldest_pending.add_metric([], self.age(oldest))

        reports = GaugeMetricFamily(
            "eparticipation_reports", "Consultation reports waiting for the report worker (queued) or whose last "
            "build failed (failed).", labels=["status"],
        )
        oldest_queued = GaugeMetricFamily(
            "eparticipation_reports_oldest_queued_seconds", "Age of the oldest queued report (0 when none)."
        )
        waiting = {status: (0, None) for status in (ReportStatus.queued, ReportStatus.failed)}
        for status, count, first_requested in self.dbsession.execute(
            sa.select(Report.status, sa.func.count(), sa.func.min(Report.requested_at))
            .where(Report.status.in_(list(waiting)))
            .group_by(Report.status)
        ):
            waiting[status] = (count, first_requested)
        for status, (count, _first) in waiting.items():
            reports.add_metric([str(status)], count)
        oldest_queued.add_metric([], self.age(waiting[ReportStatus.queued][1]))
        return [backlog, dead, oldest_pending, reports, oldest_queued, *self.pushes()]

    def pushes(self):
        from eparticipation.syndication.models import PushStatus, SyndicationPush

        pushes = GaugeMetricFamily(
            "eparticipation_syndication_pushes", "Pushes to the national e-participation system not sent, by status "
            "(pending: waiting for the delivery worker; dead: given up, waiting on /admin/syndication).",
            labels=["status"],
        )
        oldest = GaugeMetricFamily(
            "eparticipation_syndication_oldest_pending_seconds", "Age of the oldest pending push (0 when none)."
        )
        unsent = {status: (0, None) for status in PushStatus if status != PushStatus.sent}
        for status, count, first_created in self.dbsession.execute(
            sa.select(SyndicationPush.status, sa.func.count(), sa.func.min(SyndicationPush.created_at))
            .where(SyndicationPush.status.in_(list(unsent)))
            .group_by(SyndicationPush.status)
        ):
            unsent[status] = (count, first_created)
        for status, (count, _first) in unsent.items():
            pushes.add_metric([str(status)], count)
        oldest.add_metric([], self.age(unsent[PushStatus.pending][1]))
        return [pushes, oldest]


class _ProcessCollector:
    """This process's own registry, as one collector of the scrape's."""

    def collect(self):
        return REGISTRY.collect()


def scrape_registry(dbsession, now) -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessCollector())
    registry.register(DatabaseCollector(dbsession, now))
    return registry


# No permission (so no session is looked at and no cookie set): the address is the condition.
@view_config(context=Root, name="metrics", request_method="GET", metrics_client=True,
             permission=NO_PERMISSION_REQUIRED)
def metrics_view(request):
    body = generate_latest(scrape_registry(request.dbsession, request.now))
    response = Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
    return response
