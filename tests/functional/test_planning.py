"""The forward plan and notice of intent: an agency's staff write, publish, edit and withdraw entries; everyone
reads them by Jalali year, quarter and type; signed-in people comment on an entry's intent and follow it, and are
told once when the draft written from it opens; the draft page says it was announced in advance."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from pyramid.scripting import prepare

from eparticipation.audit.models import AuditEntry
from eparticipation.consultations.models import Draft, DocumentType, State
from eparticipation.messaging.models import InboxMessage, OutboxMessage
from eparticipation.planning import services
from eparticipation.planning.models import PlanComment, PlanEntry, PlanFollow, PlanState

from ..conftest import NOW
from ..factories import make_agency, make_draft, make_user


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def editor(dbsession, agency):
    return make_user(dbsession, email="editor@example.org", grants=[("editor", agency)])


@pytest.fixture
def coordinator(dbsession, agency):
    return make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])


@pytest.fixture
def citizen(dbsession):
    return make_user(dbsession, email="citizen@example.org", display_name="Sara", locale="en")


def make_entry(dbsession, agency, state=PlanState.published, year=1405, quarter=4, title_fa="آیین‌نامه مالیات سبز",
               title_en="Green tax bylaw", document_type=DocumentType.bylaw, published_at=None, **fields):
    entry = PlanEntry(agency_id=agency.id, year=year, quarter=quarter, title_fa=title_fa, title_en=title_en,
                      document_type=document_type, reason="برای کاهش آلودگی هوا در شهرها", state=state,
                      published_at=published_at or (NOW - timedelta(days=60) if state != PlanState.draft else None),
                      created_at=NOW, updated_at=NOW, **fields)
    if state == PlanState.withdrawn:
        entry.withdrawn_at, entry.withdrawal_reason = NOW, "دیگر لازم نیست"
    dbsession.add(entry)
    dbsession.flush()
    return entry


def entry_form(page):
    return page.forms["plan-entry"]


def audit_actions(dbsession):
    return [a for a in dbsession.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.seq)) if a.startswith("plan")]


# --- the agency's staff write and publish ---------------------------------------------------------------------


def test_an_editor_writes_publishes_edits_and_withdraws_an_entry(en, dbsession, agency, editor):
    en.login("editor@example.org")
    page = en.get("/agencies/tax/plan/")
    form = entry_form(page.click("New entry in the forward plan"))
    form["title_fa"], form["title_en"] = "لایحه مالیات بر عایدی", "Capital gains tax bill"
    form["document_type"], form["year"], form["quarter"] = "bill", "۱۴۰۶", "2"
    form["drafting_unit_id"] = str(agency.units[0].id)
    form["reason"] = "To tax speculation rather than work."
    page = form.submit("add", status=303).follow()
    entry = dbsession.scalar(sa.select(PlanEntry))
    assert (entry.year, entry.quarter, entry.state, entry.document_type) == (1406, 2, PlanState.draft, DocumentType.bill)
    assert entry.created_by_id == editor.id and "Not yet published" in page.text
    # Not announced yet: the public does not see it.
    en.logout()
    en.get(f"/agencies/tax/plan/{entry.id}/", status=404)
    assert "Capital gains" not in en.get("/agencies/tax/plan/?year=1406").text

    en.login("editor@example.org")
    page = en.get(f"/agencies/tax/plan/{entry.id}/publish").forms["plan-publish"].submit("publish", status=303).follow()
    assert "The entry is published in the forward plan." in page.text and entry.published_at == NOW
    form = entry_form(en.get(f"/agencies/tax/plan/{entry.id}/edit"))
    form["quarter"] = "3"
    form.submit("save", status=303)
    assert entry.quarter == 3
    form = en.get(f"/agencies/tax/plan/{entry.id}/withdraw").forms["plan-withdraw"]
    form["reason"] = "The law changed first."
    page = form.submit("withdraw", status=303).follow()
    assert entry.state == PlanState.withdrawn and "The law changed first." in page.text
    assert audit_actions(dbsession) == ["plan.create", "plan.publish", "plan.edit", "plan.withdraw"]
    # A withdrawn entry is no longer edited.
    en.get(f"/agencies/tax/plan/{entry.id}/edit", status=403)


def test_a_coordinator_publishes_too_and_a_missing_title_keeps_it_unpublished(en, dbsession, agency, coordinator):
    entry = make_entry(dbsession, agency, state=PlanState.draft, title_en="")
    en.login("coordinator@example.org")
    page = en.get(f"/agencies/tax/plan/{entry.id}/publish")
    assert "The title in English is missing." in page.text
    page = page.forms["plan-publish"].submit("publish", status=400)
    assert entry.state == PlanState.draft and "The title in English is missing." in page.text
    entry.title_en = "Green tax bylaw"
    en.get(f"/agencies/tax/plan/{entry.id}/publish").forms["plan-publish"].submit("publish", status=303)
    assert entry.state == PlanState.published


def test_bad_input_is_refused_in_persian_with_what_was_typed(testapp, dbsession, agency, editor):
    testapp.login("editor@example.org")
    form = entry_form(testapp.get("/agencies/tax/plan/add"))
    form["title_fa"], form["title_en"] = "", ""
    form["year"], form["reason"] = "۱۳۹۰", "دلیل کوتاه ولی کافی"
    page = form.submit("add", status=400)
    assert "سال شمسی از ۱۴۰۰ تا ۱۴۹۹ بنویسید." in page.text
    assert entry_form(page)["reason"].value == "دلیل کوتاه ولی کافی"
    form = entry_form(page)
    form["year"] = "۱۴۰۶"
    page = form.submit("add", status=400)
    assert "عنوان را به فارسی، به انگلیسی یا به هر دو بنویسید." in page.text
    form = entry_form(page)
    form["title_fa"], form["year"] = "عنوان", "سال"
    page = form.submit("add", status=400)
    assert "سال شمسی بنویسید" in page.text and entry_form(page)["title_fa"].value == "عنوان"
    assert entry_form(page)["year"].value == "سال"
    assert dbsession.scalar(sa.select(sa.func.count(PlanEntry.id))) == 0


# --- the public lists -----------------------------------------------------------------------------------------


def test_the_agency_plan_lists_a_year_by_quarter_and_type_in_both_languages(testapp, dbsession, agency):
    make_entry(dbsession, agency, year=1405, quarter=4, title_en="Green tax bylaw")
    make_entry(dbsession, agency, year=1406, quarter=1, title_fa="بخشنامه گمرکی", title_en="Customs circular",
               document_type=DocumentType.circular)
    make_entry(dbsession, agency, year=1406, quarter=2, title_fa="دستورالعمل", title_en="Refunds directive",
               document_type=DocumentType.directive)
    make_entry(dbsession, agency, state=PlanState.draft, year=1406, quarter=1, title_en="Unannounced")
    make_entry(dbsession, make_agency(dbsession), year=1406, quarter=1, title_en="Another agency's")
    page = testapp.get("/agencies/tax/plan/?year=1406&_LOCALE_=en")
    titles = [a.text for a in page.html.select(".plan-entries .card-title a")]
    assert titles == ["Customs circular", "Refunds directive"]
    assert "Quarter 1 of 1406" in page.text
    assert [a.text for a in testapp.get("/agencies/tax/plan/?year=1406&quarter=2&_LOCALE_=fa").html.select(
        ".plan-entries .card-title a")] == ["دستورالعمل"]
    page = testapp.get("/agencies/tax/plan/?year=1406&type=circular&_LOCALE_=fa")
    assert [a.text for a in page.html.select(".plan-entries .card-title a")] == ["بخشنامه گمرکی"]
    assert "سه‌ماهه ۱ سال ۱۴۰۶" in page.text
    # The default year is the current Jalali one (NOW is in Azar 1405); a nonsense filter shows it too.
    assert "آیین‌نامه مالیات سبز" in testapp.get("/agencies/tax/plan/?year=abc&quarter=9").text


def test_the_site_plan_shows_every_agencys_coming_four_quarters(en, dbsession, agency):
    make_entry(dbsession, agency, year=1405, quarter=3, title_en="This quarter")
    make_entry(dbsession, make_agency(dbsession), year=1406, quarter=2, title_en="Next summer")
    make_entry(dbsession, agency, year=1406, quarter=3, title_en="Too far ahead")
    make_entry(dbsession, agency, year=1405, quarter=2, title_en="Past")
    page = en.get("/plan/")
    titles = [a.text for a in page.html.select(".plan-entries .card-title a")]
    assert titles == ["This quarter", "Next summer"]
    assert [h.text for h in page.html.select(".plan-quarter h2")] == [
        "Quarter 3 of 1405", "Quarter 4 of 1405", "Quarter 1 of 1406", "Quarter 2 of 1406"]
    assert "Forward plan" in en.get("/agencies/tax/").text


def statements_for(testapp, query_counter, path):
    testapp.app_dbsession.expire_all()
    with query_counter() as counted:
        testapp.get(path)
    return counted.count


@pytest.mark.parametrize("path", ["/plan/", "/agencies/tax/plan/?year=1405"])
def test_the_plan_lists_send_a_bounded_number_of_statements(testapp, dbsession, query_counter, agency, path):
    draft = make_draft(dbsession, agency)
    make_entry(dbsession, agency, draft_id=draft.id, drafting_unit_id=agency.units[0].id)
    few = statements_for(testapp, query_counter, path)
    for number in range(15):
        other = make_agency(dbsession)
        linked = make_draft(dbsession, agency)
        make_entry(dbsession, agency if number % 2 else other, draft_id=linked.id,
                   drafting_unit_id=(agency if number % 2 else other).units[0].id)
    assert statements_for(testapp, query_counter, path) <= few


# --- refusals -------------------------------------------------------------------------------------------------


def test_who_may_not_write_the_plan_is_refused(en, dbsession, agency, citizen):
    entry = make_entry(dbsession, agency)
    unpublished = make_entry(dbsession, agency, state=PlanState.draft)
    other = make_agency(dbsession, code="customs")
    make_user(dbsession, email="other@example.org", grants=[("editor", other)])
    views = ["/agencies/tax/plan/add", f"/agencies/tax/plan/{entry.id}/edit", f"/agencies/tax/plan/{entry.id}/withdraw",
             f"/agencies/tax/plan/{entry.id}/publish", f"/agencies/tax/plan/{entry.id}/hide?comment=1",
             f"/agencies/tax/new-draft?plan={entry.id}"]
    for email in (None, "citizen@example.org", "other@example.org"):
        if email:
            en.login(email)
        for path in views:
            en.get(path, status=403)
        # An entry not yet published does not exist for them.
        en.get(f"/agencies/tax/plan/{unpublished.id}/", status=404)
        en.get(f"/agencies/tax/plan/{unpublished.id}/publish", status=404)
        token = en.get_csrf_token("/me/edit") if email else ""
        en.post(f"/agencies/tax/plan/{entry.id}/withdraw", {"csrf_token": token, "reason": "no reason at all"},
                status=403)
        if email:
            en.logout()
    en.post(f"/agencies/tax/plan/{entry.id}/follow", {}, status=403)
    en.post(f"/agencies/tax/plan/{entry.id}/comment", {"body": "A comment long enough."}, status=403)
    assert entry.state == PlanState.published and unpublished.state == PlanState.draft
    # A CSRF token is needed to follow.
    en.login("citizen@example.org")
    en.post(f"/agencies/tax/plan/{entry.id}/follow", {}, status=400)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(PlanFollow)) == 0


# --- notice of intent: comments -------------------------------------------------------------------------------


def test_a_citizen_comments_and_the_agency_hides_it_with_a_reason(en, dbsession, agency, editor, citizen):
    entry = make_entry(dbsession, agency)
    en.login("citizen@example.org")
    form = en.get(f"/agencies/tax/plan/{entry.id}/").forms["plan-comment"]
    form["body"] = "Please consult the small firms first."
    page = form.submit("send", status=303).follow()
    comment = dbsession.scalar(sa.select(PlanComment))
    assert "Please consult the small firms first." in page.html.select_one(f"#plan-comment-{comment.id}").text
    form = page.forms["plan-comment"]
    form["body"] = "short"
    page = form.submit("send", status=400)
    assert "Enter at least 10 characters." in page.text and page.forms["plan-comment"]["body"].value == "short"
    en.logout()

    en.login("editor@example.org")
    page = en.get(f"/agencies/tax/plan/{entry.id}/")
    assert "plan-comment" not in page.forms and "Staff of this agency do not comment" in page.text
    form = page.click("Hide the comment").forms["plan-hide"]
    form["reason"] = "It names a private person."
    page = form.submit("hide", status=303).follow()
    assert "This comment was hidden by the agency: It names a private person." in page.text
    assert comment.hidden_by_id == editor.id and "Please consult" not in page.text
    assert audit_actions(dbsession) == ["plan.comment.hide"]


def test_comments_are_rate_limited_and_keep_the_text(en, dbsession, agency, citizen, app):
    entry = make_entry(dbsession, agency)
    app.registry.settings["eparticipation.plan_comment_rate.max"] = 1
    try:
        en.login("citizen@example.org")
        for number, status in ((1, 303), (2, 429)):
            form = en.get(f"/agencies/tax/plan/{entry.id}/").forms["plan-comment"]
            form["body"] = f"Comment number {number} on this intent."
            page = form.submit("send", status=status)
        assert page.headers["Retry-After"] and "many comments on the forward plan" in page.text
        assert page.forms["plan-comment"]["body"].value == "Comment number 2 on this intent."
    finally:
        del app.registry.settings["eparticipation.plan_comment_rate.max"]
    assert dbsession.scalar(sa.select(sa.func.count(PlanComment.id))) == 1


def test_an_unverified_person_cannot_comment_and_a_draft_entry_takes_no_comment(en, dbsession, agency):
    entry = make_entry(dbsession, agency)
    make_user(dbsession, email="new@example.org", verified=False)
    en.login("new@example.org")
    assert "plan-comment" not in en.get(f"/agencies/tax/plan/{entry.id}/").forms
    token = en.get_csrf_token("/me/edit")
    en.post(f"/agencies/tax/plan/{entry.id}/comment", {"csrf_token": token, "body": "A comment long enough."},
            status=403)


# --- following, linking, and being told ------------------------------------------------------------------------


def run_tick(app, dbsession):
    env = prepare(registry=app.registry)
    env["request"].environ["app.dbsession"] = dbsession
    env["request"].root = env["root"]
    try:
        return services.tell_due_followers(env["request"])
    finally:
        env["closer"]()


def test_a_follower_is_told_once_when_the_draft_written_from_the_entry_opens(en, dbsession, agency, editor,
                                                                           coordinator, citizen, app):
    entry = make_entry(dbsession, agency, drafting_unit_id=agency.units[0].id, published_at=NOW - timedelta(days=90))
    en.login("citizen@example.org")
    page = en.get(f"/agencies/tax/plan/{entry.id}/")
    page = page.forms[next(k for k, f in page.forms.items() if f.action.endswith("/follow"))].submit(status=303)
    assert "You follow this entry" in page.follow().text
    assert services.follows(dbsession, entry, citizen)
    en.logout()

    # The editor writes the draft from the entry: the form comes filled in, and the draft is linked.
    en.login("editor@example.org")
    page = en.get(f"/agencies/tax/plan/{entry.id}/").click("Create the draft from this entry")
    form = page.forms["draft"]
    assert [form.get("title", index=i).value for i in (0, 1)] == ["آیین‌نامه مالیات سبز", "Green tax bylaw"]
    assert form["document_type"].value == "bylaw"
    assert form["drafting_unit_id"].value == str(agency.units[0].id) and "From the forward plan" in page.text
    for index in (0, 1):  # the fa and en texts have fields of the same names
        form.set("summary", "خلاصه", index=index)
        form.set("call", "فراخوان", index=index)
    page = form.submit("add", status=303).follow()
    draft = dbsession.scalar(sa.select(Draft))
    assert entry.draft_id == draft.id
    assert "Announced in the forward plan on" in page.html.select_one(".forward-plan").text
    # One draft per entry: the entry offers no second one, and the address refuses it.
    assert "Create the draft from this entry" not in en.get(f"/agencies/tax/plan/{entry.id}/").text
    en.get(f"/agencies/tax/new-draft?plan={entry.id}", status=404)
    en.logout()

    draft.articles.append(__import__("eparticipation.consultations.models", fromlist=["Article"]).Article(
        number="1", position=1, heading="", text="متن", notes=[]))
    dbsession.flush()
    en.login("coordinator@example.org")
    form = en.get(f"/consultations/{draft.id}/open").forms["transition"]
    form["start"], form["end"] = "2026-11-27", "2026-12-31"
    form.submit("confirm", status=303)
    assert draft.state == State.consultation
    inbox = dbsession.scalars(sa.select(InboxMessage).where(InboxMessage.user_id == citizen.id)).all()
    assert [m.subject for m in inbox] == ["The consultation you followed is open: Green tax bylaw"]
    assert inbox[0].link.endswith(f"/consultations/{draft.id}/")
    assert dbsession.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.user_id == citizen.id, OutboxMessage.key == f"planning:opened:{entry.id}")) == 1
    # The tick tells no one twice.
    run_tick(app, dbsession)
    assert dbsession.scalar(sa.select(sa.func.count(InboxMessage.id)).where(InboxMessage.user_id == citizen.id)) == 1
    assert services.announced_in_advance(dbsession, [draft.id]) == {draft.id}
    page = en.get(f"/agencies/tax/plan/{entry.id}/")
    assert page.html.select_one(".plan-draft-link a")["href"].endswith(f"/consultations/{draft.id}/")


def test_a_draft_opened_ahead_tells_the_followers_on_its_first_day(dbsession, agency, citizen, app):
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(hours=1))
    entry = make_entry(dbsession, agency, draft_id=draft.id)
    dbsession.add(PlanFollow(entry_id=entry.id, user_id=citizen.id, created_at=NOW))
    dbsession.flush()
    run_tick(app, dbsession)
    run_tick(app, dbsession)
    assert dbsession.scalar(sa.select(sa.func.count(InboxMessage.id)).where(InboxMessage.user_id == citizen.id)) == 1
    assert entry.followers_told_at is not None


def test_an_entry_of_another_agency_or_unpublished_cannot_be_linked(en, dbsession, agency, editor):
    other = make_entry(dbsession, make_agency(dbsession))
    unpublished = make_entry(dbsession, agency, state=PlanState.draft)
    en.login("editor@example.org")
    for entry in (other, unpublished):
        en.get(f"/agencies/tax/new-draft?plan={entry.id}", status=404)
    en.get("/agencies/tax/new-draft?plan=x", status=404)


def test_announced_in_advance_counts_only_entries_published_before_the_opening(dbsession, agency):
    early = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=1))
    late = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=1))
    unlinked = make_draft(dbsession, agency, state="consultation")
    unopened = make_draft(dbsession, agency)
    make_entry(dbsession, agency, draft_id=early.id, published_at=NOW - timedelta(days=30))
    make_entry(dbsession, agency, draft_id=late.id, published_at=NOW)
    make_entry(dbsession, agency, draft_id=unopened.id)
    ids = [early.id, late.id, unlinked.id, unopened.id]
    assert services.announced_in_advance(dbsession, ids) == {early.id}
    assert services.announced_in_advance(dbsession, []) == set()


def test_the_database_keeps_one_draft_per_entry_and_the_rules(dbsession, agency):
    draft = make_draft(dbsession, agency)
    make_entry(dbsession, agency, draft_id=draft.id)
    for fields in ({"draft_id": draft.id}, {"quarter": 5}, {"title_fa": "", "title_en": ""}, {"year": 2027}):
        with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
            make_entry(dbsession, agency, **fields)


# --- personal data --------------------------------------------------------------------------------------------


def test_comments_and_follows_are_in_the_export_and_a_closed_account_follows_nothing(en, dbsession, agency, citizen):
    entry = make_entry(dbsession, agency)
    dbsession.add_all([PlanFollow(entry_id=entry.id, user_id=citizen.id, created_at=NOW),
                       PlanComment(entry_id=entry.id, author_id=citizen.id, body="My view of this plan.",
                                   created_at=NOW)])
    dbsession.flush()
    en.login("citizen@example.org")
    data = en.get("/me/export").json
    assert data["plan_comments"][0]["body"] == "My view of this plan."
    assert data["plan_follows"] == [{"plan_entry": entry.id, "since": NOW.isoformat()}]
    en.logout()
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    en.login("admin@example.org")
    token = en.get_csrf_token("/me/edit")
    en.post(f"/admin/users/{citizen.id}/access", {"csrf_token": token, "access": "close"}, status=303)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(PlanFollow)) == 0
    page = en.get(f"/agencies/tax/plan/{entry.id}/")
    assert "My view of this plan." in page.text and "A closed account" in page.text and "Sara" not in page.text


# --- the demo -------------------------------------------------------------------------------------------------


def test_the_demo_plan_announces_entries_per_agency_and_links_the_certificates_bylaw(testapp, dbsession, app):
    from eparticipation.scripts.demo import CERTIFICATES_BYLAW, ensure_agencies, ensure_plan, load_demo

    load_demo(dbsession)  # agencies and people only
    agencies = ensure_agencies(dbsession)
    draft = make_draft(dbsession, agencies["tax"], state="consultation", opens_at=NOW - timedelta(days=3),
                       title_fa=CERTIFICATES_BYLAW.fa[0])
    assert ensure_plan(dbsession, app.registry, agencies) == 7
    assert ensure_plan(dbsession, app.registry, agencies) == 0  # loaded again: nothing more
    entries = dbsession.scalars(sa.select(PlanEntry)).all()
    assert {e.agency.code for e in entries if e.state == PlanState.published} == {"tax", "mefa", "customs"}
    assert all(e.title_fa and e.title_en for e in entries)
    assert services.announced_in_advance(dbsession, [draft.id]) == {draft.id}
    assert "Announced in the forward plan on" in testapp.get(f"/consultations/{draft.id}/?_LOCALE_=en").text
    assert len(testapp.get("/plan/").html.select(".plan-entries .plan-entry")) == 6
