"""The inbox (/me/inbox), linking messengers (/me/messengers), the bots' webhooks (/hooks/<messenger>/<secret>)
and the outbox (/admin/outbox): its dead letters, and the uncertain messages an administrator resends or drops.

Opening the inbox marks the messages it shows as read: the page is where they are read, and a separate
"mark read" step would only add a click.
"""

import hmac

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config, view_defaults

from eparticipation.audit import record
from eparticipation.accounts.models import User
from eparticipation.forms import chosen_id, keyset_param
from eparticipation.i18n import _, flash
from eparticipation.messaging import services
from eparticipation.messaging.models import Channel, OutboxMessage, OutboxStatus
from eparticipation.messaging.services import CHANNEL_LABELS
from eparticipation.messaging.settings import messaging_config
from eparticipation.permissions import Permissions
from eparticipation.resources import AdminArea, Me, Root

STATUS_LABELS = {
    OutboxStatus.pending: _("Waiting"),
    OutboxStatus.sending: _("Being sent"),
    OutboxStatus.sent: _("Sent"),
    OutboxStatus.dead: _("Given up"),
    OutboxStatus.uncertain: _("Uncertain"),
    OutboxStatus.dropped: _("Dropped"),
}
DEAD_LETTERS_PER_PAGE = 50
# Uncertain messages are few (one at most per worker that died while sending): the oldest are shown first.
UNCERTAIN_SHOWN = 100


def left_to_right(text: str) -> str:
    """Text isolated as left-to-right (Unicode LRI … PDI), so "@bot" or "-100" keeps its order inside a
    Persian sentence."""
    return f"\u2066{text}\u2069"


@view_config(context=Me, name="inbox", request_method="GET", renderer="messaging/inbox.jinja2",
             permission=Permissions.AccountSelf)
def inbox(context, request):
    user = request.identity
    messages, next_before = services.inbox_page(request.dbsession, user.id, keyset_param(request, "before"))
    unread_ids = {m.id for m in messages if m.read_at is None}
    services.mark_read(request.dbsession, user.id, list(unread_ids), request.now)
    request.dbsession.expire(user, ["unread_messages"])  # the header's count, read again after marking
    return {"messages": messages, "unread_ids": unread_ids, "next_before": next_before}


@view_defaults(context=Me, name="messengers", renderer="messaging/messengers.jinja2",
               permission=Permissions.AccountSelf)
