"""Channels: one interface, `send(address, subject, body, link, reference)`, behind which each way of reaching
people is an adapter, chosen by name in the ini file (`eparticipation.messaging.<channel>.adapter`).

Adapters are registered by name in ADAPTERS; a messenger is one class with `@register_adapter("name")` and its
settings (Bale, Eitaa, Rubika and Soroush are here). Every network call has a timeout, and every failure, whatever
its cause, raises ChannelError with a reason for the administrators (never the token or the password).
`reference` is the outbox message's own name (OutboxMessage.reference), the same on every attempt: e-mails
carry it as their Message-ID.
"""

import http.client
import json
import logging
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from pyramid.settings import asbool

from eparticipation.messaging.models import Channel

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 15
# Telegram-like bot APIs refuse longer texts.
MESSENGER_TEXT_MAX = 4096

ADAPTERS: dict[str, type["ChannelAdapter"]] = {}


class ChannelError(Exception):
    """A message could not be handed to its channel; `reason` says why, for the dead-letter page.
    `maybe_delivered`: the failure came after the message had gone out (the connection broke or timed out
    while the server was taking it), so it may have arrived; it is not tried again without an administrator."""

    def __init__(self, reason: str, maybe_delivered: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.maybe_delivered = maybe_delivered


def register_adapter(name: str):
    def register(cls):
        ADAPTERS[name] = cls
        cls.adapter_name = name
        return cls

    return register


class ChannelAdapter:
    """Sends one message to one address. `options` are the channel's settings without their prefix."""

    adapter_name = ""

    def __init__(self, channel: Channel, options: dict):
        self.channel = channel
        self.options = options
        self.timeout = float(options.get("timeout", DEFAULT_TIMEOUT_SECONDS))

    def required(self, name: str) -> str:
        value = (self.options.get(name) or "").strip()
        if not value:
            raise ValueError(f"eparticipation.messaging.{self.channel}.{name} is not set")
        return value

    def send(self, address: str, subject: str, body: str, link: str, reference: str | None = None) -> None:
        raise NotImplementedError


def message_id(sender: str, reference: str | None) -> str:
    """`<reference@domain>` with the sender's domain; a random one when there is no reference."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{reference}@{domain}>" if reference else make_msgid(domain=domain)


def email_message(sender: str, address: str, subject: str, body: str, link: str,
                  reference: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = address
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(sender, reference)
    # Base64 reaches every server, whether or not it takes 8-bit text; Persian would triple in quoted-printable.
    message.set_content(f"{body}\n\n{link}\n", cte="base64")
    return message


def messenger_text(subject: str, body: str, link: str) -> str:
    """The subject, the body and the link, the body shortened if the whole would be too long for a bot API."""
    head, tail = f"{subject}\n\n", f"\n\n{link}"
    room = MESSENGER_TEXT_MAX - len(head) - len(tail)
    if len(body) > room:
        body = body[: max(room - 1, 0)] + "…"
    return head + body + tail


@register_adapter("smtp")
class SMTPAdapter(ChannelAdapter):
    """E-mail through an SMTP server, optionally with STARTTLS and a user name and password."""

    def __init__(self, channel, options):
        super().__init__(channel, options)
        self.host = self.required("host")
        self.port = int(options.get("port", 25))
        self.sender = self.required("sender")
        self.starttls = asbool(options.get("starttls", False))
        self.username = (options.get("username") or "").strip()
        self.password = options.get("password") or ""

    def send(self, address, subject, body, link, reference=None):
        message = email_message(self.sender, address, subject, body, link, reference)
        connection, taken = None, False
        try:
            with DataWatchingSMTP(self.host, self.port, timeout=self.timeout) as connection:
                if self.starttls:
                    connection.starttls(context=ssl.create_default_context())
                if self.username:
                    connection.login(self.username, self.password)
                connection.send_message(message)
                taken = True
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise ChannelError(f"SMTP refused the recipient: {code} {reply.decode(errors='replace')}") from error
        except smtplib.SMTPResponseException as error:
            if taken:  # the server said 250 to the message; only its goodbye went wrong
                log.warning("SMTP server took the message, then answered QUIT with %s", error.smtp_code)
                return
            raise ChannelError(f"SMTP error {error.smtp_code}: {error.smtp_error.decode(errors='replace')}") from error
        except (smtplib.SMTPException, OSError) as error:
            if taken:
                return
            # Cut off after the data went out and before the server's answer: it may have kept the message.
            maybe_delivered = connection is not None and connection.data_started
            raise ChannelError(f"SMTP failure{' after sending the data' if maybe_delivered else ''}: "
                               f"{type(error).__name__}: {error}", maybe_delivered=maybe_delivered) from error


class DataWatchingSMTP(smtplib.SMTP):
    """Notes whether the DATA command was reached: a failure before it cannot have delivered the message."""

    data_started = False

    def data(self, msg):
        self.data_started = True
        return super().data(msg)


@register_adapter("folder")
class FolderAdapter(ChannelAdapter):
    """Development: each message becomes a file in a folder (an .eml for e-mail, a .txt for a messenger), to be
    read with any mail program or text editor instead of being sent."""

    def __init__(self, channel, options):
        super().__init__(channel, options)
        self.folder = Path(self.required("folder"))
        self.sender = options.get("sender") or "eparticipation@localhost"

    def send(self, address, subject, body, link, reference=None):
        # Named after the message, and unique: a copy sent again is a second file beside the first.
        name = f"{reference}.{uuid.uuid4().hex[:8]}" if reference else uuid.uuid4().hex
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self.channel is Channel.email:
                data = email_message(self.sender, address, subject, body, link, reference).as_bytes()
                (self.folder / f"{name}.eml").write_bytes(data)
            else:
                text = f"To chat: {address}\n\n{messenger_text(subject, body, link)}\n"
                (self.folder / f"{name}.txt").write_text(text, encoding="utf-8")
        except OSError as error:
            raise ChannelError(f"cannot write to the mail folder: {error.strerror}") from error


class BotAPIAdapter(ChannelAdapter):
    """A bot platform's HTTP API: one POST to its sendMessage method, answered by JSON `{"ok": true, ...}`
    (Telegram's shape; a platform that answers otherwise says so in `succeeded`)."""

    default_base_url = ""

    def __init__(self, channel, options):
        super().__init__(channel, options)
        self.base_url = (options.get("base_url") or self.default_base_url).rstrip("/")
        if not self.base_url:
            self.required("base_url")
        self.token = self.required("token")

    def request(self, method: str, fields: dict) -> Request:
        """The HTTP request that calls `method` of the platform's API with `fields`."""
        raise NotImplementedError

    def message_fields(self, address: str, text: str) -> dict:
        return {"chat_id": address, "text": text}

    def succeeded(self, result) -> bool:
        return isinstance(result, dict) and result.get("ok") is True

    def send(self, address, subject, body, link, reference=None):
        request = self.request("sendMessage", self.message_fields(address, messenger_text(subject, body, link)))
        try:
            with urlopen(request, timeout=self.timeout) as response:
                answer = response.read()
        except HTTPError as error:  # the platform answered: it refused
            raise ChannelError(f"HTTP {error.code}: {description_of(error.read())}") from error
        except URLError as error:  # urllib wraps what fails while connecting and sending the request
            raise ChannelError(f"cannot reach the bot API: {error.reason}") from error
        except (OSError, http.client.HTTPException) as error:
            # The request went out and the answer did not come back (a timeout, a reset): it may have arrived.
            raise ChannelError(f"bot API failure while waiting for its answer: {type(error).__name__}: {error}",
                               maybe_delivered=True) from error
        try:
            result = json.loads(answer)
        except ValueError as error:
            raise ChannelError("the bot API answered something that is not JSON") from error
        if not self.succeeded(result):
            raise ChannelError(f"the bot API refused: {description_of(answer)}")


def description_of(answer: bytes) -> str:
    """The platform's own explanation, when its answer has one."""
    try:
        result = json.loads(answer)
    except ValueError:
        return answer[:200].decode(errors="replace")
    if isinstance(result, dict):  # Telegram-like, Soroush's and Rubika's explanations
        for key in ("description", "resultMessage", "dev_message", "status"):
            if result.get(key):
                return str(result[key])[:500]
    return answer[:200].decode(errors="replace")


@register_adapter("bale")
class BaleAdapter(BotAPIAdapter):
    """Bale's bot API, shaped like Telegram's: `POST {base}/bot{token}/sendMessage` with a JSON body."""

    def request(self, method, fields):
        return json_post(f"{self.base_url}/bot{self.token}/{method}", fields)


@register_adapter("eitaa")
class EitaaAdapter(BotAPIAdapter):
    """Eitaa through Eitaayar's API: `POST {base}/{token}/sendMessage` with form fields chat_id and text."""

    def request(self, method, fields):
        return Request(
            f"{self.base_url}/{self.token}/{method}",
            data=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )


def json_post(url: str, fields: dict) -> Request:
    return Request(url, data=json.dumps(fields).encode(), headers={"Content-Type": "application/json"}, method="POST")


@register_adapter("rubika")
class RubikaAdapter(BotAPIAdapter):
    """Rubika's bot API (rubika.ir/botapi): `POST {base}/{token}/sendMessage` with a JSON body {chat_id, text},
    answered by `{"status": "OK", "data": {"message_id": ...}}`."""

    default_base_url = "https://botapi.rubika.ir/v3"

    def request(self, method, fields):
        return json_post(f"{self.base_url}/{self.token}/{method}", fields)

    def succeeded(self, result):
        return isinstance(result, dict) and result.get("status") == "OK"


@register_adapter("soroush")
class SoroushAdapter(BotAPIAdapter):
    """Soroush's bot API (bot.sapp.ir): `POST {base}/{token}/sendMessage` with a JSON body
    {type: "TEXT", to, body}, answered by `{"resultCode": 200, "resultMessage": "OK"}`. Its bots receive
    updates only as a stream they pull (getMessage), never by webhook: a Soroush chat is linked by the code
    sent to the chat its owner typed (services.start_typed_link)."""

    default_base_url = "https://bot.sapp.ir"

    def request(self, method, fields):
        return json_post(f"{self.base_url}/{self.token}/{method}", fields)

    def message_fields(self, address, text):
        return {"type": "TEXT", "to": address, "body": text}

    def succeeded(self, result):
        return isinstance(result, dict) and result.get("resultCode") == 200


def make_adapter(channel: Channel, options: dict) -> ChannelAdapter:
    default = "smtp" if channel is Channel.email else str(channel)
    name = options.get("adapter") or default
    if name not in ADAPTERS:
        raise ValueError(f"eparticipation.messaging.{channel}.adapter: no adapter is named {name!r}")
    return ADAPTERS[name](channel, options)
