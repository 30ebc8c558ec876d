"""Subscriptions (DESIGN O3): following an agency, a document type or the whole site, signed in or by e-mail alone
(double opt-in, an unsubscribe link in every message); the fan-out of a consultation's opening, its week-before
reminder and its published outcome, written by the worker once per event and person, in each person's language."""

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from pyramid.scripting import prepare

from eparticipation.consultations.models import State
from eparticipation.messaging.channels import FolderAdapter
from eparticipation.messaging.delivery import Deliverer
from eparticipation.messaging.models import Channel, InboxMessage, MessengerLink, OutboxMessage
from eparticipation.subscriptions import services
from eparticipation.subscriptions.models import (
    Subscriber,
    SubscriberChannel,
    Subscription,
    SubscriptionFanout,
    SubscriptionNotice,
)

from ..conftest import NOW
from ..factories import make_agency, make_draft, make_final_report, make_user


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def coordinator(dbsession, agency):
    return make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])


def follows(dbsession, email):
    return sorted(dbsession.scalars(
        sa.select(Subscription.target).join(Subscriber).where(
            sa.or_(Subscriber.email == email,
                   Subscriber.user_id == sa.select(sa.text("id")).select_from(sa.text("users"))
                   .where(sa.text("email = :email")).scalar_subquery())
        ).params(email=email)
    ))


def follow(app, kind, value="", status=303):
    token = app.get_csrf_token("/me/edit")
    return app.post("/me/subscriptions/follow", {"csrf_token": token, "kind": kind, "value": value}, status=status)


def run_tick_task(app, dbsession, name):
    """One of the tick's tasks, on the test's session, with a request as the tick's bootstrap makes it."""
    from eparticipation.tasks import tick_tasks

    env = prepare(registry=app.registry)
    env["request"].environ["app.dbsession"] = dbsession
    env["request"].root = env["root"]
    try:
        return dict(tick_tasks(app.registry))[name](env["request"])
    finally:
        env["closer"]()


def run_worker(dbsession, app, now=NOW):
    """The worker's task, in the test's transaction, until nothing is due; how many people it told."""
    total = 0
    while done := services.write_next_fanout(dbsession, app.registry, now):
        total += done
    return total


def open_consultation(app, dbsession, draft, start="2026-11-27", end="2026-12-31"):
    form = app.get(f"/consultations/{draft.id}/open").forms["transition"]
    form["start"], form["end"] = start, end
    form.submit("confirm", status=303)
    assert draft.state == State.consultation


def outbox(dbsession, **where):
    query = sa.select(OutboxMessage).where(OutboxMessage.key.like("subscriptions:%"))
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return dbsession.scalars(query.order_by(OutboxMessage.id)).all()


# --- following, signed in -------------------------------------------------------------------------------------


def test_a_person_follows_and_unfollows_an_agency_a_type_and_the_site(en, dbsession, agency):
    make_user(dbsession, email="citizen@example.org")
    en.login("citizen@example.org")
    page = en.get("/agencies/tax/")
    form = page.forms[next(i for i, f in page.forms.items() if f.action.endswith("/me/subscriptions/follow"))]
    assert form["kind"].value == "agency" and form["value"].value == "tax"
    back = form.submit(status=303)
    assert back.location.endswith("/agencies/tax/")  # back where the button was
    assert "Stop following: Agency" in back.follow().html.select_one("section.follow").get_text()
    follow(en, "type", "bylaw")
    follow(en, "site")
    follow(en, "site")  # twice: still one
    assert follows(dbsession, "citizen@example.org") == [f"agency:{agency.id}", "site", "type:bylaw"]

    page = en.get("/me/subscriptions/")
    assert "Every consultation on this site" in page.text and "Bylaw" in page.text
    for target in ("site", f"agency:{agency.id}"):
        en.post("/me/subscriptions/unfollow", {"csrf_token": en.get_csrf_token("/me/edit"), "target": target},
                status=303)
    assert follows(dbsession, "citizen@example.org") == ["type:bylaw"]
    assert "You follow 1 agencies" in en.get("/me/").text


