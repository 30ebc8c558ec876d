"""Telling people things: `notify` writes the inbox message and the outbox rows in the caller's transaction;
the inbox's queries; linking a messenger chat by a one-time code or by hand."""

import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from pyramid.i18n import TranslationString

from eparticipation import i18n, ratelimits
from eparticipation.accounts.models import User
from eparticipation.db import dialect_insert
from eparticipation.i18n import _
from eparticipation.messaging.models import (
    CHAT_ID_MAX,
    LINK_CODE_LENGTH,
    Channel,
    InboxMessage,
    MessengerLink,
    MessengerLinkCode,
    OutboxMessage,
    OutboxStatus,
)
from eparticipation.messaging.settings import messaging_config

CHANNEL_LABELS = {
    Channel.email: _("E-mail"),
    Channel.bale: _("Bale"),
    Channel.eitaa: _("Eitaa"),
    Channel.rubika: _("Rubika"),
    Channel.soroush: _("Soroush"),
}
INBOX_PAGE_SIZE = 20
BATCH = 1000  # people per statement when many are told at once
# No 0/O or 1/I/L: the code is read off a screen and typed into a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CHAT_ID_PATTERN = re.compile(r"-?[0-9]{1,%d}" % (CHAT_ID_MAX - 1))
# Bale's and Eitaa's chats are numbered (Telegram-like); Rubika's and Soroush's are named by letters and digits
# ("b0QFtabc1I02214b529f1d60c9ce5b08").
NAMED_CHAT_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,%d}" % CHAT_ID_MAX)
NAMED_CHATS = frozenset({Channel.rubika, Channel.soroush})
START_COMMAND = re.compile(r"/start(?:@\w+)?\s+([A-Za-z0-9]{4,16})")


def translate_for(registry, locale_name: str, term) -> str:
    """Translate into `locale_name` as the site would for a page in that language (numbers and dates in the
    mapping formatted for it): i18n.translate needs only a locale name and its localizer."""
    if not isinstance(term, TranslationString):
        return str(term)
    return i18n.translate(i18n.reader_in(registry, locale_name), term)


def language_of(registry, user: User) -> str:
    languages = i18n.available_languages(registry)
    if user.locale in languages:
        return user.locale
    return registry.settings.get("pyramid.default_locale_name", "fa")


def addresses_of_all(dbsession, registry, users: list[User]) -> dict[int, dict[Channel, str]]:
    """Where each person can be reached now: their e-mail, and each enabled messenger they linked; nowhere
    outside the site once their account is closed. Their messenger chats in one statement per thousand people."""
    enabled = messaging_config(registry).channels
    addresses = {user.id: {} for user in users}
    reachable = [user for user in users if user.is_active]
    if Channel.email in enabled:
        for user in reachable:
            if user.email:
                addresses[user.id][Channel.email] = user.email
    messengers = [channel for channel in enabled if channel.is_messenger]
    if messengers:
        ids = [user.id for user in reachable]
        for chunk in range(0, len(ids), BATCH):
            links = dbsession.execute(
                sa.select(MessengerLink.user_id, MessengerLink.messenger, MessengerLink.chat_id).where(
                    MessengerLink.user_id.in_(ids[chunk:chunk + BATCH]), MessengerLink.messenger.in_(messengers)
                )
            )
            for user_id, messenger, chat_id in links:
                addresses[user_id][messenger] = chat_id
    return addresses


@dataclass(frozen=True)
class Notice:
    """What to tell one person: translated into their language when it is written. `user` is their account,
    or a row with its id, email, locale and is_active."""

    user: User | sa.Row
    subject: TranslationString | str
    body: TranslationString | str
    link: str


def notify(request, user: User, *, key: str, subject, body, link: str) -> None:
    """Tell `user` something: one inbox message, and one outbox message per channel they can be reached on,
    in their own language, written in the caller's transaction. `key` names the occasion (e.g.
    "responses:draft:12"): calling again with the same key writes nothing new."""
    notify_all(request, [Notice(user, subject, body, link)], key=key)


def email_only(request, user: User, *, key: str, subject, body, link: str) -> bool:
    """Tell `user` something at their e-mail address only, in their language: one outbox message, no inbox
    message, no messenger (a link that proves the address, or sets a password, must reach the mailbox). False
    when the site sends no e-mail or the account is closed. `key` as for `notify`."""
    if not link.startswith(("https://", "http://")):
        raise ValueError("a notification link is an absolute http(s) URL")
    if Channel.email not in messaging_config(request.registry).channels or not user.is_active or not user.email:
        return False
    language = language_of(request.registry, user)
    request.dbsession.add(OutboxMessage(
        user_id=user.id, channel=Channel.email, address=user.email, key=key,
        subject=translate_for(request.registry, language, subject),
        body=translate_for(request.registry, language, body),
        link=link, status=OutboxStatus.pending, attempts=0, next_attempt_at=request.now, created_at=request.now,
    ))
    request.dbsession.flush()
    return True


