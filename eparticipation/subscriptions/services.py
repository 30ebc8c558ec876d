"""Following consultations: what a person or a visitor follows, the links that confirm and end a visitor's
subscription, and the fan-out that tells every follower of a consultation's event, once each.

The request that opens a consultation (or publishes its outcome) only records that a fan-out is due
(`record_fanout`, one INSERT); the tick records the week-before reminders. The delivery worker writes the messages
(`write_next_fanout`): for one event, one INSERT … SELECT per kind of message (who is told, their inbox, their
e-mail, a visitor's e-mail, their messengers), whatever the number of followers, every one in its subscriber's
language. Each is idempotent (unique keys and ON CONFLICT DO NOTHING), and the fan-out's row is claimed
`FOR UPDATE SKIP LOCKED`: two workers, or one worker run twice, write each message once.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from pyramid.i18n import TranslationString

from eparticipation import i18n
from eparticipation.accounts.models import User
from eparticipation.agencies.models import Agency
from eparticipation.consultations.models import Draft, DocumentType, State
from eparticipation.consultations.schemas import DOCUMENT_TYPE_LABELS, kind_label
from eparticipation.db import UTCDateTime, dialect_insert
from eparticipation.i18n import _
from eparticipation.messaging.models import Channel, InboxMessage, MessengerLink, OutboxMessage, OutboxStatus
from eparticipation.messaging.services import translate_for
from eparticipation.messaging.settings import messaging_config
from eparticipation.subscriptions.models import (
    INBOX,
    SITE,
    FanoutEvent,
    Subscriber,
    SubscriberChannel,
    Subscription,
    SubscriptionFanout,
    SubscriptionNotice,
)

REMINDER_DAYS = 7
CONFIRM_KEY = "subscription-confirm:"  # the outbox key of a confirmation link (forgotten once delivered)
DEFAULT_CHANNELS = (INBOX, Channel.email.value)


# --- what is followed ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Something to follow: the whole site, one agency or one document type."""

    key: str  # Subscription.target
    agency_id: int | None = None

    @property
    def kind(self) -> str:
        return self.key.partition(":")[0]

    @property
    def document_type(self) -> DocumentType | None:
        return DocumentType(self.key.partition(":")[2]) if self.kind == "type" else None


def site_target() -> Target:
    return Target(SITE)


def agency_target(agency: Agency) -> Target:
    return Target(f"agency:{agency.id}", agency.id)


def type_target(document_type: DocumentType) -> Target:
    return Target(f"type:{document_type.value}")


def targets_of(draft: Draft) -> list[str]:
    """The targets whose followers hear of `draft`."""
    # A service, a process or an action has no document type: its subscribers are the site's and the agency's.
    targets = [SITE, f"agency:{draft.agency_id}"]
    return targets + [f"type:{draft.document_type.value}"] if draft.document_type else targets


def parse_target(dbsession, kind: str | None, value: str | None) -> Target | None:
    """The target a form names (kind "site", "agency" with the agency's code, "type" with a document type), or
    None when it names none that exists."""
    if kind == "site":
        return site_target()
    if kind == "agency" and value:
        agency = dbsession.scalar(sa.select(Agency).where(Agency.code == value[:100]))
        return agency_target(agency) if agency is not None else None
    if kind == "type" and value in {t.value for t in DocumentType}:
        return type_target(DocumentType(value))
    return None


def target_label(target_key: str, agencies: dict[int, Agency], locale_name: str):
    """What a person is shown for a subscription's target."""
    kind, _sep, value = target_key.partition(":")
    if kind == "agency":
        agency = agencies.get(int(value))
        return agency.name(locale_name) if agency is not None else value
    if kind == "type":
        return DOCUMENT_TYPE_LABELS[DocumentType(value)]
    return _("Every consultation on this site")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- signed-in people ---------------------------------------------------------------------------------


def subscriber_of(dbsession, user: User) -> Subscriber | None:
    return dbsession.scalar(sa.select(Subscriber).where(Subscriber.user_id == user.id))


def ensure_subscriber(dbsession, user: User, now: datetime) -> Subscriber:
    """The person's subscriber row, made with the default channels (inbox and e-mail) at their first follow."""
    subscriber = subscriber_of(dbsession, user)
    if subscriber is None:
        dbsession.execute(
            dialect_insert(dbsession, Subscriber)
            .values(user_id=user.id, locale=user.locale, unsubscribe_token=new_token(), created_at=now)
            .on_conflict_do_nothing(index_elements=["user_id"])
        )
        subscriber = subscriber_of(dbsession, user)
        dbsession.execute(
            dialect_insert(dbsession, SubscriberChannel).on_conflict_do_nothing(),
            [{"subscriber_id": subscriber.id, "channel": channel} for channel in DEFAULT_CHANNELS],
        )
    return subscriber


