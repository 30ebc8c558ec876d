"""Rubika and Soroush: their bots' sendMessage calls (each platform's own request and answer), a Rubika chat linked
by the code sent back to the bot (its webhook posts to <endpoint>/receiveUpdate), a Soroush chat by the code typed
back on the site (its bots only pull their updates), and messages delivered to both once."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from eparticipation.i18n import _
from eparticipation.messaging import notify
from eparticipation.messaging.channels import ChannelError, RubikaAdapter, SoroushAdapter
from eparticipation.messaging.delivery import Deliverer
from eparticipation.messaging.models import Channel, MessengerLink, MessengerLinkCode, OutboxMessage, OutboxStatus

from ..conftest import NOW
from ..factories import make_user
from ..fakes import FakeBotAPI

RUBIKA_CHAT = "b0QFtabc1I02214b529f1d60c9ce5b08"
SOROUSH_CHAT = "u0QFtn0abcded727585c77b8e116cd79"


@pytest.fixture
def platforms():
    with FakeBotAPI(dialect="rubika") as rubika, FakeBotAPI(dialect="soroush") as soroush:
        yield SimpleNamespace(rubika=rubika, soroush=soroush)


@pytest.fixture
def adapters(platforms):
    return {
        Channel.rubika: RubikaAdapter(Channel.rubika, {"base_url": platforms.rubika.base_url, "token": "rubika-token",
                                                       "timeout": 5}),
        Channel.soroush: SoroushAdapter(Channel.soroush, {"base_url": platforms.soroush.base_url,
                                                          "token": "soroush-token", "timeout": 5}),
    }


@pytest.fixture
def offered(app, adapters, monkeypatch):
    """The site offers both messengers; Rubika's bot has a webhook, Soroush's none."""
    config = app.registry["messaging"]
    for channel, adapter in adapters.items():
        monkeypatch.setitem(config.adapters, channel, adapter)
    monkeypatch.setitem(config.webhook_secrets, Channel.rubika, "rubika-hook")
    monkeypatch.setitem(config.bot_names, Channel.rubika, "@consult_bot")
    return config


def test_each_platform_gets_its_own_request_and_its_answer_is_read(platforms, adapters):
    adapters[Channel.rubika].send(RUBIKA_CHAT, "موضوع", "متن", "https://example.com/c/1")
    adapters[Channel.soroush].send(SOROUSH_CHAT, "موضوع", "متن", "https://example.com/c/1")
    [(path, fields)] = platforms.rubika.requests
    assert path == "/rubika-token/sendMessage"
    assert fields == {"chat_id": RUBIKA_CHAT, "text": "موضوع\n\nمتن\n\nhttps://example.com/c/1"}
    [(path, fields)] = platforms.soroush.requests
    assert path == "/soroush-token/sendMessage"
    assert fields == {"type": "TEXT", "to": SOROUSH_CHAT, "body": "موضوع\n\nمتن\n\nhttps://example.com/c/1"}


@pytest.mark.parametrize("channel, explanation", [(Channel.rubika, "chat not found"),
                                                  (Channel.soroush, "user not found")])
def test_a_refusal_in_the_answers_body_is_a_failure_with_the_platforms_reason(platforms, adapters, channel,
                                                                            explanation):
    getattr(platforms, channel.value).always_fail = True  # HTTP 200, and a refusal in the body
    with pytest.raises(ChannelError) as failure:
        adapters[channel].send("chat1", "s", "b", "https://example.com/")
    assert explanation in failure.value.reason and "token" not in failure.value.reason


def test_the_official_addresses_are_the_defaults():
    assert RubikaAdapter(Channel.rubika, {"token": "t"}).base_url == "https://botapi.rubika.ir/v3"
    assert SoroushAdapter(Channel.soroush, {"token": "t"}).base_url == "https://bot.sapp.ir"


def test_linking_rubika_with_the_code_sent_to_its_bot(app, testapp, dbsession, offered, clock):
    make_user(dbsession, email="citizen@example.org", locale="en")
    testapp.login("citizen@example.org")
    page = testapp.get("/me/messengers?_LOCALE_=en")
    form = next(f for f in page.forms.values() if "messenger" in f.fields and f["messenger"].value == "rubika"
                and any(b.value_if_submitted() == "code" for b in f.fields.get("action", ())))
    form.submit("action", status=303)
    code = dbsession.scalar(sa.select(MessengerLinkCode.code))
    update = {"update": {"type": "NewMessage", "chat_id": RUBIKA_CHAT,
                         "new_message": {"message_id": "1", "text": f"/start {code}", "sender_type": "User"}}}
    assert testapp.post_json("/hooks/rubika/rubika-hook/receiveUpdate", update).json["linked"] is True
    link = dbsession.scalar(sa.select(MessengerLink))
    assert (link.messenger, link.chat_id) == (Channel.rubika, RUBIKA_CHAT)
    testapp.post_json("/hooks/rubika/wrong-hook/receiveUpdate", update, status=404)
    testapp.post_json("/hooks/rubika/rubika-hook/elsewhere", update, status=404)


def test_linking_soroush_by_its_chat_id_and_the_code_typed_back(app, testapp, dbsession, offered, clock):
    make_user(dbsession, email="citizen@example.org", locale="en")
    testapp.login("citizen@example.org")
    page = testapp.get("/me/messengers?_LOCALE_=en")
    section = page.html.find(id="messenger-soroush")
    assert section.find("input", attrs={"name": "chat_id"})["inputmode"] == "text"
    form = next(f for f in page.forms.values() if "messenger" in f.fields and f["messenger"].value == "soroush"
                and any(b.value_if_submitted() == "link" for b in f.fields.get("action", ())))
    form["chat_id"] = "نام من"
    refused = form.submit("action", status=400)
    assert "letters and digits" in refused.html.find(id="chat-id-soroush-error").get_text()
    form = next(f for f in refused.forms.values() if "messenger" in f.fields and f["messenger"].value == "soroush"
                and any(b.value_if_submitted() == "link" for b in f.fields.get("action", ())))
    assert form["chat_id"].value == "نام من"  # kept as typed
    form["chat_id"] = SOROUSH_CHAT
    page = form.submit("action", status=303).follow()
    [sent] = dbsession.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == Channel.soroush)).all()
    assert sent.address == SOROUSH_CHAT and "type this code on the site" in sent.body
    code = dbsession.scalar(sa.select(MessengerLinkCode.code).where(MessengerLinkCode.chat_id == SOROUSH_CHAT))
    form = next(f for f in page.forms.values() if "messenger" in f.fields and f["messenger"].value == "soroush"
                and any(b.value_if_submitted() == "confirm" for b in f.fields.get("action", ())))
    form["code"] = code
    form.submit("action", status=303)
    assert dbsession.scalar(sa.select(MessengerLink.chat_id).where(MessengerLink.messenger == Channel.soroush)) \
        == SOROUSH_CHAT


def test_the_worker_delivers_to_both_once(app, dbsession, offered, platforms, adapters, clock):
    person = make_user(dbsession, email="maryam@example.org", locale="fa")
    for channel, chat in ((Channel.rubika, RUBIKA_CHAT), (Channel.soroush, SOROUSH_CHAT)):
        dbsession.add(MessengerLink(user_id=person.id, messenger=channel, chat_id=chat, linked_at=NOW))
    dbsession.flush()
    request = SimpleNamespace(registry=app.registry, dbsession=dbsession, now=NOW)
    notify(request, person, key="outcome", subject=_("Your comment is published. Thank you."),
           body=_("Your vote is counted: ${choice}.", mapping={"choice": "1"}), link="https://example.com/c/1")
    connection = dbsession.connection()
    deliverer = Deliverer(app.registry, lambda: Session(bind=connection, join_transaction_mode="create_savepoint"),
                          dict(offered.adapters))
    assert deliverer.drain(batch=10) == 3  # the e-mail, Rubika and Soroush
    assert deliverer.drain(batch=10) == 0
    assert [fields["chat_id"] for fields in platforms.rubika.accepted] == [RUBIKA_CHAT]
    assert [fields["to"] for fields in platforms.soroush.accepted] == [SOROUSH_CHAT]
    assert platforms.soroush.accepted[0]["body"].startswith("نظر شما منتشر شد.")
    statuses = dbsession.scalars(sa.select(OutboxMessage.status).where(
        OutboxMessage.channel.in_([Channel.rubika, Channel.soroush]))).all()
    assert statuses == [OutboxStatus.sent, OutboxStatus.sent]