def message_key(message) -> tuple:
    """What a message's translation depends on: a TranslationString's equality ignores its mapping."""
    if isinstance(message, TranslationString):
        return str(message), message.domain, tuple(sorted((message.mapping or {}).items()))
    return (str(message),)


def notify_all(request, notices: list[Notice], *, key: str) -> None:
    """`notify` for many people at once (everyone who took part in a consultation, say), in a few statements
    per thousand people rather than a few per person: their messenger chats, their inbox messages, their
    outbox messages."""
    if not key or len(key) > 200:
        raise ValueError("a notification key is 1 to 200 characters")
    if any(not notice.link.startswith(("https://", "http://")) for notice in notices):
        raise ValueError("a notification link is an absolute http(s) URL")
    registry, dbsession, now = request.registry, request.dbsession, request.now
    addresses = addresses_of_all(dbsession, registry, [notice.user for notice in notices])
    inbox, outbox, translated = [], [], {}
    for notice in notices:
        language = language_of(registry, notice.user)
        # Most people are told the same words in their language: each text is translated once.
        words = (language, *(message_key(message) for message in (notice.subject, notice.body)))
        if words not in translated:
            translated[words] = [translate_for(registry, language, message) for message in (notice.subject,
                                                                                             notice.body)]
        subject, body = translated[words]
        text = {"user_id": notice.user.id, "key": key, "subject": subject, "body": body, "link": notice.link,
                "created_at": now}
        inbox.append(text)
        outbox += [{**text, "channel": channel, "address": address, "status": OutboxStatus.pending, "attempts": 0,
                    "next_attempt_at": now} for channel, address in addresses[notice.user.id].items()]
    for rows, model, unique in ((inbox, InboxMessage, ["user_id", "key"]),
                                (outbox, OutboxMessage, ["user_id", "key", "channel"])):
        for chunk in range(0, len(rows), BATCH):
            # The table's INSERT (not the ORM's bulk one, which costs more per row), sent for many rows at once.
            dbsession.execute(dialect_insert(dbsession, model.__table__).on_conflict_do_nothing(index_elements=unique),
                              rows[chunk:chunk + BATCH])


# The inbox


def inbox_page(dbsession, user_id: int, before: int | None = None, size: int = INBOX_PAGE_SIZE):
    """One page of the person's messages, newest first, and the id to continue before (keyset paging)."""
    query = sa.select(InboxMessage).where(InboxMessage.user_id == user_id).order_by(InboxMessage.id.desc())
    if before is not None:
        query = query.where(InboxMessage.id < before)
    messages = dbsession.scalars(query.limit(size + 1)).all()
    more = len(messages) > size
    messages = messages[:size]
    return messages, (messages[-1].id if more else None)