def test_the_listing_offers_what_its_filters_show(en, dbsession, agency):
    make_user(dbsession, email="citizen@example.org")
    en.login("citizen@example.org")
    page = en.get("/consultations/?agency=tax&type=circular")
    section = page.html.select_one("section.follow").text
    assert "Follow: Every consultation on this site" in section
    assert "Follow: Agency" in section and "Follow: Circular" in section
    anonymous = en.__class__(en.app, extra_environ=en.extra_environ)
    anonymous.get("/?_LOCALE_=en")
    page = anonymous.get("/consultations/?type=circular")
    links = [a["href"] for a in page.html.select("section.follow a")]
    assert links == ["http://example.com/subscriptions/?kind=site&value=",
                     "http://example.com/subscriptions/?kind=type&value=circular"]
    assert "Set-Cookie" not in page.headers  # the visitor's page starts no session
    form = anonymous.get(links[1]).forms[0]
    assert (form["kind"].value, form["value"].value) == ("type", "circular")


def test_a_person_chooses_their_channels(en, dbsession, agency):
    user = make_user(dbsession, email="citizen@example.org")
    dbsession.add(MessengerLink(user_id=user.id, messenger=Channel.bale, chat_id="4242", linked_at=NOW))
    en.login("citizen@example.org")
    follow(en, "site")
    page = en.get("/me/subscriptions/")
    form = page.forms[next(i for i, f in page.forms.items() if f.action.endswith("/channels"))]
    assert [box.value for box in form.fields["channel"] if box.checked] == ["inbox", "email"]
    assert "not linked yet" in page.html.find("label", attrs={"for": "channel-eitaa"}).text
    form.fields["channel"][0].checked = False  # no inbox
    form.fields["channel"][2].checked = True  # Bale
    form.submit(status=303)
    subscriber = dbsession.scalar(sa.select(Subscriber).where(Subscriber.user_id == user.id))
    assert set(dbsession.scalars(sa.select(SubscriberChannel.channel).where(
        SubscriberChannel.subscriber_id == subscriber.id))) == {"email", "bale"}

    token = en.get_csrf_token("/me/edit")
    page = en.post("/me/subscriptions/channels", {"csrf_token": token, "channel": "carrier-pigeon"}, status=400)
    assert "Choose among the channels offered." in page.text
    page = en.post("/me/subscriptions/channels", {"csrf_token": token}, status=400)
    assert "Choose at least one channel" in page.text


def test_bad_follow_requests_are_refused_in_the_persons_language(testapp, dbsession, agency):
    make_user(dbsession, email="citizen@example.org")
    testapp.login("citizen@example.org")
    for kind, value in (("agency", "no-such-agency"), ("type", "poem"), ("", ""), ("planet", "mars"),
                        ("agency", "x" * 5000)):
        page = follow(testapp, kind, value, status=400)
        assert "Choose an agency" not in page.text and "دستگاه" in page.text  # Persian
    assert follows(dbsession, "citizen@example.org") == []
    testapp.post("/me/subscriptions/follow", {"kind": "site"}, status=400)  # no CSRF token


def test_following_is_rate_limited(en, dbsession, app, agency):
    make_user(dbsession, email="citizen@example.org")
    en.login("citizen@example.org")
    maximum = int(app.registry.settings.get("eparticipation.subscription_rate.max", 30))
    for _ in range(maximum):
        follow(en, "site")
    page = follow(en, "site", status=429)
    assert page.headers["Retry-After"] and "many times in a short time" in page.text


@pytest.mark.parametrize("method, path", [
    ("GET", "/me/subscriptions/"), ("POST", "/me/subscriptions/follow"), ("POST", "/me/subscriptions/unfollow"),
    ("POST", "/me/subscriptions/channels"),
])
def test_anonymous_visitors_have_no_subscriptions_page(testapp, method, path):
    if method == "GET":
        response = testapp.get(path, status=(302, 303, 403))
    else:
        token = testapp.get_csrf_token()
        response = testapp.post(path, {"csrf_token": token, "kind": "site"}, status=(302, 303, 403))
    assert response.status_int == 403 or "/login" in response.location


