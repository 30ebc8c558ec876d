"""The inbox with its unread count in the header, linking messengers (a one-time code through the bot's
webhook, or a chat id by hand), and the personal data download."""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from eparticipation.i18n import _
from eparticipation.messaging import notify
from eparticipation.messaging.models import (
    Channel,
    InboxMessage,
    MessengerLink,
    MessengerLinkCode,
    OutboxMessage,
    OutboxStatus,
)

from ..conftest import NOW
from ..factories import make_user

HOOK = "/hooks/bale/bale-hook-secret"


def tell(app, dbsession, user, key, subject="Your comment is published. Thank you.", at=NOW):
    notify(SimpleNamespace(registry=app.registry, dbsession=dbsession, now=at), user, key=key, subject=_(subject),
           body=_("Your vote is counted: ${choice}.", mapping={"choice": key}), link=f"https://example.com/{key}")


def unread_badge(page):
    link = page.html.find("header").find("a", href="http://example.com/me/inbox")
    badge = link.find(class_="badge")
    return badge.get_text(" ", strip=True) if badge else None


@pytest.fixture
def people(dbsession):
    return SimpleNamespace(
        citizen=make_user(dbsession, email="citizen@example.org", locale="en"),
        other=make_user(dbsession, email="other@example.org", locale="en"),
    )


def test_the_header_counts_unread_messages_and_the_inbox_marks_them_read(app, en, dbsession, people):
    for number in range(3):
        tell(app, dbsession, people.citizen, f"m{number}", at=NOW + timedelta(minutes=number))
    tell(app, dbsession, people.other, "someone-else", subject="Not yours")
    en.login("citizen@example.org")
    assert unread_badge(en.get("/me/")) == "3 unread"

    page = en.get("/me/inbox")
    headings = [h.get_text(" ", strip=True) for h in page.html.find("main").find_all("h2")]
    assert headings == ["New Your comment is published. Thank you."] * 3
    assert [a["href"] for a in page.html.find("main").select("ol a")] == [
        "https://example.com/m2", "https://example.com/m1", "https://example.com/m0"]  # newest first
    assert "Your vote is counted: m2." in page.text
    assert "Not yours" not in page.text and "someone-else" not in page.text
    assert unread_badge(page) is None  # read now
    dbsession.expire_all()
    assert dbsession.scalars(sa.select(InboxMessage.read_at).where(InboxMessage.user_id == people.citizen.id)).all() \
        == [NOW] * 3
    assert "New" not in en.get("/me/inbox").html.find("main").get_text()
    en.logout()
    en.login("other@example.org")
    assert unread_badge(en.get("/me/")) == "1 unread"


def test_the_unread_count_is_one_query_and_none_for_visitors(app, testapp, dbsession, people, query_counter):
    tell(app, dbsession, people.citizen, "m")
    assert "badge" not in str(testapp.get("/").html.find("header"))
    testapp.login("citizen@example.org")
    page = testapp.get("/")
    assert unread_badge(page) == "۱ خوانده‌نشده"
    testapp.app_dbsession.expire_all()
    with query_counter() as counted:
        testapp.get("/")
    assert sum("inbox_messages" in statement for statement in counted.statements) == 1


def test_error_pages_show_no_count(app, en, dbsession, people):
    tell(app, dbsession, people.citizen, "m")
    en.login("citizen@example.org")
    page = en.get("/consultations/999999/", status=404)
    assert page.html.find("header").find("a", href="http://example.com/me/inbox") is not None
    assert unread_badge(page) is None


def test_the_inbox_is_paged(app, en, dbsession, people):
    for number in range(25):
        tell(app, dbsession, people.citizen, f"m{number:02d}")
    en.login("citizen@example.org")
    page = en.get("/me/inbox")
    assert len(page.html.find("main").select("ol > li")) == 20
    page = page.click("Older messages")
    assert [a["href"] for a in page.html.find("main").select("ol a")] == [
        f"https://example.com/m{n:02d}" for n in range(4, -1, -1)]
    assert "Older messages" not in page.text
    # A tampered link is refused, not shown as if it were the first page.
    assert "is not a number the site understands" in en.get("/me/inbox?before=abc", status=400).text


