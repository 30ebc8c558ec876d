"""Pages of the subscriptions (the package's docstring lists them)."""

import time

import colander
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config, view_defaults

from eparticipation import ratelimits
from eparticipation.accounts.schemas import email_validator
from eparticipation.accounts.services import LoginThrottle, normalise_email
from eparticipation.agencies.models import Agency
from eparticipation.consultations.models import DocumentType
from eparticipation.consultations.schemas import DOCUMENT_TYPE_LABELS
from eparticipation.i18n import _, flash, translate
from eparticipation.messaging.models import Channel, OutboxMessage, OutboxStatus
from eparticipation.messaging.services import CHANNEL_LABELS
from eparticipation.messaging.settings import messaging_config
from eparticipation.permissions import Permissions
from eparticipation.subscriptions import services
from eparticipation.subscriptions.models import INBOX
from eparticipation.subscriptions.resources import MySubscriptions, SubscriptionsArea

# Every answer to a visitor's request waits until the same moment, so that its time does not tell whether the
# address already followed what it asked for (nothing is written then).
SUBSCRIBE_ANSWER_SECONDS = 0.05
FIELD_MAX = 300


def channel_labels():
    return {INBOX: _("Inbox on this site"), **{channel.value: label for channel, label in CHANNEL_LABELS.items()}}


def offered_targets(context, request) -> list[services.Target]:
    """What a page offers to follow: its agency on an agency page; on the listing, the whole site and whatever
    its filters choose (an agency, a document type)."""
    if isinstance(context, Agency):
        return [services.agency_target(context)]
    targets = [services.site_target()]
    agency_code, document_type = request.params.get("agency"), request.params.get("type")
    if agency_code:
        chosen = services.parse_target(request.dbsession, "agency", agency_code)
        if chosen is not None:
            targets.append(chosen)
    if document_type in {t.value for t in DocumentType}:
        targets.append(services.type_target(DocumentType(document_type)))
    return targets


def form_fields(dbsession, target: services.Target) -> tuple[str, str]:
    """The (kind, value) a form posts for `target`."""
    if target.kind == "agency":
        return "agency", dbsession.get(Agency, target.agency_id).code
    if target.kind == "type":
        return "type", target.document_type.value
    return "site", ""


def follow_section_data(context, request) -> dict:
    dbsession, user = request.dbsession, request.identity
    targets = offered_targets(context, request)
    following = {s.target for s in services.followed(dbsession, user)} if user is not None else set()
    agencies = {context.id: context} if isinstance(context, Agency) else {}
    for target in targets:
        if target.agency_id is not None and target.agency_id not in agencies:
            agencies[target.agency_id] = dbsession.get(Agency, target.agency_id)
    return {
        "follow_targets": [
            {"key": t.key, "fields": form_fields(dbsession, t), "following": t.key in following,
             "label": translate(request, services.target_label(t.key, agencies, request.locale_name))}
            for t in targets
        ],
        "email_offered": Channel.email in messaging_config(request.registry).channels,
        "my_subscriptions_url": request.resource_url(request.root, "me", "subscriptions", ""),
        "subscribe_url": request.resource_url(request.root, "subscriptions", ""),
    }


def safe_return(request, default: str) -> str:
    """Where a follow button's page sends the person back to: a path of this site only."""
    path = request.POST.get("return_to", "")
    if path.startswith("/") and not path.startswith("//") and "\\" not in path and len(path) <= 2000:
        return request.host_url + path
    return default


# --- the signed-in person ---------------------------------------------------------------------------------------