def test_a_person_cannot_unfollow_for_another(en, dbsession, agency):
    other = make_user(dbsession, email="other@example.org")
    services.follow(dbsession, other, services.site_target(), NOW)
    make_user(dbsession, email="citizen@example.org")
    en.login("citizen@example.org")
    en.post("/me/subscriptions/unfollow", {"csrf_token": en.get_csrf_token("/me/edit"), "target": "site"},
            status=303)
    assert follows(dbsession, "other@example.org") == ["site"]
    assert en.get("/me/subscriptions/").html.select("ul.follows li") == []


# --- visitors by e-mail alone ---------------------------------------------------------------------------------


def subscribe(app, email, kind="agency", value="tax", status=200):
    form = app.get("/subscriptions/").forms[0]
    form["email"] = email
    form["kind"] = kind
    form["value"] = value
    return form.submit(status=status)


def confirmation_link(dbsession, email):
    message = dbsession.scalars(sa.select(OutboxMessage).where(OutboxMessage.address == email,
                                                               OutboxMessage.key.like("subscription-confirm:%"))
                                .order_by(OutboxMessage.id.desc())).first()
    return message


def test_a_visitor_follows_by_email_once_they_confirm_and_stops_with_the_link(en, dbsession, app, agency,
                                                                                 coordinator, tmp_path):
    page = subscribe(en, " Visitor@Example.org ")
    assert "Check your mailbox" in page.text
    message = confirmation_link(dbsession, "visitor@example.org")
    assert message.user_id is None and message.subject == "Confirm that you want to follow consultations"
    assert message.link.startswith("http://example.com/subscriptions/confirm/")
    # Nothing is sent before confirmation: a consultation opening now tells nobody.
    draft = make_draft(dbsession, agency)
    en.login("coordinator@example.org")
    open_consultation(en, dbsession, draft)
    assert run_worker(dbsession, app) == 1 and outbox(dbsession) == []
    en.logout()

    path = message.link.removeprefix("http://example.com")
    page = en.get(path)  # a link scanner's GET confirms nothing
    assert dbsession.scalar(sa.select(Subscription.confirmed_at)) is None
    page = page.forms[0].submit()
    assert "Confirmed" in page.text
    en.get(path, status=404)  # used
    other = make_draft(dbsession, agency)
    en.login("coordinator@example.org")
    open_consultation(en, dbsession, other)
    run_worker(dbsession, app)
    [told] = outbox(dbsession)
    assert (told.user_id, told.address, told.channel) == (None, "visitor@example.org", Channel.email)
    assert told.subject == "New consultation: Draft test bylaw"
    unsubscribe = told.body.rsplit("\n", 1)[-1]
    assert unsubscribe.startswith("http://example.com/subscriptions/unsubscribe/") and told.unsubscribe == unsubscribe

    # The e-mail carries the one-click headers.
    adapter = FolderAdapter(Channel.email, {"folder": str(tmp_path)})
    Deliverer(app.registry, session_factory=lambda: dbsession, adapters={Channel.email: adapter})
    adapter.send(told.address, told.subject, told.body, told.link, told.reference, unsubscribe=told.unsubscribe)
    mail = message_from_bytes(next(tmp_path.glob("*.eml")).read_bytes(), policy=policy.default)
    assert mail["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The mail program's one-click POST, without a CSRF token.
    en.post(unsubscribe.removeprefix("http://example.com"), {"List-Unsubscribe": "One-Click"}, status=200)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 0
    en.get(unsubscribe.removeprefix("http://example.com"), status=404)


def test_a_visitors_answer_is_the_same_whoever_the_address_is(en, dbsession, agency):
    make_user(dbsession, email="member@example.org")
    first = subscribe(en, "member@example.org")
    confirm = confirmation_link(dbsession, "member@example.org")
    en.post(confirm.link.removeprefix("http://example.com"), {"csrf_token": en.get_csrf_token()})
    again = subscribe(en, "member@example.org")  # already follows: nothing sent
    fresh = subscribe(en, "nobody@example.org")
    texts = [page.html.select_one("[role=status]").text.replace(address, "")
             for page, address in ((first, "member@example.org"), (again, "member@example.org"),
                                   (fresh, "nobody@example.org"))]
    assert texts[0] == texts[1] == texts[2]
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.address == "member@example.org")) == 1