def follow(dbsession, user: User, target: Target, now: datetime) -> bool:
    """The person follows `target` (confirmed: their account proves who they are); False when they already did."""
    subscriber = ensure_subscriber(dbsession, user, now)
    inserted = dbsession.execute(
        dialect_insert(dbsession, Subscription)
        .values(subscriber_id=subscriber.id, target=target.key, agency_id=target.agency_id, created_at=now,
                confirmed_at=now)
        .on_conflict_do_nothing(index_elements=["subscriber_id", "target"])
    ).rowcount
    return bool(inserted)


def unfollow(dbsession, user: User, target_key: str) -> bool:
    subscriber = subscriber_of(dbsession, user)
    if subscriber is None:
        return False
    return bool(dbsession.execute(
        sa.delete(Subscription).where(Subscription.subscriber_id == subscriber.id, Subscription.target == target_key)
    ).rowcount)


def followed(dbsession, user: User | None) -> list[Subscription]:
    if user is None:
        return []
    return list(dbsession.scalars(
        sa.select(Subscription).join(Subscriber).where(Subscriber.user_id == user.id).order_by(Subscription.id)
    ))


def channels_of(dbsession, subscriber: Subscriber | None) -> set[str]:
    if subscriber is None:
        return set(DEFAULT_CHANNELS)
    return set(dbsession.scalars(
        sa.select(SubscriberChannel.channel).where(SubscriberChannel.subscriber_id == subscriber.id)
    ))


def offered_channels(registry, dbsession, user: User) -> list[tuple[str, bool]]:
    """The channels a person may choose, each with whether it reaches them now: the inbox, e-mail when the site
    sends it, and each enabled messenger (reaching them once they linked it)."""
    enabled = messaging_config(registry).channels
    linked = set(dbsession.scalars(sa.select(MessengerLink.messenger).where(MessengerLink.user_id == user.id)))
    offered = [(INBOX, True)]
    if Channel.email in enabled:
        offered.append((Channel.email.value, bool(user.email)))
    offered += [(channel.value, channel in linked) for channel in enabled if channel.is_messenger]
    return offered


def choose_channels(dbsession, user: User, channels: set[str], now: datetime) -> None:
    subscriber = ensure_subscriber(dbsession, user, now)
    dbsession.execute(sa.delete(SubscriberChannel).where(SubscriberChannel.subscriber_id == subscriber.id))
    if channels:
        dbsession.execute(sa.insert(SubscriberChannel),
                          [{"subscriber_id": subscriber.id, "channel": channel} for channel in sorted(channels)])


def forget_person(dbsession, user_id: int) -> None:
    """A closed account follows nothing any more, and nothing of its subscriptions is kept."""
    dbsession.execute(sa.delete(Subscriber).where(Subscriber.user_id == user_id))


# --- visitors, by e-mail alone ------------------------------------------------------------------------


def subscribe_address(request, email: str, target: Target) -> str | None:
    """A visitor asks to follow `target` at `email`: a subscription waiting for its confirmation, and the
    secret of the link that confirms it; None when the address already follows it (nothing is sent then: the
    visitor is told the same either way, so the answer says nothing of whom the address belongs to)."""
    dbsession, now = request.dbsession, request.now
    dbsession.execute(
        dialect_insert(dbsession, Subscriber)
        .values(email=email, locale=request.locale_name, unsubscribe_token=new_token(), created_at=now)
        .on_conflict_do_nothing(index_elements=["email"])
    )
    subscriber = dbsession.scalar(sa.select(Subscriber).where(Subscriber.email == email))
    subscription = dbsession.scalar(sa.select(Subscription).where(Subscription.subscriber_id == subscriber.id,
                                                                  Subscription.target == target.key))
    if subscription is not None and subscription.confirmed_at is not None:
        return None
    secret = new_token()
    if subscription is None:
        subscription = Subscription(subscriber_id=subscriber.id, target=target.key, agency_id=target.agency_id)
        dbsession.add(subscription)
    subscription.created_at = now
    subscription.confirm_token_hash = token_hash(secret)
    dbsession.flush()
    return secret


def confirmation_lifetime(settings) -> timedelta:
    return timedelta(hours=settings["eparticipation.subscriptions.confirm_hours"])