@view_defaults(context=MySubscriptions, permission=Permissions.SubscriptionFollow)
class MySubscriptionsViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    @property
    def here(self):
        return self.request.resource_url(self.context)

    @view_config(request_method="GET", renderer="subscriptions/mine.jinja2")
    def show(self, error=None):
        request, dbsession, user = self.request, self.request.dbsession, self.request.identity
        subscriber = services.subscriber_of(dbsession, user)
        follows = services.followed(dbsession, user)
        agencies = dbsession.scalars(sa.select(Agency).order_by(Agency.code)).all()
        by_id = {agency.id: agency for agency in agencies}
        return {
            "follows": [(s, translate(request, services.target_label(s.target, by_id, request.locale_name)))
                        for s in follows],
            "agencies": agencies,
            "document_types": list(DocumentType),
            "type_labels": DOCUMENT_TYPE_LABELS,
            "chosen": services.channels_of(dbsession, subscriber),
            "offered": services.offered_channels(request.registry, dbsession, user),
            "channel_labels": channel_labels(),
            "error": error,
        }

    def refuse(self, message, status=400):
        self.request.response.status_int = status
        result = self.show(error=message)
        return result

    def limited(self):
        try:
            ratelimits.take(self.request, "subscription")
        except ratelimits.RateLimited as limited:
            ratelimits.retry_after(self.request.response, limited.seconds)
            return self.show(error=limited.message)
        return None

    @view_config(name="follow", request_method="POST", renderer="subscriptions/mine.jinja2")
    def follow(self):
        request = self.request
        target = services.parse_target(request.dbsession, request.POST.get("kind"),
                                       request.POST.get("value", "")[:FIELD_MAX])
        if target is None:
            return self.refuse(_("Choose an agency, a type of document or the whole site to follow."))
        refused = self.limited()
        if refused is not None:
            return refused
        if services.follow(request.dbsession, request.identity, target, request.now):
            flash(request, _("You follow it now: you will be told when its consultations open, a week before they "
                             "close and when their outcome is published."), "success")
        else:
            flash(request, _("You already follow it."), "")
        return HTTPSeeOther(safe_return(request, self.here))

    @view_config(name="unfollow", request_method="POST", renderer="subscriptions/mine.jinja2")
    def unfollow(self):
        request = self.request
        target = request.POST.get("target", "")[:FIELD_MAX]
        refused = self.limited()
        if refused is not None:
            return refused
        if services.unfollow(request.dbsession, request.identity, target):
            flash(request, _("You no longer follow it."), "success")
        else:
            flash(request, _("You did not follow it."), "")
        return HTTPSeeOther(safe_return(request, self.here))

    @view_config(name="channels", request_method="POST", renderer="subscriptions/mine.jinja2")
    def channels(self):
        request = self.request
        offered = {channel for channel, _reaches in services.offered_channels(request.registry, request.dbsession,
                                                                               request.identity)}
        chosen = set(request.POST.getall("channel"))
        if not chosen <= offered:
            return self.refuse(_("Choose among the channels offered."))
        if not chosen:
            return self.refuse(_("Choose at least one channel, or stop following instead."))
        refused = self.limited()
        if refused is not None:
            return refused
        services.choose_channels(request.dbsession, request.identity, chosen, request.now)
        flash(request, _("Your channels are saved."), "success")
        return HTTPSeeOther(self.here)


# --- visitors, by e-mail alone -----------------------------------------------------------------------------------


