"""What an operator sees of the web application: a request id on every request and response, one structured
log line per request (requests.py, formatted by logs.JSONFormatter in production), and Prometheus metrics at
/metrics for the configured addresses (metrics.py).

Nothing here is imported by the logging configuration except logs.py, which needs only the standard library."""

from pyramid.config import PHASE3_CONFIG
from pyramid.events import NewRequest, NewResponse
from pyramid.viewderivers import INGRESS


def includeme(config):
    from eparticipation.observability import metrics, requests

    settings = config.get_settings()
    settings.update(metrics.read_settings(settings))
    config.add_request_method(requests.request_id, "request_id", reify=True)
    # Outermost, so a request refused for its CSRF token or its permission still counts under its view.
    config.add_view_deriver(requests.observed_view, name="observed_view", under=INGRESS, over="secured_view")
    config.add_subscriber(requests.count_attempt, NewRequest)
    config.add_subscriber(requests.note_user, NewResponse)
    config.add_view_predicate("metrics_client", metrics.MetricsClientPredicate)
    config.scan(".metrics")

    def observe_execution():
        # After pyramid_retry has set its execution policy (an action of its own), so that the request id,
        # the log line and the counters cover every attempt and whatever escapes them.
        requests.wrap_execution_policy(config.registry)

    config.action(None, observe_execution, order=PHASE3_CONFIG + 1)