def test_a_visitors_bad_input_is_answered_and_kept(testapp, dbsession, agency):
    page = subscribe(testapp, "not an address", status=400)
    assert page.forms[0]["email"].value == "not an address"
    assert "Enter a valid e-mail address." not in page.text  # in Persian
    token = testapp.get_csrf_token()
    page = testapp.post("/subscriptions/", {"csrf_token": token, "email": "someone@example.org", "kind": "agency",
                                            "value": "nowhere"}, status=400)
    assert page.forms[0]["email"].value == "someone@example.org"
    testapp.post("/subscriptions/", {"csrf_token": token, "email": ["a@example.org", "b@example.org"],
                                     "kind": "site"}, status=200)
    testapp.post("/subscriptions/", {"email": "c@example.org", "kind": "site"}, status=400)  # no CSRF token
    testapp.get("/subscriptions/confirm/not-a-secret", status=404)
    testapp.get("/subscriptions/confirm/", status=404)
    testapp.get("/subscriptions/unsubscribe/" + "x" * 500, status=404)
    testapp.post("/subscriptions/unsubscribe/nothing", status=404)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Subscription).where(
        Subscription.confirmed_at.is_not(None))) == 0


def test_confirmation_links_per_address_are_rate_limited_and_expire(en, dbsession, clock, agency):
    for _ in range(3):
        subscribe(en, "visitor@example.org")
    page = subscribe(en, "visitor@example.org", status=429)
    assert page.headers["Retry-After"] and "Many confirmation links" in page.text
    message = confirmation_link(dbsession, "visitor@example.org")
    subscribe(en, "patient@example.org", value="bylaw", kind="type")
    confirmed = confirmation_link(dbsession, "patient@example.org")
    en.post(confirmed.link.removeprefix("http://example.com"), {"csrf_token": en.get_csrf_token()})
    clock.advance(hours=49)
    en.get(message.link.removeprefix("http://example.com"), status=404)
    # The tick forgets the address that never confirmed, and keeps the one that did.
    assert run_tick_task(en.app, dbsession, "subscription-cleanup").startswith(
        "Deleted 1 unconfirmed subscription(s) whose link ran out and 1 address(es)")
    assert dbsession.scalars(sa.select(Subscriber.email)).all() == ["patient@example.org"]


# --- the fan-out ----------------------------------------------------------------------------------------------


