"""A logging formatter that writes each record as one JSON object on one line, for production's log collector.

Named from an ini file's [formatter_*] section (`class = eparticipation.observability.logs.JSONFormatter`), so
the web processes and the workers write the same lines. Only the standard library is imported here: the
logging configuration is read before the application is."""

import json
import logging
from datetime import datetime, timezone

# What every LogRecord carries; anything else on a record was given by the caller in `extra=` and is kept.
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def current_request_id():
    """The id of the request this thread is answering, if any, so that every line written while answering it
    (a traceback, a warning) can be found with the request's own line."""
    try:
        from pyramid.threadlocal import get_current_request
    except ImportError:  # pragma: no cover - the workers always have Pyramid
        return None
    request = get_current_request()
    environ = getattr(request, "environ", None)
    return environ.get("eparticipation.request_id") if isinstance(environ, dict) else None


class JSONFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", then the record's extra fields, "request_id" when answering a
    request, and "exception" with the traceback}. The ini's `format` is not used: the fields are fixed."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRIBUTES and not key.startswith("_"):
                line[key] = value
        if "request_id" not in line:
            request_id = current_request_id()
            if request_id is not None:
                line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)
