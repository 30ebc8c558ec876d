"""Servers that stand in for the outside world on 127.0.0.1: an SMTP server and a bot platform's HTTP API.
They record what they receive, and can be told to fail, so tests count what the worker really sent."""

import asyncio
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FakeSMTP:
    """An SMTP server whose received messages are in `messages` (envelope sender, recipients, raw bytes);
    `delay` slows its answer to each message it keeps (a client that is gone by then has still delivered it)."""

    def __init__(self):
        self.messages = []
        self.refuse = 0  # answer the next N messages with a temporary failure
        self.delay = 0.0
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 Try again later"
        self.messages.append(envelope)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"

    @property
    def port(self):
        return self.controller.port

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


# How each platform says yes and no: Telegram's shape (Bale, Eitaa), Rubika's and Soroush's (both answer a
# refusal with HTTP 200 and a status in the body).
BOT_ANSWERS = {
    "telegram": (lambda n: {"ok": True, "result": {"message_id": n}},
                 (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})),
    "rubika": (lambda n: {"status": "OK", "data": {"message_id": str(n)}},
               (200, {"status": "INVALID_INPUT", "dev_message": "chat not found"})),
    "soroush": (lambda n: {"resultCode": 200, "resultMessage": "OK"},
                (200, {"resultCode": 404, "resultMessage": "user not found"})),
}


class LoopbackHTTPServer:
    """An HTTP fake on a free port of 127.0.0.1, served in a thread for the `with` block."""

    def serve(self, handler):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class FakeBotAPI(LoopbackHTTPServer):
    """A bot platform: `requests` holds (path, fields) of every call and `accepted` the fields of the calls it
    answered with success; `fail` makes the next N calls answer HTTP 502; `always_fail` refuses every call
    as the platform (`dialect`) refuses; `delay` slows every answer."""

    def __init__(self, form_encoded=False, dialect="telegram"):
        success, refusal = BOT_ANSWERS[dialect]
        self.requests = []
        self.accepted = []
        self.fail = 0
        self.always_fail = False
        self.delay = 0.0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                if form_encoded:
                    fields = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
                else:
                    fields = json.loads(raw)
                if fake.delay:
                    time.sleep(fake.delay)
                with fake.lock:
                    fake.requests.append((urlparse(self.path).path, fields))
                    failing = fake.fail > 0
                    fake.fail -= failing
                    if not failing and not fake.always_fail:
                        fake.accepted.append(fields)
                if failing:
                    self.answer(502, {"ok": False, "description": "Bad Gateway"})
                elif fake.always_fail:
                    self.answer(*refusal)
                else:
                    self.answer(200, success(len(fake.requests)))

            def answer(self, status, payload):
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout tests)

            def log_message(self, *args):
                pass

        self.serve(Handler)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"


class FakeReceiver(LoopbackHTTPServer):
    """The national e-participation system's endpoint: every POST is in `requests` (headers, raw body);
    `accepted` holds the bodies it acknowledged, once per idempotency key (a second copy is answered 200 and
    not kept again, as a receiver should); `fail` answers the next N calls with HTTP 503, `always_fail` every
    call."""

    def __init__(self):
        self.requests = []
        self.accepted = []
        self.keys = set()
        self.fail = 0
        self.always_fail = False
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with fake.lock:
                    fake.requests.append((self.headers, raw))  # names case-insensitive, as in HTTP
                    failing = fake.always_fail or fake.fail > 0
                    fake.fail -= fake.fail > 0
                    key = self.headers.get("Idempotency-Key")
                    if not failing and key not in fake.keys:
                        fake.keys.add(key)
                        fake.accepted.append(raw)
                body = b"unavailable" if failing else b'{"ok": true}'
                self.send_response(503 if failing else 200)
                self.send_header("Content-Type", "text/plain" if failing else "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.serve(Handler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1/events"