def mark_read(dbsession, user_id: int, message_ids: list[int], now: datetime) -> None:
    if message_ids:
        dbsession.execute(
            sa.update(InboxMessage)
            .where(InboxMessage.user_id == user_id, InboxMessage.id.in_(message_ids), InboxMessage.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )


# Linking messengers


def links_of(dbsession, user_id: int) -> dict[Channel, MessengerLink]:
    links = dbsession.scalars(sa.select(MessengerLink).where(MessengerLink.user_id == user_id))
    return {link.messenger: link for link in links}


def active_codes(dbsession, user_id: int, now: datetime) -> dict[Channel, MessengerLinkCode]:
    codes = dbsession.scalars(
        sa.select(MessengerLinkCode)
        .where(
            MessengerLinkCode.user_id == user_id,
            MessengerLinkCode.used_at.is_(None),
            MessengerLinkCode.expires_at > now,
        )
        .order_by(MessengerLinkCode.id)
    )
    return {code.messenger: code for code in codes}  # the newest of each messenger wins


class LinkRefused(Exception):
    """A link request refused; its message is for the person, `status` the page's, `retry_after` seconds."""

    def __init__(self, message, status=400, retry_after: int | None = None, about_the_request=False):
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after
        self.about_the_request = about_the_request  # not about a field of the form sent (it may be gone)


LINKED_ELSEWHERE = _("This chat is already linked to another account on this site. A chat can receive the "
                     "messages of one account only.")


def ensure_within_link_rate(request, messenger: Channel, chat_id: str | None = None) -> None:
    """At most `link_rate_max` codes per person per `link_rate_window`, and as many sent to one chat whoever
    asks, so that neither the bot nor a stranger's chat is flooded with codes; 429 with the wait otherwise."""
    config, dbsession, now = messaging_config(request.registry), request.dbsession, request.now
    since = now - config.link_rate_window
    asked = [(f"{request.identity.id}", MessengerLinkCode.user_id == request.identity.id)]
    if chat_id is not None:
        asked.append((f"{messenger.value}:{chat_id}",
                      sa.and_(MessengerLinkCode.messenger == messenger, MessengerLinkCode.chat_id == chat_id)))
    for subject, who in asked:
        # The counter row's upsert holds its lock until this request commits (ratelimits.py): parallel requests of
        # one person, or for one chat, count the codes one after the other, each seeing those sent before it.
        ratelimits.hit(dbsession, "messenger_link", subject, config.link_rate_window, now)
        count, oldest = dbsession.execute(
            sa.select(sa.func.count(), sa.func.min(MessengerLinkCode.created_at))
            .where(who, MessengerLinkCode.created_at > since)
        ).one()
        if count >= config.link_rate_max:
            wait = max(1, math.ceil((oldest + config.link_rate_window - now).total_seconds()))
            raise LinkRefused(
                _("Too many link requests: ${count} in the last ${minutes} minutes. Try again in ${wait} minutes.",
                  mapping={"count": count, "minutes": int(config.link_rate_window.total_seconds() // 60),
                           "wait": -(-wait // 60)}),
                status=429, retry_after=wait,
            )


def linked_elsewhere(dbsession, user_id: int, messenger: Channel, chat_id: str) -> bool:
    """The chat is linked to another account (which one is never said)."""
    return dbsession.scalar(
        sa.select(MessengerLink.id).where(MessengerLink.messenger == messenger, MessengerLink.chat_id == chat_id,
                                          MessengerLink.user_id != user_id)
    ) is not None


def new_code(request, messenger: Channel, chat_id: str | None = None) -> MessengerLinkCode:
    """A new code for the signed-in person; their earlier unused codes for this messenger stop working (they
    expire now, and stay to be counted)."""
    dbsession, user, now = request.dbsession, request.identity, request.now
    dbsession.execute(
        sa.update(MessengerLinkCode)
        .where(MessengerLinkCode.user_id == user.id, MessengerLinkCode.messenger == messenger,
               MessengerLinkCode.used_at.is_(None), MessengerLinkCode.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    code = MessengerLinkCode(
        user_id=user.id,
        messenger=messenger,
        code="".join(secrets.choice(CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH)),
        created_at=now,
        expires_at=now + messaging_config(request.registry).link_code_lifetime,
        chat_id=chat_id,
    )
    dbsession.add(code)
    dbsession.flush()
    return code


def issue_link_code(request, messenger: Channel) -> MessengerLinkCode:
    """A code the person sends to the bot from the chat they want linked (a messenger with a webhook)."""
    ensure_within_link_rate(request, messenger)
    return new_code(request, messenger)


def request_chat_link(request, messenger: Channel, chat_id: str) -> MessengerLinkCode:
    """A chat id typed by the person: pending until proved. Its code is the only message sent to that chat:
    the person sends it back to the bot from there (a messenger whose bot receives, `webhook`), or types it
    back on the site (a messenger whose bot only sends)."""
    dbsession, user = request.dbsession, request.identity
    if linked_elsewhere(dbsession, user.id, messenger, chat_id):
        raise LinkRefused(LINKED_ELSEWHERE, status=409)
    ensure_within_link_rate(request, messenger, chat_id)
    code = new_code(request, messenger, chat_id)
    label = CHANNEL_LABELS[messenger]
    if messenger in messaging_config(request.registry).webhook_secrets:
        body = _("To link this chat to your account on the public consultation site, send this message back to "
                 "the bot from this chat: /start ${code}", mapping={"code": code.code})
    else:
        body = _("To link this chat to your account on the public consultation site, type this code on the site's "
                 "messengers page: ${code}", mapping={"code": code.code})
    language = language_of(request.registry, user)
    dbsession.add(OutboxMessage(
        user_id=user.id, channel=messenger, address=chat_id, key=f"messenger-code:{code.id}",
        subject=translate_for(request.registry, language,
                              _("Your code for linking ${messenger}", mapping={"messenger": label})),
        body=translate_for(request.registry, language, body) + "\n"
        + translate_for(request.registry, language, _("If you did not ask for it, ignore this message.")),
        link=request.resource_url(request.root, "me", "messengers"),
        status=OutboxStatus.pending, attempts=0, next_attempt_at=request.now, created_at=request.now,
    ))
    return code


def pending_links(dbsession, user_id: int, now: datetime) -> dict[Channel, MessengerLinkCode]:
    """The typed chats waiting for their proof, by messenger."""
    return {messenger: code for messenger, code in active_codes(dbsession, user_id, now).items()
            if code.chat_id is not None}


MAX_FAILED_ATTEMPTS = 5


def confirm_typed_code(request, messenger: Channel, typed: str) -> str:
    """The code sent to the pending chat, typed back on the site (a messenger whose bot only sends): links the
    chat and returns its id. Five wrong codes and the code is spent."""
    dbsession, user, now = request.dbsession, request.identity, request.now
    pending = pending_links(dbsession, user.id, now).get(messenger)
    if pending is None:
        raise LinkRefused(_("No code is waiting for this messenger: type your chat id to get one."),
                          about_the_request=True)
    code = "".join(typed.split()).upper()
    if not secrets.compare_digest(code.encode(), pending.code.encode()):
        pending.failed_attempts += 1
        if pending.failed_attempts >= MAX_FAILED_ATTEMPTS:
            pending.expires_at = now
            raise LinkRefused(_("That code is wrong again: it no longer works. Ask for a new one."),
                              about_the_request=True)
        raise LinkRefused(_("That is not the code sent to this chat."))
    pending.used_at = now
    if not link_chat(dbsession, user.id, messenger, pending.chat_id, now):
        raise LinkRefused(LINKED_ELSEWHERE, status=409)
    return pending.chat_id


def link_chat(dbsession, user_id: int, messenger: Channel, chat_id: str, now: datetime) -> bool:
    """Link (or re-link) the person's proved chat on `messenger`; one link per person and messenger, one
    person per chat. False, and nothing linked, when the chat is another account's (the unique index decides
    between two at the same moment)."""
    if linked_elsewhere(dbsession, user_id, messenger, chat_id):
        return False
    try:
        with dbsession.begin_nested():
            dbsession.execute(
                dialect_insert(dbsession, MessengerLink)
                .values(user_id=user_id, messenger=messenger, chat_id=chat_id, linked_at=now)
                .on_conflict_do_update(
                    index_elements=["user_id", "messenger"], set_={"chat_id": chat_id, "linked_at": now}
                )
            )
    except sa.exc.IntegrityError:
        return False
    dbsession.expire_all()
    return True


def tell_linked(request, user: User, messenger: Channel) -> None:
    """Confirm a new link, in the inbox and on every channel (the new chat included): if someone else linked
    their chat to this account, its owner learns of it by e-mail."""
    label = CHANNEL_LABELS[messenger]
    notify(
        request,
        user,
        key=f"messenger-linked:{messenger}:{request.now.isoformat()}",
        subject=_("${messenger} is linked to your account", mapping={"messenger": label}),
        body=_(
            "From now on, messages from the public consultation site also reach you on ${messenger}. "
            "If you did not link it, remove the link on your account page.",
            mapping={"messenger": label},
        ),
        link=request.resource_url(request.root, "me", "messengers"),
    )


def start_code_in(update, messenger: Channel = Channel.bale) -> tuple[str, str] | None:
    """The chat id and the code of an update whose message is `/start CODE`, else None: Telegram-like
    (`{"message": {"chat": {"id"}, "text"}}`) or Rubika's (`{"update": {"chat_id", "new_message": {"text"}}}`)."""
    if not isinstance(update, dict):
        return None
    if messenger is Channel.rubika:
        event = update.get("update")
        event = event if isinstance(event, dict) else {}
        message, chat_id = event.get("new_message"), event.get("chat_id")
    else:
        message = update.get("message")
        chat = message.get("chat") if isinstance(message, dict) else None
        chat_id = chat.get("id") if isinstance(chat, dict) else None
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        return None
    if isinstance(chat_id, bool) or not isinstance(chat_id, (int, str)):
        return None
    chat_id = str(chat_id)
    match = START_COMMAND.fullmatch(message["text"].strip())
    if match is None or not chat_id_pattern(messenger).fullmatch(chat_id):
        return None
    return chat_id, match.group(1).upper()


def chat_id_pattern(messenger: Channel) -> re.Pattern:
    return NAMED_CHAT_PATTERN if messenger in NAMED_CHATS else CHAT_ID_PATTERN


def redeem_code(dbsession, messenger: Channel, code: str, chat_id: str, now: datetime) -> tuple[int, bool] | None:
    """Link `chat_id` to the person whose valid code this is, using the code up: (their user id, whether it is
    linked, False when the chat is another account's), or None when no such code is waiting (unknown, used,
    expired, for another messenger, or sent to another chat than the one it comes back from)."""
    used = dbsession.execute(
        sa.update(MessengerLinkCode)
        .where(
            MessengerLinkCode.code == code,
            MessengerLinkCode.messenger == messenger,
            MessengerLinkCode.used_at.is_(None),
            MessengerLinkCode.expires_at > now,
            sa.or_(MessengerLinkCode.chat_id.is_(None), MessengerLinkCode.chat_id == chat_id),
        )
        .values(used_at=now)
        .returning(MessengerLinkCode.user_id)
        .execution_options(synchronize_session=False)
    ).first()
    if used is None:
        return None
    return used.user_id, link_chat(dbsession, used.user_id, messenger, chat_id, now)


def tell_linked_elsewhere(request, user: User, messenger: Channel) -> None:
    """The chat the person's code came from is another account's: they are told so (not whose)."""
    label = CHANNEL_LABELS[messenger]
    notify(
        request,
        user,
        key=f"messenger-elsewhere:{messenger}:{request.now.isoformat()}",
        subject=_("${messenger} was not linked", mapping={"messenger": label}),
        body=LINKED_ELSEWHERE,
        link=request.resource_url(request.root, "me", "messengers"),
    )


def normalise_chat_id(text: str, messenger: Channel = Channel.bale) -> str | None:
    """A chat id of `messenger` typed by hand (Persian digits allowed), or None when it is not one."""
    candidate = i18n.to_latin_digits(text or "").strip().replace("\u2212", "-")
    return candidate if chat_id_pattern(messenger).fullmatch(candidate) else None


def unlink(dbsession, user_id: int, messenger: Channel) -> bool:
    """Remove the link; messages still waiting for that chat are not sent there any more."""
    removed = dbsession.execute(
        sa.delete(MessengerLink).where(MessengerLink.user_id == user_id, MessengerLink.messenger == messenger)
    ).rowcount
    dbsession.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.user_id == user_id,
            OutboxMessage.channel == messenger,
            OutboxMessage.status == OutboxStatus.pending,
        )
    )
    return bool(removed)


# The person's data download


def awaiting_decision(dbsession, message_id: int) -> OutboxMessage | None:
    """The uncertain message, locked until the decision is committed (a worker that outlived its lease may be
    recording how the sending went at the same moment); None when it is not, or no longer, uncertain."""
    return dbsession.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.uncertain)
        .with_for_update()
    ).first()


def resend(message: OutboxMessage, now: datetime) -> None:
    """Back in the queue with a fresh set of attempts; it keeps its reference, so an e-mail that did arrive the
    first time arrives again under the same Message-ID."""
    message.status = OutboxStatus.pending
    message.attempts = 0
    message.next_attempt_at = now
    message.claimed_by = message.lease_until = None


def drop(message: OutboxMessage) -> None:
    """Never sent again (e.g. the channel's own records show it arrived)."""
    message.status = OutboxStatus.dropped
    message.claimed_by = message.lease_until = None


def personal_inbox(dbsession, user) -> list[dict]:
    messages = dbsession.scalars(
        sa.select(InboxMessage).where(InboxMessage.user_id == user.id).order_by(InboxMessage.id)
    )
    return [
        {
            "subject": m.subject,
            "body": m.body,
            "link": m.link,
            "created_at": m.created_at.isoformat(),
            "read_at": m.read_at.isoformat() if m.read_at else None,
        }
        for m in messages
    ]


def personal_deliveries(dbsession, user) -> list[dict]:
    messages = dbsession.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id)
    )
    return [
        {
            "channel": m.channel.value,
            "address": m.address,
            "subject": m.subject,
            "status": m.status.value,
            "created_at": m.created_at.isoformat(),
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
        }
        for m in messages
    ]


def personal_messenger_links(dbsession, user) -> list[dict]:
    return [
        {"messenger": link.messenger.value, "chat_id": link.chat_id, "linked_at": link.linked_at.isoformat()}
        for link in links_of(dbsession, user.id).values()
    ]