def waiting_confirmation(request, secret: str) -> Subscription | None:
    """The visitor's subscription whose confirmation link this is, while the link works."""
    if not secret or len(secret) > 100:
        return None
    subscription = request.dbsession.scalar(
        sa.select(Subscription).where(Subscription.confirm_token_hash == token_hash(secret))
    )
    if subscription is None or subscription.confirmed_at is not None:
        return None
    if request.now >= subscription.created_at + confirmation_lifetime(request.registry.settings):
        return None
    return subscription


def confirm(subscription: Subscription, now: datetime) -> None:
    subscription.confirmed_at = now
    subscription.confirm_token_hash = None


def forget_unconfirmed(request) -> str:
    """The tick: a visitor's subscription whose confirmation link ran out is deleted, and so is an address that
    follows nothing (confirmed or waiting): nothing is kept of an address that never said yes."""
    dbsession, now = request.dbsession, request.now
    ended = dbsession.execute(sa.delete(Subscription).where(
        Subscription.confirmed_at.is_(None),
        Subscription.created_at <= now - confirmation_lifetime(request.registry.settings),
    )).rowcount
    forgotten = dbsession.execute(sa.delete(Subscriber).where(
        Subscriber.user_id.is_(None),
        ~sa.exists().where(Subscription.subscriber_id == Subscriber.id),
    )).rowcount
    return f"Deleted {ended} unconfirmed subscription(s) whose link ran out and {forgotten} address(es) following nothing"


def subscriber_by_token(dbsession, token: str) -> Subscriber | None:
    if not token or len(token) > 100:
        return None
    return dbsession.scalar(sa.select(Subscriber).where(Subscriber.unsubscribe_token == token))


def unsubscribe(dbsession, subscriber: Subscriber) -> int:
    """Everything the unsubscribe link's subscriber follows ends; a visitor's address is forgotten altogether.
    How many subscriptions ended."""
    ended = dbsession.execute(sa.delete(Subscription).where(Subscription.subscriber_id == subscriber.id)).rowcount
    if subscriber.user_id is None:
        dbsession.execute(sa.delete(Subscriber).where(Subscriber.id == subscriber.id))
    dbsession.expire_all()
    return ended


# --- fan-outs -------------------------------------------------------------------------------------------


def record_fanout(request, draft: Draft, event: FanoutEvent, due_at: datetime, occasion: str = "") -> None:
    """Note that `draft`'s followers are to be told of `event` from `due_at`: one statement, whatever their
    number; the delivery worker writes their messages. Recording it again changes nothing."""
    from eparticipation.consultations import draft_url

    dbsession = request.dbsession
    dbsession.execute(
        dialect_insert(dbsession, SubscriptionFanout)
        .values(draft_id=draft.id, event=event, occasion=occasion, due_at=due_at, created_at=request.now,
                link=draft_url(request, draft),
                unsubscribe_base=request.resource_url(request.root, "subscriptions", "unsubscribe", ""))
        .on_conflict_do_nothing(index_elements=["draft_id", "event", "occasion"])
    )


def on_transition(event) -> None:
    """A consultation that opens, or whose outcome is published, is to be told to its followers."""
    draft, request, name = event.draft, event.request, event.event.transition
    if name == "open":
        record_fanout(request, draft, FanoutEvent.opened, draft.opens_at)
    elif name == "publish":
        record_fanout(request, draft, FanoutEvent.published, request.now)


def record_reminders(request) -> str:
    """The tick: every consultation that closes within the week is to be reminded to its followers, once for
    its closing day (an extension brings a reminder for the new one)."""
    dbsession, now = request.dbsession, request.now
    closing = dbsession.scalars(
        sa.select(Draft).where(Draft.state == State.consultation, Draft.opens_at <= now, Draft.closes_at > now,
                               Draft.closes_at <= now + timedelta(days=REMINDER_DAYS))
    ).all()
    for draft in closing:
        record_fanout(request, draft, FanoutEvent.closing, now, occasion=draft.closes_at.isoformat())
    return f"Reminded the followers of {len(closing)} consultation(s) closing within {REMINDER_DAYS} days"


def still_true(draft: Draft, fanout: SubscriptionFanout, now: datetime) -> bool:
    """Whether the event is still so when its fan-out's turn comes (a consultation withdrawn before its first day
    is not told as opened; a reminder is not sent for a closing day that an extension moved)."""
    if fanout.event == FanoutEvent.opened:
        return draft.state == State.consultation and draft.closes_at > now
    if fanout.event == FanoutEvent.closing:
        return (draft.state == State.consultation and draft.closes_at > now
                and draft.closes_at.isoformat() == fanout.occasion)
    return draft.state == State.published