def test_my_account_links_to_the_inbox_and_the_messengers(en, dbsession, people):
    en.login("citizen@example.org")
    page = en.get("/me/")
    assert page.click("Inbox", href="/me/inbox$", index=1).status_int == 200
    assert page.click("Messengers").status_int == 200


@pytest.mark.parametrize("path", ["/me/inbox", "/me/messengers"])
def test_my_message_pages_need_a_signed_in_person(testapp, path):
    testapp.get(path, status=403)


def test_posts_to_the_messenger_page_need_a_signed_in_person_and_the_token(testapp, dbsession, people):
    token = testapp.get_csrf_token()
    testapp.post("/me/messengers", {"csrf_token": token, "messenger": "bale", "action": "code"}, status=403)
    testapp.login("citizen@example.org")
    testapp.post("/me/messengers", {"messenger": "bale", "action": "code"}, status=400)
    assert not testapp.app_dbsession.scalars(sa.select(MessengerLinkCode)).all()


def messenger_form(page, messenger, action):
    """The form of one messenger's section whose button does `action` (code, link or unlink)."""
    return next(f for f in page.forms.values()
                if "messenger" in f.fields and f["messenger"].value == messenger
                and any(button.value_if_submitted() == action for button in f.fields.get("action", ())))


def code_form(page, messenger="bale"):
    return page.html.find(id=f"messenger-{messenger}"), messenger_form(page, messenger, "code")


def hook_update(chat_id, text):
    return {"update_id": 7, "message": {"message_id": 3, "chat": {"id": chat_id, "type": "private"}, "text": text}}


def test_linking_bale_with_a_code_sent_to_the_bot(app, en, dbsession, people, clock):
    en.login("citizen@example.org")
    page = en.get("/me/messengers")
    section, form = code_form(page)
    assert ("Get a one-time code, then send it to the agency's bot \u2066@test_bot\u2069 in Bale."
            in section.get_text(" "))  # the bot's name isolated left-to-right, for Persian sentences
    page = form.submit("action", status=303).follow()
    code = dbsession.scalar(sa.select(MessengerLinkCode.code))
    assert f"/start {code}" in page.html.find(id="messenger-bale").get_text()
    assert len(code) == 8

    assert en.post_json(HOOK, hook_update(987654, f"/start {code}")).json == {"ok": True, "linked": True}
    link = dbsession.scalar(sa.select(MessengerLink))
    assert (link.user_id, link.messenger, link.chat_id) == (people.citizen.id, Channel.bale, "987654")
    page = en.get("/me/messengers")
    assert "Linked to chat \u2066987654\u2069" in page.html.find(id="messenger-bale").get_text()
    # The person is told, in the inbox and on every channel, the new chat included.
    told = dbsession.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.channel, m.address, m.subject) for m in told] == [
        (Channel.email, "citizen@example.org", "Bale is linked to your account"),
        (Channel.bale, "987654", "Bale is linked to your account"),
    ]
    # Used: the same code links nothing more.
    assert en.post_json(HOOK, hook_update(111, f"/start {code}")).json == {"ok": True, "linked": False}
    assert dbsession.scalar(sa.select(MessengerLink.chat_id)) == "987654"


def test_an_expired_or_replaced_code_links_nothing(app, en, dbsession, people, clock):
    en.login("citizen@example.org")
    code_form(en.get("/me/messengers"))[1].submit("action", status=303)
    first = dbsession.scalar(sa.select(MessengerLinkCode.code))
    code_form(en.get("/me/messengers"))[1].submit("action", status=303)  # a new code replaces it
    second = dbsession.scalar(sa.select(MessengerLinkCode.code).where(MessengerLinkCode.code != first))
    assert en.post_json(HOOK, hook_update(1, f"/start {first}")).json["linked"] is False
    clock.advance(minutes=31)  # the suite's codes live 30 minutes
    assert en.post_json(HOOK, hook_update(1, f"/start {second}")).json["linked"] is False
    assert "/start" not in en.get("/me/messengers").html.find(id="messenger-bale").get_text()
    assert dbsession.scalar(sa.select(sa.func.count(MessengerLink.id))) == 0