@view_defaults(context=SubscriptionsArea, permission=Permissions.SubscriptionEmail)
class VisitorViews:
    def __init__(self, context, request):
        self.context = context
        self.request = request

    def page(self, **values):
        request = self.request
        agencies = request.dbsession.scalars(sa.select(Agency).order_by(Agency.code)).all()
        return {"agencies": agencies, "document_types": list(DocumentType), "type_labels": DOCUMENT_TYPE_LABELS,
                "email_offered": Channel.email in messaging_config(request.registry).channels,
                "email": "", "kind": "site", "value": "", "error": None, "sent": False, **values}

    @view_config(request_method="GET", renderer="subscriptions/subscribe.jinja2")
    def show(self):
        request = self.request
        return self.page(kind=request.params.get("kind", "site")[:FIELD_MAX],
                         value=request.params.get("value", "")[:FIELD_MAX])

    @view_config(request_method="POST", renderer="subscriptions/subscribe.jinja2")
    def subscribe(self):
        request = self.request
        started = time.monotonic()
        typed = request.POST.get("email", "")[:FIELD_MAX]
        kind, value = request.POST.get("kind", "")[:FIELD_MAX], request.POST.get("value", "")[:FIELD_MAX]
        values = {"email": typed, "kind": kind, "value": value}
        if Channel.email not in messaging_config(request.registry).channels:
            request.response.status_int = 400
            return self.page(**values, error=_("This site sends no e-mail: sign in to follow consultations."))
        email = normalise_email(typed)
        try:
            email_validator(colander.SchemaNode(colander.String(), name="email"), email)
        except colander.Invalid as invalid:
            request.response.status_int = 400
            messages = invalid.msg if isinstance(invalid.msg, list) else [invalid.msg]
            return self.page(**values, error=messages[0])
        target = services.parse_target(request.dbsession, kind, value)
        if target is None:
            request.response.status_int = 400
            return self.page(**values, error=_("Choose an agency, a type of document or the whole site to follow."))
        try:
            # Counted before the address is looked at, so that a refusal says nothing of it either.
            ratelimits.take_for(request, "subscription_client", LoginThrottle.for_request(request).client or "")
            ratelimits.take_for(request, "subscription_email", email)
        except ratelimits.RateLimited as limited:
            ratelimits.retry_after(request.response, limited.seconds)
            return self.page(**values, error=limited.message)
        secret = services.subscribe_address(request, email, target)
        if secret is not None:
            send_confirmation(request, email, secret)
        time.sleep(max(0.0, started + SUBSCRIBE_ANSWER_SECONDS - time.monotonic()))
        return self.page(sent=True, email=email)

    def secret(self) -> str:
        return self.request.subpath[0] if len(self.request.subpath) == 1 else ""

    @view_config(name="confirm", request_method="GET", renderer="subscriptions/confirm.jinja2")
    def confirm_page(self):
        subscription = services.waiting_confirmation(self.request, self.secret())
        if subscription is None:
            self.request.response.status_int = 404
        return {"valid": subscription is not None, "done": False}

    @view_config(name="confirm", request_method="POST", renderer="subscriptions/confirm.jinja2")
    def confirm(self):
        subscription = services.waiting_confirmation(self.request, self.secret())
        if subscription is None:
            self.request.response.status_int = 404
            return {"valid": False, "done": False}
        services.confirm(subscription, self.request.now)
        return {"valid": True, "done": True}

    @view_config(name="unsubscribe", request_method="GET", renderer="subscriptions/unsubscribe.jinja2")
    def unsubscribe_page(self):
        subscriber = services.subscriber_by_token(self.request.dbsession, self.secret())
        if subscriber is None:
            self.request.response.status_int = 404
        return {"valid": subscriber is not None, "done": False}

    # The one-click unsubscribe of RFC 8058: a mail program POSTs `List-Unsubscribe=One-Click` with no page and no
    # CSRF token; the link's secret token is what proves the message was received.
    @view_config(name="unsubscribe", request_method="POST", renderer="subscriptions/unsubscribe.jinja2",
                 require_csrf=False)
    def unsubscribe(self):
        subscriber = services.subscriber_by_token(self.request.dbsession, self.secret())
        if subscriber is None:
            self.request.response.status_int = 404
            return {"valid": False, "done": False}
        services.unsubscribe(self.request.dbsession, subscriber)
        return {"valid": True, "done": True}


def send_confirmation(request, email: str, secret: str) -> None:
    """The only message sent to an address before it is confirmed: the link that confirms it."""
    from eparticipation.messaging.services import translate_for

    hours = request.registry.settings["eparticipation.subscriptions.confirm_hours"]
    language = request.locale_name
    request.dbsession.add(OutboxMessage(
        user_id=None, channel=Channel.email, address=email,
        key=f"{services.CONFIRM_KEY}{services.token_hash(secret)[:16]}",
        subject=translate_for(request.registry, language, _("Confirm that you want to follow consultations")),
        body=translate_for(request.registry, language, _(
            "Someone, we hope you, asked to be told by e-mail about public consultations on the e-participation "
            "site. Open the link below within ${hours} hours to confirm it. If it was not you, ignore this message: "
            "nothing more will be sent to you.", mapping={"hours": int(hours)})),
        link=request.resource_url(request.root, "subscriptions", "confirm", secret),
        status=OutboxStatus.pending, attempts=0, next_attempt_at=request.now, created_at=request.now,
    ))