MESSAGES = {
    FanoutEvent.opened: (
        _("New consultation: ${title}"),
        _("${agency} asks for your views on “${title}” (${type}). You can take part until ${date}."),
    ),
    FanoutEvent.closing: (
        _("A week left to take part: ${title}"),
        _("The public consultation on “${title}” (${type}) by ${agency} ends on ${date}. There are seven days left "
          "to take part."),
    ),
    FanoutEvent.published: (
        _("Outcome published: ${title}"),
        _("${agency} has published the outcome of the public consultation on “${title}” (${type}): the report, and "
          "its response to every comment."),
    ),
}
UNSUBSCRIBE_LINE = _("You receive this because you follow consultations on this site. To stop, open this link:")


def texts(registry, draft: Draft, event: FanoutEvent) -> dict[str, tuple[str, str]]:
    """The subject and the body (up to the unsubscribe link) of the event's message, in every language."""
    subject, body = MESSAGES[event]
    result = {}
    for language in i18n.available_languages(registry):
        text = draft.text(language)
        mapping = {"title": text.title if text else "", "agency": draft.agency.name(language),
                   "type": kind_label(draft), "date": draft.last_day() or date.min}
        words = [translate_for(registry, language, TranslationString(m, mapping=mapping)) for m in (subject, body)]
        unsubscribe_line = translate_for(registry, language, UNSUBSCRIBE_LINE)
        result[language] = (words[0], f"{words[1]}\n\n{unsubscribe_line}\n")
    return result


def by_language(language_column, values: dict[str, str], default: str):
    """CASE <language> WHEN 'en' THEN … ELSE <the default language's> END, as a text expression."""
    whens = [(language_column == language, sa.literal(text)) for language, text in values.items()
             if language != default]
    fallback = sa.literal(values.get(default) or next(iter(values.values())))
    return sa.case(*whens, else_=fallback) if whens else fallback


