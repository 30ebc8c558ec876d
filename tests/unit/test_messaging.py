"""The channel adapters against servers on 127.0.0.1, their failures, the settings, and the small parsers of
the linking flow."""

import time
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest
from aiosmtpd.smtp import AuthResult

from eparticipation.messaging.channels import (
    ADAPTERS,
    MESSENGER_TEXT_MAX,
    BaleAdapter,
    ChannelError,
    EitaaAdapter,
    FolderAdapter,
    SMTPAdapter,
    messenger_text,
)
from eparticipation.messaging.models import Channel, OutboxMessage
from eparticipation.messaging.services import normalise_chat_id, start_code_in
from eparticipation.messaging.settings import read_messaging_settings

from ..fakes import FakeBotAPI, FakeSMTP, free_port

LINK = "https://example.com/consultations/1/"


def smtp_adapter(port, **options):
    return SMTPAdapter(Channel.email, {"host": "127.0.0.1", "port": port, "sender": "سامانه مشارکت <site@example.com>",
                                       "timeout": 2, **options})


def test_smtp_sends_a_plain_text_mail_with_the_link():
    with FakeSMTP() as server:
        smtp_adapter(server.port).send("reader@example.org", "موضوع پیام", "متن پیام\nسطر دوم", LINK)
    [envelope] = server.messages
    assert envelope.mail_from == "site@example.com" and envelope.rcpt_tos == ["reader@example.org"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == "موضوع پیام"
    assert mail.get_content().replace("\r\n", "\n") == f"متن پیام\nسطر دوم\n\n{LINK}\n"
    assert mail["Message-ID"].endswith("@example.com>")


def test_an_e_mail_s_message_id_is_the_outbox_message_s_reference_on_every_attempt():
    """A copy sent again (an uncertain message an administrator resent) is recognisable as the same message."""
    with FakeSMTP() as server:
        for _attempt in range(2):
            smtp_adapter(server.port).send("reader@example.org", "s", "b", LINK, "outbox.7.0123456789abcdef")
    first, second = (message_from_bytes(e.content, policy=policy.default)["Message-ID"] for e in server.messages)
    assert first == second == "<outbox.7.0123456789abcdef@example.com>"


def test_the_reference_is_the_same_for_the_same_row_and_differs_between_rows_and_databases():
    written = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)

    def row(**changes):
        return OutboxMessage(**{"id": 7, "user_id": 3, "channel": Channel.email, "key": "k", "created_at": written,
                                **changes})

    assert row().reference == row().reference and row().reference.startswith("outbox.7.")
    # The same id in another database (restored, or built anew) is another message.
    assert row().reference != row(created_at=written + timedelta(microseconds=1)).reference
    assert row().reference != row(id=8).reference


def test_smtp_signs_in_when_given_a_user_name():
    credentials = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        credentials.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    server = FakeSMTP()
    server.controller.SMTP_kwargs.update(authenticator=authenticator, auth_require_tls=False)
    with server:
        smtp_adapter(server.port, username="site", password="s3cret").send("r@example.org", "s", "b", LINK)
    assert credentials == [(b"site", b"s3cret")] and len(server.messages) == 1


def test_smtp_failures_are_channel_errors():
    with pytest.raises(ChannelError, match="SMTP failure: ConnectionRefusedError") as refused:
        smtp_adapter(free_port()).send("r@example.org", "s", "b", LINK)
    with FakeSMTP() as server:
        server.refuse = 1
        with pytest.raises(ChannelError, match="SMTP error 451") as temporary:
            smtp_adapter(server.port).send("r@example.org", "s", "b", LINK)
    # The server answered, or was never reached: the message cannot have arrived, and is tried again.
    assert not refused.value.maybe_delivered and not temporary.value.maybe_delivered


def test_an_smtp_server_that_times_out_while_taking_the_data_may_have_kept_the_message():
    with FakeSMTP() as server:
        server.delay = 1.5
        with pytest.raises(ChannelError, match="SMTP failure after sending the data: .*timed out") as slow:
            smtp_adapter(server.port, timeout=0.5).send("r@example.org", "s", "b", LINK)
    assert slow.value.maybe_delivered
    assert len(server.messages) == 1  # and it had: a retry would have been a second copy


def test_bale_posts_json_to_the_bot_method():
    with FakeBotAPI() as bale:
        BaleAdapter(Channel.bale, {"base_url": bale.base_url + "/", "token": "123:abc"}).send("-42", "S", "B", LINK)
    assert bale.requests == [("/bot123:abc/sendMessage", {"chat_id": "-42", "text": f"S\n\nB\n\n{LINK}"})]