def test_the_opening_is_told_once_per_person_in_their_language_however_often_the_worker_runs(
        testapp, dbsession, app, agency, coordinator):
    fa = make_user(dbsession, email="fa@example.org", locale="fa")
    en_ = make_user(dbsession, email="en@example.org", locale="en")
    bale = make_user(dbsession, email="bale@example.org", locale="en")
    closed = make_user(dbsession, email="closed@example.org")
    unrelated = make_user(dbsession, email="unrelated@example.org")
    dbsession.add(MessengerLink(user_id=bale.id, messenger=Channel.bale, chat_id="777", linked_at=NOW))
    for person in (fa, en_, closed):
        services.follow(dbsession, person, services.agency_target(agency), NOW)
    services.follow(dbsession, fa, services.site_target(), NOW)  # two ways: told once
    services.follow(dbsession, bale, services.type_target(make_draft(dbsession, agency).document_type), NOW)
    services.choose_channels(dbsession, bale, {"bale", "inbox"}, NOW)
    services.follow(dbsession, unrelated, services.type_target(services.DocumentType.circular), NOW)
    closed.is_active = False
    # The same address also follows by e-mail alone: still one e-mail.
    dbsession.add(Subscriber(email="en@example.org", locale="fa", unsubscribe_token="visitor-en", created_at=NOW))
    dbsession.flush()
    dbsession.add(Subscription(subscriber_id=dbsession.scalar(sa.select(Subscriber.id).where(
        Subscriber.email == "en@example.org")), target="site", created_at=NOW, confirmed_at=NOW))
    dbsession.flush()

    draft = make_draft(dbsession, agency, title_fa="آیین‌نامه مالیات", title_en="Tax bylaw")
    testapp.login("coordinator@example.org")
    open_consultation(testapp, dbsession, draft)
    # The request only recorded the fan-out.
    assert outbox(dbsession) == [] and dbsession.scalar(sa.select(sa.func.count()).select_from(SubscriptionFanout)) == 1

    # fa, en (and their address's visitor row), bale, closed (told nothing outside the site, no inbox).
    assert run_worker(dbsession, app) == 5
    assert run_worker(dbsession, app) == 0
    fanout = dbsession.scalar(sa.select(SubscriptionFanout))
    fanout.done_at = None  # as if a second worker had claimed it too
    dbsession.flush()
    run_worker(dbsession, app)

    mail = {m.address: m for m in outbox(dbsession, channel=Channel.email)}
    assert sorted(m.address for m in outbox(dbsession, channel=Channel.email)) == ["en@example.org", "fa@example.org"]
    assert mail["en@example.org"].user_id == en_.id
    assert mail["en@example.org"].subject == "New consultation: Tax bylaw"
    assert "Agency" in mail["en@example.org"].body and "until 31 December 2026" in mail["en@example.org"].body
    assert mail["fa@example.org"].subject == "نظرخواهی تازه: آیین‌نامه مالیات"
    assert "۱۴۰۵" in mail["fa@example.org"].body  # the Jalali year, in Persian digits
    [chat] = outbox(dbsession, channel=Channel.bale)
    assert (chat.user_id, chat.address, chat.subject) == (bale.id, "777", "New consultation: Tax bylaw")
    inbox = dbsession.scalars(sa.select(InboxMessage.user_id).where(InboxMessage.key.like("subscriptions:%")))
    assert sorted(inbox) == sorted([fa.id, en_.id, bale.id])
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(SubscriptionNotice)) == 5
    # Every message ends with the person's own unsubscribe link, which works without signing in.
    token = dbsession.scalar(sa.select(Subscriber.unsubscribe_token).where(Subscriber.user_id == fa.id))
    assert mail["fa@example.org"].body.endswith(f"/subscriptions/unsubscribe/{token}")
    testapp.logout()
    testapp.post(f"/subscriptions/unsubscribe/{token}", {"csrf_token": testapp.get_csrf_token()}, status=200)
    assert follows(dbsession, "fa@example.org") == []


def test_a_consultation_opening_later_is_told_on_its_first_day(testapp, dbsession, app, agency, coordinator,
                                                                clock):
    person = make_user(dbsession, email="person@example.org")
    services.follow(dbsession, person, services.site_target(), NOW)
    draft = make_draft(dbsession, agency)
    testapp.login("coordinator@example.org")
    open_consultation(testapp, dbsession, draft, start="2026-12-05", end="2027-01-10")
    assert run_worker(dbsession, app, clock.now()) == 0
    assert run_worker(dbsession, app, draft.opens_at) == 1
    assert [m.address for m in outbox(dbsession)] == ["person@example.org"]


def test_the_tick_reminds_seven_days_before_the_end_once(testapp, dbsession, app, agency, clock):
    person = make_user(dbsession, email="person@example.org", locale="en")
    services.follow(dbsession, person, services.agency_target(agency), NOW)
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=1),
                       closes_at=NOW + timedelta(days=20))

    def tick():
        return run_tick_task(app, dbsession, "subscription-reminders")

    assert tick().startswith("Reminded the followers of 0 consultation(s)")
    clock.advance(days=13, hours=1)  # less than seven days left
    assert tick().startswith("Reminded the followers of 1 consultation(s)")
    tick()
    run_worker(dbsession, app, clock.now())
    clock.advance(hours=2)
    tick()
    run_worker(dbsession, app, clock.now())
    [message] = outbox(dbsession)
    assert message.subject == "A week left to take part: Draft test bylaw"
    assert "seven days left" in message.body