def test_a_code_is_for_its_own_messenger(app, en, dbsession, people, monkeypatch):
    config = app.registry["messaging"]
    monkeypatch.setitem(config.webhook_secrets, Channel.eitaa, "eitaa-hook")
    monkeypatch.setitem(config.bot_names, Channel.eitaa, "@eitaa_bot")
    en.login("citizen@example.org")
    code_form(en.get("/me/messengers"), "eitaa")[1].submit("action", status=303)
    code = dbsession.scalar(sa.select(MessengerLinkCode.code))
    assert en.post_json(HOOK, hook_update(5, f"/start {code}")).json["linked"] is False
    assert en.post_json("/hooks/eitaa/eitaa-hook", hook_update(5, f"/start {code.lower()}")).json["linked"] is True
    assert dbsession.scalar(sa.select(MessengerLink.messenger)) == Channel.eitaa


@pytest.mark.parametrize("path", [
    "/hooks/bale/wrong-secret", "/hooks/bale", "/hooks/bale/bale-hook-secret/more", "/hooks/email/bale-hook-secret",
    "/hooks/eitaa/bale-hook-secret",  # Eitaa has no webhook in the suite's settings
])
def test_a_webhook_with_a_wrong_address_is_not_found(testapp, path):
    testapp.post_json(path, hook_update(1, "/start ABCDEFGH"), status=404)


def test_the_webhook_ignores_other_updates_and_refuses_what_is_not_json(testapp, dbsession):
    for update in ({"update_id": 1}, hook_update(1, "hello"), hook_update("not-a-number", "/start ABCDEFGH"),
                   [1, 2], {"message": {"chat": {"id": True}, "text": "/start ABCDEFGH"}}):
        assert testapp.post_json(HOOK, update).json == {"ok": True, "linked": False}
    testapp.post(HOOK, "{not json", content_type="application/json", status=400)
    testapp.get(HOOK, status=404)


def chat_form(page, messenger):
    return messenger_form(page, messenger, "link")


@pytest.mark.parametrize("typed", ["", "12a4", "+123", "--5", "1 2", "9" * 40])
def test_a_bad_chat_id_typed_by_hand_is_explained_and_kept(en, dbsession, people, typed):
    en.login("citizen@example.org")
    form = chat_form(en.get("/me/messengers"), "eitaa")
    form["chat_id"] = typed
    page = form.submit("action", status=400)
    section = page.html.find(id="messenger-eitaa")
    assert "A chat id is a number of digits, optionally with a minus sign before it." in section.get_text()
    assert chat_form(page, "eitaa")["chat_id"].value == typed
    assert section.find("input", attrs={"name": "chat_id"})["aria-invalid"] == "true"
    assert dbsession.scalar(sa.select(sa.func.count(MessengerLink.id))) == 0


def test_a_bad_chat_id_is_explained_in_persian(testapp, dbsession, people):
    testapp.login("citizen@example.org")
    form = chat_form(testapp.get("/me/messengers"), "bale")
    form["chat_id"] = "abc"
    page = form.submit("action", status=400)
    assert "شناسه گفتگو" in page.html.find(id="messenger-bale").find(class_="invalid-feedback").get_text()


def code_sent_to(dbsession, messenger, chat_id):
    """The code in the one message written for a typed chat (the only one it gets until proved)."""
    messages = dbsession.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == messenger,
                                                                OutboxMessage.address == chat_id)).all()
    assert len(messages) == 1
    return dbsession.scalar(sa.select(MessengerLinkCode.code).where(MessengerLinkCode.chat_id == chat_id)), messages[0]