def test_eitaa_posts_a_form_to_eitaayar_s_method():
    with FakeBotAPI(form_encoded=True) as eitaa:
        EitaaAdapter(Channel.eitaa, {"base_url": eitaa.base_url, "token": "tok"}).send("77", "عنوان", "متن", LINK)
    assert eitaa.requests == [("/tok/sendMessage", {"chat_id": "77", "text": f"عنوان\n\nمتن\n\n{LINK}"})]


def test_bot_failures_are_channel_errors_that_never_show_the_token():
    with FakeBotAPI() as bale:
        adapter = BaleAdapter(Channel.bale, {"base_url": bale.base_url, "token": "secret-token", "timeout": 0.3})
        bale.always_fail = True
        with pytest.raises(ChannelError) as refused:
            adapter.send("1", "s", "b", LINK)
        assert refused.value.reason == "HTTP 400: Bad Request: chat not found"
        bale.always_fail, bale.delay = False, 1.0
        with pytest.raises(ChannelError) as slow:
            adapter.send("1", "s", "b", LINK)
        assert "timed out" in slow.value.reason
        time.sleep(1.0)
        assert len(bale.accepted) == 1  # the platform took it after all
        bale.delay, bale.fail = 0, 1
        with pytest.raises(ChannelError) as bad_gateway:
            adapter.send("1", "s", "b", LINK)
    unreachable = BaleAdapter(Channel.bale, {"base_url": f"http://127.0.0.1:{free_port()}", "token": "secret-token"})
    with pytest.raises(ChannelError) as down:
        unreachable.send("1", "s", "b", LINK)
    assert "cannot reach the bot API" in down.value.reason
    for error in (refused.value, slow.value, down.value):
        assert "secret-token" not in error.reason
    # Only the request that went out unanswered may have arrived; an answer or no connection means it did not.
    assert [e.maybe_delivered for e in (refused.value, slow.value, bad_gateway.value, down.value)] == [
        False, True, False, False]


def test_a_bot_answer_that_is_not_ok_json_is_a_failure(monkeypatch):
    class Answer:
        def __init__(self, body):
            self.body = body

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return self.body

    adapter = BaleAdapter(Channel.bale, {"base_url": "http://127.0.0.1:9", "token": "t"})
    for body, reason in ((b"<html>", "not JSON"), (b'{"ok": false, "description": "Forbidden"}', "Forbidden"),
                         (b"[]", "refused")):
        monkeypatch.setattr("eparticipation.messaging.channels.urlopen", lambda request, timeout, b=body: Answer(b))
        with pytest.raises(ChannelError, match=reason):
            adapter.send("1", "s", "b", LINK)


def test_the_folder_adapter_writes_mails_and_messenger_texts(tmp_path):
    FolderAdapter(Channel.email, {"folder": str(tmp_path / "mail")}).send("r@example.org", "سلام", "متن", LINK)
    FolderAdapter(Channel.bale, {"folder": str(tmp_path / "bale")}).send("99", "سلام", "متن", LINK)
    [mail] = (tmp_path / "mail").glob("*.eml")
    parsed = message_from_bytes(mail.read_bytes(), policy=policy.default)
    assert parsed["To"] == "r@example.org" and parsed["Subject"] == "سلام"
    [text] = (tmp_path / "bale").glob("*.txt")
    assert text.read_text(encoding="utf-8") == f"To chat: 99\n\nسلام\n\nمتن\n\n{LINK}\n"


def test_the_folder_adapter_keeps_each_copy_of_a_message_under_its_reference(tmp_path):
    adapter = FolderAdapter(Channel.email, {"folder": str(tmp_path), "sender": "Site <site@example.com>"})
    for _attempt in range(2):
        adapter.send("r@example.org", "s", "b", LINK, "outbox.7.0123456789abcdef")
    copies = sorted(tmp_path.glob("outbox.7.0123456789abcdef.*.eml"))
    assert len(copies) == 2  # a second copy is a second file, not one written over the first
    assert {message_from_bytes(c.read_bytes(), policy=policy.default)["Message-ID"] for c in copies} == {
        "<outbox.7.0123456789abcdef@example.com>"}


def test_a_folder_that_is_a_file_is_a_channel_error(tmp_path):
    (tmp_path / "mail").write_text("not a folder")
    with pytest.raises(ChannelError, match="cannot write to the mail folder"):
        FolderAdapter(Channel.email, {"folder": str(tmp_path / "mail")}).send("r@example.org", "s", "b", LINK)


def test_long_messenger_texts_keep_the_subject_and_the_link():
    text = messenger_text("Subject", "x" * 10_000, LINK)
    assert len(text) == MESSENGER_TEXT_MAX
    assert text.startswith("Subject\n\nxxx") and text.endswith(f"…\n\n{LINK}")
    assert messenger_text("S", "short", LINK) == f"S\n\nshort\n\n{LINK}"