def test_the_published_outcome_is_told(testapp, dbsession, app, agency, coordinator):
    person = make_user(dbsession, email="person@example.org", locale="en")
    services.follow(dbsession, person, services.type_target(services.DocumentType.bylaw), NOW)
    draft = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                       closes_at=NOW - timedelta(days=5))
    make_final_report(dbsession, draft)
    testapp.login("coordinator@example.org")
    testapp.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    assert draft.state == State.published
    run_worker(dbsession, app)
    [message] = outbox(dbsession)
    assert message.subject == "Outcome published: Draft test bylaw"
    assert message.link == f"http://example.com/consultations/{draft.id}/"


def test_a_withdrawn_consultation_is_not_told_as_opening(testapp, dbsession, app, agency, coordinator):
    person = make_user(dbsession, email="person@example.org")
    services.follow(dbsession, person, services.site_target(), NOW)
    draft = make_draft(dbsession, agency)
    testapp.login("coordinator@example.org")
    open_consultation(testapp, dbsession, draft, start="2026-12-05", end="2027-01-10")
    draft.state = State.closed
    dbsession.flush()
    assert run_worker(dbsession, app, draft.opens_at) == 1
    assert outbox(dbsession) == []


# --- personal data ------------------------------------------------------------------------------------------


def test_the_subscriptions_are_in_the_export_and_go_with_the_account(en, dbsession, agency):
    user = make_user(dbsession, email="citizen@example.org")
    services.follow(dbsession, user, services.agency_target(agency), NOW)
    en.login("citizen@example.org")
    data = en.get("/me/export").json
    assert data["subscriptions"]["follows"][0]["target"] == f"agency:{agency.id}"
    assert data["subscriptions"]["channels"] == ["email", "inbox"]

    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.logout()
    en.login("admin@example.org")
    page = en.get(f"/admin/users/{user.id}")
    page.forms[next(i for i, f in page.forms.items() if f.action.endswith("/access"))].submit("access", status=303)
    assert not user.is_active
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 0


# --- the coordinator's request and the outbox's administrators -----------------------------------------------


def test_opening_costs_the_coordinators_request_the_same_whatever_the_number_of_followers(
        testapp, dbsession, app, agency, coordinator, query_counter):
    counts = []
    for followers in (0, 60):
        for n in range(followers):
            services.follow(dbsession, make_user(dbsession), services.site_target(), NOW)
        draft = make_draft(dbsession, agency)
        testapp.reset()
        testapp.login("coordinator@example.org")
        form = testapp.get(f"/consultations/{draft.id}/open").forms["transition"]
        form["start"], form["end"] = "2026-11-27", "2026-12-31"
        with query_counter() as counted:
            form.submit("confirm", status=303)
        counts.append(counted.count)
        assert not any("INSERT INTO inbox_messages" in s or "INSERT INTO outbox_messages" in s
                       for s in counted.statements)
    assert counts[0] == counts[1]


def test_the_outbox_page_shows_and_resends_a_visitors_dead_letter(en, dbsession, agency):
    message = OutboxMessage(user_id=None, channel=Channel.email, address="visitor@example.org",
                            key="subscriptions:opened:1", subject="New consultation: a bylaw", body="b",
                            link="https://example.com/", unsubscribe="https://example.com/subscriptions/unsubscribe/t",
                            status="dead", attempts=4, next_attempt_at=NOW, created_at=NOW, last_error="refused")
    dbsession.add(message)
    dbsession.flush()
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    page = en.get("/admin/outbox")
    assert "visitor@example.org" in page.text and "New consultation: a bylaw" in page.text
    en.post("/admin/outbox", {"csrf_token": en.get_csrf_token("/me/edit"), "retry": str(message.id)}, status=303)
    dbsession.refresh(message)
    assert message.status == "pending" and message.attempts == 0