class MessengerViews:
    """Each enabled messenger: linked (with the way to remove it), pending (a typed chat waiting for its code
    to come back), or the ways to link it. A chat is linked only once it is proved to be the person's."""

    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.user = request.identity
        self.config = messaging_config(request.registry)

    def page(self, errors=None, typed=None):
        dbsession, now = self.request.dbsession, self.request.now
        codes = services.active_codes(dbsession, self.user.id, now)
        return {
            "messengers": self.config.messengers,
            "labels": CHANNEL_LABELS,
            "links": services.links_of(dbsession, self.user.id),
            # A code to send to the bot from any chat; a typed chat's code is read in that chat, never here.
            "codes": {messenger: code for messenger, code in codes.items() if code.chat_id is None},
            "pending": {messenger: code for messenger, code in codes.items() if code.chat_id is not None},
            "with_codes": set(self.config.webhook_secrets),
            "named_chats": services.NAMED_CHATS,
            "bot_names": {messenger: left_to_right(name) for messenger, name in self.config.bot_names.items()},
            "left_to_right": left_to_right,
            "errors": errors or {},
            "typed": typed or {},
        }

    def refused(self, messenger, action, refusal: services.LinkRefused):
        """The page again, with the reason by the field it is about (or atop the messenger's section) and the
        chat id as it was typed."""
        response = self.request.response
        response.status_int = refusal.status
        if refusal.retry_after is not None:
            response.headers["Retry-After"] = str(refusal.retry_after)
        field = {"link": "chat_id", "confirm": "code"}.get(action, "request")
        if refusal.about_the_request:
            field = "request"
        typed = {messenger: self.request.POST.get("chat_id", "")} if action == "link" else None
        return self.page(errors={f"{messenger}:{field}": refusal.message}, typed=typed)

    @view_config(request_method="GET")
    def show(self):
        return self.page()

    @view_config(request_method="POST")
    def act(self):
        request = self.request
        try:
            messenger = Channel(request.POST.get("messenger", ""))
        except ValueError:
            messenger = None
        if messenger not in self.config.messengers:
            raise HTTPBadRequest(request.localizer.translate(_("This messenger is not offered here.")))
        label = CHANNEL_LABELS[messenger]
        action = request.POST.get("action", "")
        try:
            if action == "code" and messenger in self.config.webhook_secrets:
                services.issue_link_code(request, messenger)
            elif action == "link":
                typed = request.POST.get("chat_id", "")
                chat_id = services.normalise_chat_id(typed, messenger)
                if chat_id is None:
                    raise services.LinkRefused(
                        _("A ${messenger} chat id is made of letters and digits, as the bot wrote it to you.",
                          mapping={"messenger": label}) if messenger in services.NAMED_CHATS else
                        _("A chat id is a number of digits, optionally with a minus sign before it."))
                current = services.links_of(request.dbsession, self.user.id).get(messenger)
                if current is not None and current.chat_id == chat_id:
                    flash(request, _("This chat is already linked to your account."))
                else:
                    services.request_chat_link(request, messenger, chat_id)
                    flash(request, _("A code is on its way to chat ${chat_id} in ${messenger}: the chat is linked "
                                     "once the code comes back.",
                                     mapping={"chat_id": left_to_right(chat_id), "messenger": label}))
            elif action == "confirm" and messenger not in self.config.webhook_secrets:
                typed = request.POST.get("code", "")
                services.confirm_typed_code(request, messenger, typed)
                services.tell_linked(request, self.user, messenger)
                flash(request, _("Messages will also reach you on ${messenger}.", mapping={"messenger": label}))
            elif action == "unlink":
                if services.unlink(request.dbsession, self.user.id, messenger):
                    flash(request, _("${messenger} is no longer linked to your account.",
                                     mapping={"messenger": label}))
            else:
                raise HTTPBadRequest(request.localizer.translate(_("This messenger is not offered here.")))
        except services.LinkRefused as refusal:
            return self.refused(messenger, action, refusal)
        return HTTPSeeOther(request.resource_url(self.context, "messengers", anchor=f"messenger-{messenger}"))


@view_config(context=Root, name="hooks", request_method="POST", require_csrf=False, renderer="json",
             permission=Permissions.SiteView)
def messenger_webhook(context, request):
    """A bot platform's update (JSON). The secret in the address is the authorisation: a wrong one is 404,
    like an address that does not exist. `/start CODE` from a chat links it (a code sent to a typed chat, only
    from that chat); anything else is acknowledged and ignored, so the platform does not send it again."""
    config = messaging_config(request.registry)
    # Rubika posts a bot's updates to <its endpoint>/receiveUpdate.
    subpath = request.subpath[:2] if request.subpath[2:] == ("receiveUpdate",) else request.subpath
    if len(subpath) != 2:
        raise HTTPNotFound()
    name, secret = subpath
    messenger = next((m for m in config.webhook_secrets if m.value == name), None)
    if messenger is None or not hmac.compare_digest(secret.encode(), config.webhook_secrets[messenger].encode()):
        raise HTTPNotFound()
    try:
        update = request.json_body
    except ValueError:
        raise HTTPBadRequest("not JSON") from None
    found = services.start_code_in(update, messenger)
    if found is None:
        return {"ok": True, "linked": False}
    chat_id, code = found
    redeemed = services.redeem_code(request.dbsession, messenger, code, chat_id, request.now)
    if redeemed is None:
        return {"ok": True, "linked": False}
    user_id, linked = redeemed
    user = request.dbsession.get(User, user_id)
    if not linked:
        services.tell_linked_elsewhere(request, user, messenger)
        return {"ok": True, "linked": False}
    services.tell_linked(request, user, messenger)
    return {"ok": True, "linked": True}


@view_defaults(context=AdminArea, name="outbox", renderer="messaging/outbox.jinja2",
               permission=Permissions.AdminOutbox)
class OutboxViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    @view_config(request_method="GET")
    def show(self):
        dbsession = self.request.dbsession
        counts = {
            (status, channel): count
            for status, channel, count in dbsession.execute(
                sa.select(OutboxMessage.status, OutboxMessage.channel, sa.func.count())
                .group_by(OutboxMessage.status, OutboxMessage.channel)
            )
        }
        query = (
            sa.select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.dead)
            .order_by(OutboxMessage.id.desc())
            .limit(DEAD_LETTERS_PER_PAGE + 1)
        )
        before = keyset_param(self.request, "before")
        if before is not None:
            query = query.where(OutboxMessage.id < before)
        dead = dbsession.scalars(query).all()
        uncertain = dbsession.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.uncertain)
            .order_by(OutboxMessage.id)
            .limit(UNCERTAIN_SHOWN)
        ).all()
        return {
            "uncertain": uncertain,
            "uncertain_count": sum(n for (status, _channel), n in counts.items() if status == OutboxStatus.uncertain),
            "channels": sorted({channel for _, channel in counts}, key=list(Channel).index),
            "statuses": list(OutboxStatus),
            "counts": counts,
            "dead": dead[:DEAD_LETTERS_PER_PAGE],
            "next_before": dead[DEAD_LETTERS_PER_PAGE - 1].id if len(dead) > DEAD_LETTERS_PER_PAGE else None,
            "channel_labels": CHANNEL_LABELS,
            "status_labels": STATUS_LABELS,
        }

    @view_config(request_method="POST")
    def retry(self):
        """Put one dead letter (`retry` = its id) or all of them (`retry_all`) back to be sent, with a fresh
        set of attempts."""
        request = self.request
        query = sa.update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.dead)
        if "retry_all" not in request.POST:
            message_id = chosen_id(request, "retry")
            if message_id is None:
                raise HTTPBadRequest(request.localizer.translate(_("Choose a message to send again.")))
            query = query.where(OutboxMessage.id == message_id)
        ids = request.dbsession.scalars(
            query.values(status=OutboxStatus.pending, attempts=0, next_attempt_at=request.now)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).all()
        count = len(ids)
        request.dbsession.expire_all()
        if ids:
            record(request, "message.retry", None, object_type="OutboxMessage",
                   object_id=ids[0] if len(ids) == 1 else "all", after={"messages": sorted(ids)})
        flash(request, _("${count} messages will be sent again.", mapping={"count": count}))
        return HTTPSeeOther(request.resource_url(self.context, "outbox"))

    @view_config(request_method="POST", request_param="resend")
    def resend(self):
        """An uncertain message (`resend` = its id) goes back to the queue: the administrator has judged that it
        did not arrive, or that a second copy does no harm."""
        return self.decide("resend")

    @view_config(request_method="POST", request_param="drop")
    def drop(self):
        """An uncertain message (`drop` = its id) is not sent again: the administrator has judged that it arrived."""
        return self.decide("drop")

    def decide(self, decision: str):
        request = self.request
        message_id = chosen_id(request, decision)
        if message_id is None:
            raise HTTPBadRequest(request.localizer.translate(_("Choose a message to decide on.")))
        message = services.awaiting_decision(request.dbsession, message_id)
        if message is None:
            flash(request, _("That message is not awaiting a decision (any more): someone decided on it, or its "
                             "worker recorded how the sending went."), "danger")
            return HTTPSeeOther(request.resource_url(self.context, "outbox"))
        before = {"status": message.status, "attempts": message.attempts, "claimed_by": message.claimed_by,
                  "lease_until": message.lease_until, "error": message.last_error}
        if decision == "resend":
            services.resend(message, request.now)
            record(request, "message.retry", message, before=before,
                   after={"status": message.status, "reference": message.reference})
            flash(request, _("The message will be sent again, under the same reference (an e-mail keeps its "
                             "Message-ID)."))
        else:
            services.drop(message)
            record(request, "message.drop", message, before=before, after={"status": message.status})
            flash(request, _("The message is dropped: it will not be sent again."))
        return HTTPSeeOther(request.resource_url(self.context, "outbox"))