SETTINGS = {
    "eparticipation.messaging.channels": "email bale eitaa",
    "eparticipation.messaging.email.host": "mail.example.org",
    "eparticipation.messaging.email.port": "587",
    "eparticipation.messaging.email.starttls": "true",
    "eparticipation.messaging.email.sender": "s@example.org",
    "eparticipation.messaging.bale.base_url": "https://bale.example",
    "eparticipation.messaging.bale.bot": "@site_bot",
    "eparticipation.messaging.eitaa.base_url": "https://eitaa.example/api",
    "eparticipation.messaging.retry_base_seconds": "30",
    "eparticipation.messaging.max_attempts": "5",
}
ENVIRONMENT = {"MESSAGING_BALE_TOKEN": "bale-token", "MESSAGING_BALE_WEBHOOK_SECRET": "hook",
               "MESSAGING_EITAA_TOKEN": "eitaa-token", "MESSAGING_EMAIL_PASSWORD": "pw"}


def test_settings_choose_the_adapters_and_take_secrets_from_the_environment():
    config = read_messaging_settings(SETTINGS, ENVIRONMENT)
    assert config.channels == [Channel.email, Channel.bale, Channel.eitaa]
    assert config.messengers == [Channel.bale, Channel.eitaa]
    email, bale, eitaa = config.adapters.values()
    assert isinstance(email, SMTPAdapter) and (email.host, email.port, email.starttls, email.password) == (
        "mail.example.org", 587, True, "pw")
    assert isinstance(bale, BaleAdapter) and bale.token == "bale-token"
    assert isinstance(eitaa, EitaaAdapter) and eitaa.token == "eitaa-token"
    assert config.webhook_secrets == {Channel.bale: "hook"} and config.bot_names == {Channel.bale: "@site_bot"}
    assert [config.retry_delay(n) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (30, 60, 120)]
    assert config.max_attempts == 5
    assert read_messaging_settings({}, {}).channels == []
    assert config.lease == timedelta(seconds=600)  # the default, far above the adapters' 15 s timeouts
    leased = read_messaging_settings({**SETTINGS, "eparticipation.messaging.lease_seconds": "90"}, ENVIRONMENT)
    assert leased.lease == timedelta(seconds=90)


@pytest.mark.parametrize("change, message", [
    ({"eparticipation.messaging.channels": "email pigeon"}, "no channel is named 'pigeon'"),
    ({"eparticipation.messaging.bale.adapter": "carrier"}, "no adapter is named 'carrier'"),
    ({"eparticipation.messaging.email.host": ""}, "email.host is not set"),
    ({"eparticipation.messaging.bale.bot": ""}, "bale.bot is not set"),
    ({"eparticipation.messaging.max_attempts": "0"}, "max_attempts must be at least 1"),
    ({"eparticipation.messaging.lease_seconds": "15"}, r"lease_seconds must be longer than the longest adapter "
                                                        r"timeout \(15 s\)"),
])
def test_bad_settings_stop_the_start_with_a_reason(change, message):
    with pytest.raises(ValueError, match=message):
        read_messaging_settings({**SETTINGS, **change}, ENVIRONMENT)
    with pytest.raises(ValueError, match="eitaa.token is not set"):
        read_messaging_settings(SETTINGS, {"MESSAGING_BALE_TOKEN": "t"})


def test_adapters_are_registered_by_name():
    assert {"smtp", "folder", "bale", "eitaa"} <= set(ADAPTERS)


@pytest.mark.parametrize("text, found", [
    ("/start ABCD2345", ("123", "ABCD2345")),
    ("  /start abcd2345 ", ("123", "ABCD2345")),
    ("/start@site_bot ABCD2345", ("123", "ABCD2345")),
    ("/start", None),
    ("ABCD2345", None),
    ("/start ABCD2345 extra", None),
    ("/start AB", None),
    ("/stop ABCD2345", None),
])
def test_the_start_command_of_an_update(text, found):
    assert start_code_in({"message": {"chat": {"id": 123}, "text": text}}) == found


@pytest.mark.parametrize("update", [
    None, [], {}, {"message": "x"}, {"message": {"text": "/start ABCD2345"}},
    {"message": {"chat": {"id": 1.5}, "text": "/start ABCD2345"}},
    {"message": {"chat": {"id": "12a"}, "text": "/start ABCD2345"}},
    {"message": {"chat": {"id": 1}, "text": 5}},
])
def test_updates_without_a_start_command_are_ignored(update):
    assert start_code_in(update) is None


@pytest.mark.parametrize("typed, chat_id", [
    ("12345", "12345"), (" -100123 ", "-100123"), ("۱۲۳", "123"), ("\u2212987", "-987"),
    ("", None), ("-", None), ("1.5", None), ("12 34", None), ("abc", None), ("+1", None), ("9" * 32, None),
])
def test_chat_ids_typed_by_hand(typed, chat_id):
    assert normalise_chat_id(typed) == chat_id
