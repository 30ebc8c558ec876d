"""Drafts and their workflow (DESIGN §4): writing, opening with its guards, extending, withdrawing,
closing by the clock, the final text, publishing and the comparison, the history, and who may do what."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from eparticipation.consultations.models import Draft, State, WorkflowEvent

from ..conftest import NOW
from ..factories import make_agency, make_draft, make_final_report, make_user

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def people(dbsession, agency):
    other = make_agency(dbsession, code="customs")
    return {
        "editor": make_user(dbsession, email="editor@example.org", display_name="Editor", grants=[("editor", agency)]),
        "coordinator": make_user(dbsession, email="coordinator@example.org", display_name="Coordinator",
                                 grants=[("coordinator", agency)]),
        "other_editor": make_user(dbsession, email="other.editor@example.org", grants=[("editor", other)]),
        "other_coordinator": make_user(dbsession, email="other.coordinator@example.org",
                                       grants=[("coordinator", other)]),
        "auditor": make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)]),
        "citizen": make_user(dbsession, email="citizen@example.org"),
    }


def as_user(app, who):
    app.reset()
    app.get("/?_LOCALE_=en")
    if who != "anonymous":
        app.login(f"{who.replace('_', '.')}@example.org")
    return app


def test_an_editor_writes_a_draft_and_imports_its_text(testapp, dbsession, agency, people):
    app = as_user(testapp, "editor")
    form = app.get("/agencies/tax/new-draft").forms["draft"]
    form["document_type"] = "bylaw"
    form["drafting_unit_id"] = str(agency.units[0].id)
    form.set("title", "آیین‌نامه گواهی مشارکت", index=0)  # the fa and en texts have fields of the same names
    form.set("title", "E-participation certificates bylaw", index=1)
    page = form.submit("add", status=303).follow()
    draft = dbsession.scalar(sa.select(Draft))
    assert draft.state == State.draft and draft.texts["en"].title == "E-participation certificates bylaw"

    form = app.get(f"/consultations/{draft.id}/import").forms["import"]
    form["text"] = (FIXTURES / "bylaw-certificates.fa.txt").read_text(encoding="utf-8")
    page = form.submit("preview")
    assert "7 articles in 3 chapters, with 4 notes." in page.text
    page = page.forms[1].submit(status=303).follow()  # forms[0] signs out
    assert "7 articles are imported." in page.text
    assert [a.number for a in draft.articles] == [str(n) for n in range(1, 8)]
    assert draft.articles[2].notes[1].startswith("امتیاز هر مشارکت‌کننده")
    assert page.html.find(id="article-3")


def test_an_editor_adds_and_edits_articles_with_clear_refusals(testapp, dbsession, agency, people):
    draft = make_draft(dbsession, agency, articles=1)
    app = as_user(testapp, "editor")
    form = app.get(f"/consultations/{draft.id}/articles/add").forms["article"]
    assert form["number"].value == "2"
    form["number"] = "1"
    form["text"] = "متن"
    page = form.submit("add", status=400)
    assert "Another article already has this number." in page.text
    form = page.forms["article"]
    form["text"] = ""
    page = form.submit("add", status=400)
    assert "Required" in page.text
    form = page.forms["article"]
    form["number"] = "۲"
    form["text"] = "متن ماده دوم"
    form["notes"] = "تبصره یکم\n\nتبصره دوم"
    form.submit("add", status=303)
    assert draft.articles[-1].number == "2" and draft.articles[-1].notes == ["تبصره یکم", "تبصره دوم"]


@pytest.mark.parametrize("who, status", [("anonymous", 404), ("citizen", 404), ("other_editor", 404),
                                         ("other_coordinator", 404), ("editor", 200), ("coordinator", 200),
                                         ("auditor", 200)])
def test_an_unopened_draft_exists_only_for_its_agency_and_auditors(testapp, dbsession, agency, people, who, status):
    draft = make_draft(dbsession, agency)
    as_user(testapp, who).get(f"/consultations/{draft.id}/", status=status)


def open_form(app, draft):
    return app.get(f"/consultations/{draft.id}/open").forms["transition"]


def test_opening_guards_explain_each_problem(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency, languages=("fa",), articles=0)
    app = as_user(testapp, "coordinator")
    page = app.get(f"/consultations/{draft.id}/open")
    assert "The title in English is missing." in page.text
    assert "The draft has no articles yet." in page.text
    form = page.forms["transition"]
    form["start"] = "2026-11-26"  # yesterday
    form["end"] = "2026-12-24"  # 29 days in all
    page = form.submit("confirm", status=400)
    assert "The consultation cannot start in the past." in page.text
    assert "The consultation must last at least 30 days: end it on 25 December 2026 or later" in page.text
    assert page.forms["transition"]["end"].value == "2026-12-24"  # what was typed is kept
    assert draft.state == State.draft


@pytest.mark.parametrize("days, accepted", [(29, False), (30, True)])
def test_a_consultation_lasts_at_least_thirty_days(testapp, dbsession, agency, people, clock, days, accepted):
    """Counted as a calendar counts them: the first and the last day are both days of the consultation."""
    draft = make_draft(dbsession, agency)
    app = as_user(testapp, "coordinator")
    form = open_form(app, draft)
    form["start"] = "2026-11-28"
    form["end"] = (date(2026, 11, 28) + timedelta(days=days - 1)).isoformat()
    form.submit("confirm", status=303 if accepted else 400)
    assert draft.state == (State.consultation if accepted else State.draft)


def test_thirty_days_from_today_are_thirty_days_left(testapp, dbsession, agency, people, clock):
    """6 Azar to 5 Dey 1405 is thirty days: accepted, and the page counts thirty."""
    draft = make_draft(dbsession, agency)
    app = as_user(testapp, "coordinator")
    form = open_form(app, draft)
    form["start"], form["end"] = "۱۴۰۵/۰۹/۰۶", "۱۴۰۵/۱۰/۰۵"
    form.submit("confirm", status=303)
    assert draft.state == State.consultation and draft.last_day() == date(2026, 12, 26)
    page = testapp.get(f"/consultations/{draft.id}/?lang=en")
    assert "30 days left to take part" in page.html.select_one(".days-left").get_text()


def test_opening_in_persian_with_jalali_dates_freezes_the_text(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency)
    testapp.login("coordinator@example.org")
    form = testapp.get(f"/consultations/{draft.id}/open").forms["transition"]
    form["start"] = "۱۴۰۵/۰۹/۰۶"  # today, 27 November 2026
    form["end"] = "1405/10/06"  # 27 December 2026: 30 days later
    page = form.submit("confirm", status=303).follow()
    assert draft.state == State.consultation
    assert draft.closes_at == NOW.replace(year=2026, month=12, day=27, hour=20, minute=30)  # midnight in Tehran
    assert "روز" in page.text and "۳۱" in page.text  # days left, in Persian digits
    assert [a.text for a in draft.consulted_articles] == [a.text for a in draft.articles]
    event = dbsession.scalar(sa.select(WorkflowEvent))
    assert (event.transition, event.from_state, event.to_state) == ("open", State.draft, State.consultation)
    # Frozen: nobody changes the text during the consultation.
    testapp.get(f"/consultations/{draft.id}/articles/1/edit", status=403)
    testapp.get(f"/consultations/{draft.id}/edit", status=403)


def test_editors_cannot_open(testapp, dbsession, agency, people):
    draft = make_draft(dbsession, agency)
    app = as_user(testapp, "editor")
    app.get(f"/consultations/{draft.id}/open", status=403)
    assert "Open the consultation" not in app.get(f"/consultations/{draft.id}/").text
    token = app.get_csrf_token("/me/edit")
    app.post(f"/consultations/{draft.id}/open", {"csrf_token": token, "start": "2026-11-28", "end": "2027-01-01",
                                                  "confirm": "confirm"}, status=403)
    assert draft.state == State.draft


def test_extension_moves_the_end_later_only_with_a_reason(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2),
                       closes_at=NOW + timedelta(days=28))
    end_before = draft.closes_at
    app = as_user(testapp, "coordinator")
    form = app.get(f"/consultations/{draft.id}/extend").forms["transition"]
    form["end"] = "2026-12-01"
    form["reason"] = "زمان بیشتری لازم است"
    page = form.submit("confirm", status=400)
    assert "An extension must move the end later than" in page.text
    form = page.forms["transition"]
    form["end"] = "2027-01-15"
    form["reason"] = ""
    assert "Required" in form.submit("confirm", status=400).text
    form["reason"] = "Requests from chambers of commerce"
    form.submit("confirm", status=303)
    assert draft.closes_at > end_before
    event = draft.events[-1]
    assert (event.transition, event.reason) == ("extend", "Requests from chambers of commerce")
    assert event.details["closes_at_before"] == end_before.isoformat()


def test_withdrawal_closes_early_with_its_reason(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2))
    app = as_user(testapp, "coordinator")
    form = app.get(f"/consultations/{draft.id}/withdraw").forms["transition"]
    form["reason"] = "The bill was withdrawn by the cabinet."
    page = form.submit("confirm", status=303).follow()
    assert draft.state == State.closed and draft.closed_at == NOW
    assert "The bill was withdrawn by the cabinet." in page.text


def test_the_clock_closes_exactly_the_ended_consultations(testapp, dbsession, agency, app, clock):
    from pyramid.scripting import prepare

    ended = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=31),
                       closes_at=NOW - timedelta(minutes=1))
    running = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=1))
    env = prepare(registry=app.registry)
    env["request"].environ["app.dbsession"] = dbsession
    try:
        from eparticipation.consultations.services import tick

        assert tick(env["request"]) == [ended]
    finally:
        env["closer"]()
    assert (ended.state, running.state) == (State.closed, State.consultation)
    assert ended.events[-1].actor_id is None  # the system


def test_a_visit_after_the_end_sees_it_closed(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=30),
                       closes_at=NOW + timedelta(hours=1))
    clock.advance(hours=2)
    page = as_user(testapp, "citizen").get(f"/consultations/{draft.id}/")
    assert draft.state == State.closed
    assert "Closed" in page.text
    assert draft.events[-1].actor_id is None


def test_final_text_publication_and_comparison(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                       closes_at=NOW - timedelta(days=5), articles=3)
    as_user(testapp, "anonymous").get(f"/consultations/{draft.id}/compare", status=404)

    app = as_user(testapp, "editor")
    form = app.get(f"/consultations/{draft.id}/articles/2/edit").forms["article"]
    form["text"] = "متن ماده تغییر یافته 2"
    form.submit("save", status=303)
    app.post(f"/consultations/{draft.id}/articles/3/delete", {"csrf_token": app.get_csrf_token("/me/edit")},
             status=303)
    app.get(f"/consultations/{draft.id}/publish", status=403)

    app = as_user(testapp, "coordinator")
    make_final_report(dbsession, draft)
    app.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    assert draft.state == State.published

    page = as_user(testapp, "anonymous").get(f"/consultations/{draft.id}/compare")
    assert "1 articles changed, 0 added, 1 removed, 1 unchanged." in page.text
    changed = page.html.find(id="article-2")
    assert [tag.text for tag in changed.find_all("ins")] == ["تغییر یافته"]
    assert page.html.find(id="article-3").find("del")


def test_history_shows_every_step_to_staff_and_auditors_only(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2))
    app = as_user(testapp, "coordinator")
    form = app.get(f"/consultations/{draft.id}/withdraw").forms["transition"]
    form["reason"] = "Superseded by a new law"
    form.submit("confirm", status=303)
    for who in ("editor", "coordinator", "auditor"):
        page = as_user(testapp, who).get(f"/consultations/{draft.id}/history")
        assert "Superseded by a new law" in page.text and "Coordinator" in page.text
    for who in ("citizen", "other_editor"):
        as_user(testapp, who).get(f"/consultations/{draft.id}/history", status=403)


def test_transitions_are_offered_only_to_those_who_may_make_them(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2))
    for who, offered in [("coordinator", True), ("editor", False), ("other_coordinator", False),
                         ("auditor", False), ("citizen", False)]:
        page = as_user(testapp, who).get(f"/consultations/{draft.id}/")
        assert ("Extend the consultation" in page.text) is offered, who
        assert ("Withdraw the consultation" in page.text) is offered, who


def test_transitions_need_post_and_a_csrf_token(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2))
    app = as_user(testapp, "coordinator")
    app.post(f"/consultations/{draft.id}/withdraw", {"reason": "no token", "confirm": "confirm"}, status=400)
    app.get(f"/consultations/{draft.id}/withdraw", {"reason": "by GET", "confirm": "confirm"})
    assert draft.state == State.consultation


def test_later_parts_add_guards_and_hear_every_transition(testapp, dbsession, agency, people, app, clock):
    from pyramid.config import Configurator

    from eparticipation.consultations.workflow import DraftTransitioned
    from eparticipation.i18n import _

    heard = []
    guards_before = list(app.registry.get("workflow_guards", {}).get("publish", []))
    config = Configurator(registry=app.registry)
    config.include("eparticipation.consultations.workflow")
    config.add_workflow_guard("publish", lambda draft, request, **params: [_("The report is not finalised.")])
    config.add_subscriber(heard.append, DraftTransitioned)
    config.commit()
    try:
        draft = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                           closes_at=NOW - timedelta(days=5))
        make_final_report(dbsession, draft)
        app_ = as_user(testapp, "coordinator")
        page = app_.get(f"/consultations/{draft.id}/publish")
        assert "The report is not finalised." in page.text
        page.forms["transition"].submit("confirm", status=400)
        assert draft.state == State.closed and heard == []
        app.registry["workflow_guards"]["publish"][:] = guards_before
        app_.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
        assert [(e.draft, e.event.transition) for e in heard] == [(draft, "publish")]
    finally:
        app.registry["workflow_guards"]["publish"][:] = guards_before
        app.registry.unregisterHandler(heard.append, (DraftTransitioned,))


@pytest.mark.parametrize("state, who", [("draft", "editor"), ("consultation", "citizen"), ("consultation", "editor")])
def test_screen_readers_hear_persian_digits_on_a_persian_page(testapp, dbsession, agency, people, clock, state, who):
    """Hidden labels ("Edit article 1") are read aloud: a Latin «1» in a Persian sentence is read in English."""
    draft = make_draft(dbsession, agency, state=state)
    page = as_user(testapp, who).get(f"/consultations/{draft.id}/?_LOCALE_=fa")
    assert page.html.html["lang"] == "fa"
    spoken = [node.get_text() for node in page.html.select(".visually-hidden")]
    spoken += [node["aria-label"] for node in page.html.select("[aria-label]")]
    assert spoken
    latin = [text for text in spoken if re.search(r"[0-9]", text)]
    assert not latin


def test_the_timeline_tells_reached_steps_from_those_to_come(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency, state="consultation")
    page = testapp.get(f"/consultations/{draft.id}/?_LOCALE_=en")
    steps = page.html.select("ol.timeline > li")
    marks = [step.select_one(".timeline-mark").get_text() for step in steps]
    assert marks == ["✓", "✓", "○", "○"]
    assert [step.get("aria-current") for step in steps] == [None, "step", None, None]
    closing = steps[2].get_text(" ", strip=True)
    assert "expected" in closing and "not yet" in closing
    assert "not-reached" in steps[3]["class"] and "reached" not in steps[3]["class"]