def confirm_form(page, messenger):
    return messenger_form(page, messenger, "confirm")


def test_a_chat_id_by_hand_in_persian_digits_is_pending_until_its_code_comes_back_then_unlinked(
        app, testapp, dbsession, people):
    testapp.login("citizen@example.org")
    form = chat_form(testapp.get("/me/messengers"), "eitaa")
    form["chat_id"] = "-۱۲۳۴۵"
    page = form.submit("action", status=303).follow()
    assert dbsession.scalar(sa.select(sa.func.count(MessengerLink.id))) == 0
    section = page.html.find(id="messenger-eitaa").get_text()
    assert "-12345" in section
    code, message = code_sent_to(dbsession, Channel.eitaa, "-12345")
    assert code in message.body and code not in section  # read in the chat, never on the page
    tell(app, dbsession, people.citizen, "before-proof")
    assert {m.channel for m in dbsession.scalars(sa.select(OutboxMessage).where(OutboxMessage.key == "before-proof"))} \
        == {Channel.email}

    form = confirm_form(page, "eitaa")
    form["code"] = code.lower()
    page = form.submit("action", status=303).follow()
    assert dbsession.scalar(sa.select(MessengerLink.chat_id)) == "-12345"
    assert "-12345" in page.html.find(id="messenger-eitaa").get_text()
    tell(app, dbsession, people.citizen, "waiting")
    assert {m.channel for m in dbsession.scalars(sa.select(OutboxMessage).where(OutboxMessage.key == "waiting"))} \
        == {Channel.email, Channel.eitaa}

    page = messenger_form(page, "eitaa", "unlink").submit("action", status=303).follow()
    assert dbsession.scalar(sa.select(sa.func.count(MessengerLink.id))) == 0
    # What still waited for that chat is not sent there any more; the e-mail still goes.
    assert {m.channel for m in dbsession.scalars(sa.select(OutboxMessage).where(OutboxMessage.key == "waiting"))} \
        == {Channel.email}
    assert chat_form(page, "eitaa")


def test_a_messenger_not_offered_is_refused(en, dbsession, people):
    en.login("citizen@example.org")
    token = en.get_csrf_token("/me/edit")
    for messenger, action in (("rubika", "link"), ("email", "link"), ("", "code"), ("bale", "explode")):
        page = en.post("/me/messengers", {"csrf_token": token, "messenger": messenger, "action": action,
                                          "chat_id": "1"}, status=400)
        assert "This messenger is not offered here." in page.text
    # Eitaa has no webhook in the suite's settings: no code for it.
    en.post("/me/messengers", {"csrf_token": token, "messenger": "eitaa", "action": "code"}, status=400)


def test_the_data_download_holds_the_inbox_the_deliveries_and_the_links(app, en, dbsession, people):
    dbsession.add(MessengerLink(user_id=people.citizen.id, messenger=Channel.bale, chat_id="42", linked_at=NOW))
    dbsession.flush()
    tell(app, dbsession, people.citizen, "mine")
    tell(app, dbsession, people.other, "theirs")
    en.login("citizen@example.org")
    data = json.loads(en.get("/me/export").body)
    assert [m["link"] for m in data["inbox"]] == ["https://example.com/mine"]
    assert data["inbox"][0]["subject"] == "Your comment is published. Thank you."
    assert [(d["channel"], d["address"], d["status"]) for d in data["deliveries"]] == [
        ("email", "citizen@example.org", "pending"), ("bale", "42", "pending")]
    assert data["messenger_links"] == [{"messenger": "bale", "chat_id": "42", "linked_at": NOW.isoformat()}]


def test_deleting_a_person_deletes_their_messages(app, dbsession, people):
    tell(app, dbsession, people.citizen, "m")
    dbsession.delete(people.citizen)
    dbsession.flush()
    assert dbsession.scalar(sa.select(sa.func.count(InboxMessage.id))) == 0
    assert dbsession.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.status == OutboxStatus.pending)) == 0