def claim_due_fanout(dbsession, now: datetime) -> SubscriptionFanout | None:
    return dbsession.scalars(
        sa.select(SubscriptionFanout)
        .where(SubscriptionFanout.done_at.is_(None), SubscriptionFanout.due_at <= now)
        .order_by(SubscriptionFanout.due_at, SubscriptionFanout.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()


def write_next_fanout(dbsession, registry, now: datetime) -> int:
    """Write the messages of the oldest due fan-out, in the caller's transaction; 0 when none is due, else the
    people told (at least 1, a fan-out having been dealt with)."""
    fanout = claim_due_fanout(dbsession, now)
    if fanout is None:
        return 0
    draft = dbsession.get(Draft, fanout.draft_id)
    told = write_fanout(dbsession, registry, fanout, draft, now) if still_true(draft, fanout, now) else 0
    fanout.done_at, fanout.told = now, told
    dbsession.flush()
    return max(told, 1)


def write_fanout(dbsession, registry, fanout: SubscriptionFanout, draft: Draft, now: datetime) -> int:
    """Who is told (a notice per confirmed follower of any of the draft's targets, once), then their messages,
    each an INSERT … SELECT over the notices of this fan-out."""
    moment = sa.literal(now, UTCDateTime())
    notices = dialect_insert(dbsession, SubscriptionNotice).from_select(
        ["fanout_id", "subscriber_id", "created_at"],
        sa.select(sa.literal(fanout.id), Subscription.subscriber_id, moment)
        .where(Subscription.target.in_(targets_of(draft)), Subscription.confirmed_at.is_not(None))
        .group_by(Subscription.subscriber_id),
    ).on_conflict_do_nothing()
    dbsession.execute(notices)
    told = dbsession.scalar(sa.select(sa.func.count()).where(SubscriptionNotice.fanout_id == fanout.id))
    if not told:
        return 0

    words = texts(registry, draft, fanout.event)
    default = registry.settings.get("pyramid.default_locale_name", "fa")
    languages = list(words)
    key = f"subscriptions:{fanout.event.value}:{draft.id}" + (f":{fanout.occasion}" if fanout.occasion else "")
    unsubscribe = sa.literal(fanout.unsubscribe_base) + Subscriber.unsubscribe_token
    told_here = SubscriptionNotice.fanout_id == fanout.id

    def person_language():
        return sa.case((User.locale.in_(languages), User.locale), else_=sa.literal(default))

    def person_text(part: int, with_link: bool = True):
        text = by_language(person_language(), {lang: pair[part] for lang, pair in words.items()}, default)
        return text + unsubscribe if with_link else text

    people = (
        sa.select()
        .select_from(SubscriptionNotice)
        .join(Subscriber, Subscriber.id == SubscriptionNotice.subscriber_id)
        .join(User, User.id == Subscriber.user_id)
        .where(told_here, User.is_active.is_(True))
    )

    def chose(channel):
        return sa.exists().where(SubscriberChannel.subscriber_id == Subscriber.id, SubscriberChannel.channel == channel)

    # Their inbox.
    dbsession.execute(dialect_insert(dbsession, InboxMessage).from_select(
        ["user_id", "key", "subject", "body", "link", "created_at"],
        people.add_columns(User.id, sa.literal(key), person_text(0, False), person_text(1), sa.literal(fanout.link),
                           moment).where(chose(INBOX)),
    ).on_conflict_do_nothing())

    outbox_columns = ["user_id", "channel", "address", "key", "subject", "body", "link", "unsubscribe", "status",
                      "attempts", "next_attempt_at", "created_at"]

    def outbox_row(user_id, channel, address, subject, body):
        return (user_id, channel, address, sa.literal(key), subject, body, sa.literal(fanout.link), unsubscribe,
                sa.literal(OutboxStatus.pending.value), sa.literal(0), moment, moment)

    enabled = messaging_config(registry).channels
    if Channel.email in enabled:
        # Their e-mail.
        dbsession.execute(dialect_insert(dbsession, OutboxMessage).from_select(
            outbox_columns,
            people.add_columns(*outbox_row(User.id, sa.literal(Channel.email.value), User.email,
                                           person_text(0, False), person_text(1)))
            .where(chose(Channel.email.value)),
        ).on_conflict_do_nothing())
        # A visitor's e-mail: the only channel they gave.
        account, own = aliased(User), aliased(Subscriber)
        own_notice, own_channel = aliased(SubscriptionNotice), aliased(SubscriberChannel)
        visitor_language = sa.case((Subscriber.locale.in_(languages), Subscriber.locale), else_=sa.literal(default))
        subject = by_language(visitor_language, {lang: pair[0] for lang, pair in words.items()}, default)
        body = by_language(visitor_language, {lang: pair[1] for lang, pair in words.items()}, default) + unsubscribe
        dbsession.execute(dialect_insert(dbsession, OutboxMessage).from_select(
            outbox_columns,
            sa.select(*outbox_row(sa.null(), sa.literal(Channel.email.value), Subscriber.email, subject, body))
            .select_from(SubscriptionNotice)
            .join(Subscriber, Subscriber.id == SubscriptionNotice.subscriber_id)
            .where(told_here, Subscriber.user_id.is_(None),
                   # An address that also follows with its account, told there by e-mail: once (each step an
                   # index's: the account by its address, its subscriber, its notice, its channel).
                   ~sa.exists().where(account.email == Subscriber.email, account.is_active.is_(True),
                                      own.user_id == account.id, own_notice.fanout_id == fanout.id,
                                      own_notice.subscriber_id == own.id, own_channel.subscriber_id == own.id,
                                      own_channel.channel == Channel.email.value)),
        ).on_conflict_do_nothing())
    messengers = [channel.value for channel in enabled if channel.is_messenger]
    if messengers:
        # Their messengers, those they chose and linked.
        dbsession.execute(dialect_insert(dbsession, OutboxMessage).from_select(
            outbox_columns,
            people.join(MessengerLink, MessengerLink.user_id == User.id)
            .join(SubscriberChannel, sa.and_(SubscriberChannel.subscriber_id == Subscriber.id,
                                             SubscriberChannel.channel == MessengerLink.messenger))
            .add_columns(*outbox_row(User.id, MessengerLink.messenger, MessengerLink.chat_id,
                                     person_text(0, False), person_text(1)))
            .where(MessengerLink.messenger.in_(messengers)),
        ).on_conflict_do_nothing())
    return told


def fan_out(registry) -> int:
    """The delivery worker's task: one due fan-out, in a transaction of its own; how many people it told."""
    from eparticipation.clock import get_clock

    with registry["dbsession_factory"]() as dbsession:
        with dbsession.begin():
            return write_next_fanout(dbsession, registry, get_clock(registry).now())


# --- the person's data ----------------------------------------------------------------------------------


def personal_subscriptions(dbsession, user) -> dict:
    subscriber = subscriber_of(dbsession, user)
    if subscriber is None:
        return {"follows": [], "channels": []}
    return {
        "follows": [{"target": s.target, "since": s.created_at.isoformat()} for s in followed(dbsession, user)],
        "channels": sorted(channels_of(dbsession, subscriber)),
    }
