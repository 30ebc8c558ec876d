"""A messenger chat is linked only once it is proved to be the person's: a typed chat id stays pending, and
gets nothing but its code, until the code comes back from that chat (or, where the bot receives nothing, is
typed back on the site); link requests are limited; one chat links one account."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from eparticipation.messaging.models import Channel, InboxMessage, MessengerLink, MessengerLinkCode, OutboxMessage

from ..conftest import NOW
from ..factories import make_user
from .test_messaging_pages import HOOK, chat_form, code_form, code_sent_to, confirm_form, hook_update, tell

ELSEWHERE = "This chat is already linked to another account on this site."


@pytest.fixture
def people(dbsession):
    return SimpleNamespace(
        citizen=make_user(dbsession, email="citizen@example.org", display_name="Maryam", locale="en"),
        other=make_user(dbsession, email="other@example.org", display_name="Reza Other", locale="en"),
    )


def type_chat(app, messenger, chat_id, status=303):
    form = chat_form(app.get("/me/messengers"), messenger)
    form["chat_id"] = chat_id
    return form.submit("action", status=status)


def links(dbsession):
    return dbsession.execute(sa.select(MessengerLink.user_id, MessengerLink.messenger, MessengerLink.chat_id)).all()


def test_a_typed_bale_chat_is_linked_only_when_its_code_comes_back_from_it(app, en, dbsession, people, clock):
    en.login("citizen@example.org")
    page = type_chat(en, "bale", "777").follow()
    assert "Pending" in page.html.find(id="messenger-bale").get_text()
    code, message = code_sent_to(dbsession, Channel.bale, "777")
    assert f"/start {code}" in message.body and message.user_id == people.citizen.id
    assert not dbsession.scalars(sa.select(InboxMessage)).all()  # the code is for the chat alone
    tell(app, dbsession, people.citizen, "meanwhile")
    assert [m.channel for m in dbsession.scalars(sa.select(OutboxMessage).where(OutboxMessage.key == "meanwhile"))] \
        == [Channel.email]

    # The code read off the chat and sent from another chat proves nothing about the typed one.
    assert en.post_json(HOOK, hook_update(888, f"/start {code}")).json == {"ok": True, "linked": False}
    assert links(dbsession) == []
    # Nor is it typed back on the site: this bot receives, so the code must come from the chat.
    token = en.get_csrf_token("/me/edit")
    en.post("/me/messengers", {"csrf_token": token, "messenger": "bale", "action": "confirm", "code": code},
            status=400)
    assert links(dbsession) == []

    assert en.post_json(HOOK, hook_update(777, f"/start {code}")).json == {"ok": True, "linked": True}
    assert links(dbsession) == [(people.citizen.id, Channel.bale, "777")]


def test_a_wrong_code_is_explained_and_five_spend_it(en, dbsession, people, clock):
    en.login("citizen@example.org")
    page = type_chat(en, "eitaa", "4242").follow()
    code, _ = code_sent_to(dbsession, Channel.eitaa, "4242")
    for attempt in range(4):
        form = confirm_form(page, "eitaa")
        form["code"] = "WRONG000"
        page = form.submit("action", status=400)
        feedback = page.html.find(id="messenger-eitaa").find(class_="invalid-feedback").get_text()
        assert feedback == "That is not the code sent to this chat."
    form = confirm_form(page, "eitaa")
    form["code"] = "WRONG000"
    page = form.submit("action", status=400)
    assert "it no longer works" in page.html.find(id="messenger-eitaa").get_text()
    token = en.get_csrf_token("/me/edit")
    en.post("/me/messengers", {"csrf_token": token, "messenger": "eitaa", "action": "confirm", "code": code},
            status=400)
    assert links(dbsession) == []


def test_link_requests_are_limited_with_a_translated_429_and_retry_after(app, en, testapp, dbsession, people, clock):
    en.login("citizen@example.org")
    for n in range(5):  # the suite's limit is the default, five an hour
        code_form(en.get("/me/messengers"))[1].submit("action", status=303)
        clock.advance(minutes=1)
    page = code_form(en.get("/me/messengers"))[1].submit("action", status=429)
    assert page.headers["Retry-After"] == str(55 * 60)  # the first request leaves the hour then
    assert "Too many link requests: 5 in the last 60 minutes. Try again in 55 minutes." in page.text
    page = type_chat(en, "eitaa", "31337", status=429)
    assert "Retry-After" in page.headers
    assert chat_form(page, "eitaa")["chat_id"].value == "31337"  # what was typed is kept
    assert dbsession.scalar(sa.select(sa.func.count()).where(MessengerLinkCode.chat_id.is_not(None))) == 0
    clock.advance(minutes=55)
    code_form(en.get("/me/messengers"))[1].submit("action", status=303)

    testapp.login("other@example.org")
    page = code_form(testapp.get("/me/messengers"))[1].submit("action", status=303)  # a limit per person
    page = testapp.get("/me/messengers")
    assert page.status_int == 200


def test_one_chat_is_not_flooded_with_codes_by_many_accounts(en, dbsession, people, clock):
    for n in range(6):
        make_user(dbsession, email=f"sender{n}@example.org", locale="en")
    for n in range(5):
        en.login(f"sender{n}@example.org")
        type_chat(en, "eitaa", "31337")
        en.logout()
    en.login("sender5@example.org")
    page = type_chat(en, "eitaa", "31337", status=429)
    assert "Too many link requests" in page.text
    assert len(dbsession.scalars(sa.select(OutboxMessage).where(OutboxMessage.address == "31337")).all()) == 5
    type_chat(en, "eitaa", "31338")  # another chat is not held up


def test_the_refusal_is_in_persian(testapp, dbsession, people, clock):
    testapp.login("citizen@example.org")
    for n in range(5):
        code_form(testapp.get("/me/messengers"))[1].submit("action", status=303)
    page = code_form(testapp.get("/me/messengers"))[1].submit("action", status=429)
    assert "Too many link requests" not in page.text and "درخواست" in page.text


def test_a_chat_linked_to_another_account_is_refused_without_saying_whose(en, dbsession, people, clock):
    dbsession.add(MessengerLink(user_id=people.other.id, messenger=Channel.eitaa, chat_id="555", linked_at=NOW))
    dbsession.flush()
    en.login("citizen@example.org")
    page = type_chat(en, "eitaa", "555", status=409)
    section = page.html.find(id="messenger-eitaa").get_text()
    assert ELSEWHERE in section
    assert "other@example.org" not in page.text and "Reza Other" not in page.text
    assert dbsession.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0  # nothing sent to that chat
    assert links(dbsession) == [(people.other.id, Channel.eitaa, "555")]


def test_a_code_from_a_chat_linked_to_another_account_links_nothing_and_says_so(en, dbsession, people, clock):
    dbsession.add(MessengerLink(user_id=people.other.id, messenger=Channel.bale, chat_id="999", linked_at=NOW))
    dbsession.flush()
    en.login("citizen@example.org")
    code_form(en.get("/me/messengers"))[1].submit("action", status=303)
    code = dbsession.scalar(sa.select(MessengerLinkCode.code))
    assert en.post_json(HOOK, hook_update(999, f"/start {code}")).json == {"ok": True, "linked": False}
    assert links(dbsession) == [(people.other.id, Channel.bale, "999")]
    told = dbsession.scalar(sa.select(InboxMessage).where(InboxMessage.user_id == people.citizen.id))
    assert told.subject == "Bale was not linked" and ELSEWHERE in told.body
    assert "Reza" not in told.body


def test_the_database_keeps_one_account_per_chat(dbsession, people):
    dbsession.add(MessengerLink(user_id=people.citizen.id, messenger=Channel.bale, chat_id="1", linked_at=NOW))
    dbsession.flush()
    dbsession.add(MessengerLink(user_id=people.other.id, messenger=Channel.eitaa, chat_id="1", linked_at=NOW))
    dbsession.flush()  # the same chat id on another messenger is another chat
    with pytest.raises(sa.exc.IntegrityError):
        with dbsession.begin_nested():
            dbsession.add(MessengerLink(user_id=people.other.id, messenger=Channel.bale, chat_id="1",
                                        linked_at=NOW))
            dbsession.flush()
