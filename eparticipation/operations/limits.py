"""Far larger request bodies than any form needs are refused before they are read.

gunicorn has no limit on bodies, and pyramid_retry copies every body (to replay it on a retry) before any
tween runs: the limit is applied in front of that copy, in the execution policy. A refused request reaches
the application with an empty body and is answered 413 with the site's translated page.

Bodies without a Content-Length (chunked) are read up to the limit and no further.
"""

import io
import tempfile

from pyramid.events import ContextFound
from pyramid.httpexceptions import HTTPRequestEntityTooLarge
from pyramid.interfaces import IExecutionPolicy

TOO_LARGE = "eparticipation.request_body_too_large"
CHUNK = 64 * 1024
IN_MEMORY = 1024 * 1024  # a chunked body larger than this is kept in a temporary file


def body_max_bytes(settings) -> int:
    """eparticipation.request_body_max_bytes, by default twice the largest upload."""
    return int(settings.get("eparticipation.request_body_max_bytes") or 2 * settings["eparticipation.upload_max_bytes"])


def bound_body(environ, max_bytes: int):
    """Mark the request too large, or leave a body of at most `max_bytes` with its length in the environ."""
    length = environ.get("CONTENT_LENGTH")
    if length:
        try:
            too_large = int(length) > max_bytes
        except ValueError:
            return  # WebOb answers a malformed length as it always did
    elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        body = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
        stream, read = environ["wsgi.input"], 0
        while read <= max_bytes and (chunk := stream.read(min(CHUNK, max_bytes + 1 - read))):
            body.write(chunk)
            read += len(chunk)
        too_large = read > max_bytes
        if not too_large:
            body.seek(0)
            environ["wsgi.input"] = body
            environ["CONTENT_LENGTH"] = str(read)
            del environ["HTTP_TRANSFER_ENCODING"]
    else:
        return
    if too_large:
        environ[TOO_LARGE] = True
        environ["wsgi.input"] = io.BytesIO(b"")
        environ["CONTENT_LENGTH"] = "0"
        environ.pop("HTTP_TRANSFER_ENCODING", None)


def refuse_if_too_large(event):
    # Once the context is found, so the error page has the site around it.
    if event.request.environ.get(TOO_LARGE):
        raise HTTPRequestEntityTooLarge()


def refuse_large_bodies(config):
    max_bytes = body_max_bytes(config.get_settings())

    def wrap_execution_policy():
        registry = config.registry
        policy = registry.queryUtility(IExecutionPolicy)
        if policy is None:
            from pyramid.router import default_execution_policy as policy

        def bounded_execution_policy(environ, router):
            bound_body(environ, max_bytes)
            return policy(environ, router)

        registry.registerUtility(bounded_execution_policy, IExecutionPolicy)

    # After pyramid_retry has set its policy (default order 0), whatever the order of the includes.
    config.action("eparticipation.operations.bounded_execution_policy", wrap_execution_policy, order=10)
    config.add_subscriber(refuse_if_too_large, ContextFound)
