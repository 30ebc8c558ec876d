"""Accountability (R1, R2, W4): editors answer every comment with reasons, revisions are kept, publishing
waits for the last answer, and the outcome is public afterwards."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eparticipation.audit.models import AuditEntry
from eparticipation.consultations.models import State
from eparticipation.participation.models import CommentState, CommentSupport, Vote, VoteChoice
from eparticipation.responses.models import (
    Decision,
    OutcomeAnnouncement,
    Response,
    ResponseComment,
    ResponseRevision,
)
from eparticipation.responses.subscribers import announce_next
from eparticipation.surveys.models import Submission, Survey

from ..conftest import NOW
from ..factories import make_agency, make_comment, make_draft, make_final_report, make_user


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def people(dbsession, agency):
    return {
        "citizen": make_user(dbsession, email="citizen@example.org", display_name="Maryam"),
        "other": make_user(dbsession, email="other@example.org", display_name="Reza"),
        "editor": make_user(dbsession, email="editor@example.org", display_name="Editor One",
                            grants=[("editor", agency)]),
        "editor2": make_user(dbsession, email="editor2@example.org", display_name="Editor Two",
                             grants=[("editor", agency)]),
        "coordinator": make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)]),
        "auditor": make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)]),
        "other_editor": make_user(dbsession, email="other.editor@example.org",
                                  grants=[("editor", make_agency(dbsession))]),
    }


@pytest.fixture
def draft(dbsession, agency):
    return make_draft(dbsession, agency, state="closed", articles=3, opens_at=NOW - timedelta(days=40),
                      closes_at=NOW - timedelta(days=5))


@pytest.fixture
def comments(dbsession, draft, people):
    articles = draft.consulted_articles
    return [
        make_comment(dbsession, draft, people["citizen"], body="ماده سه مبهم است و باید روشن شود", article=articles[2]),
        make_comment(dbsession, draft, people["other"], body="ماده سه را روشن‌تر بنویسید لطفا", article=articles[2]),
        make_comment(dbsession, draft, people["citizen"], body="کل این پیش‌نویس خوب است"),
    ]


def signed_in(testapp, email):
    testapp.login(email)
    return testapp


def respond(app, draft, comment_ids, decision="accepted", reason="دلیل روشن تصمیم", law="", article="", status=303):
    page = app.get(f"/consultations/{draft.id}/responses/?all=1")
    token = page.forms["respond"]["csrf_token"].value
    data = [("csrf_token", token), *(("comment", str(i)) for i in comment_ids), ("decision", decision),
            ("reason", reason), ("legal_basis_law", law), ("legal_basis_article", article), ("respond", "respond")]
    return app.post(f"/consultations/{draft.id}/responses/", data, status=status)


def test_an_editor_answers_one_comment_and_a_group_and_sees_what_is_left(en, dbsession, draft, comments, people):
    app = signed_in(en, "editor@example.org")
    page = app.get(f"/consultations/{draft.id}/responses/")
    assert "3 visible comments still lack a response." in page.text
    progress = [[cell.text.strip() for cell in row.find_all(["th", "td"])] for row in page.html.select("table tbody tr")]
    assert progress == [["The whole draft", "1", "1"], ["Article 3", "2", "2"]]
    respond(app, draft, [comments[0].id, comments[1].id], "partially_accepted", "بخشی از پیشنهاد پذیرفته شد",
            "قانون مدیریت خدمات کشوری", "ماده ۹۰")
    response = dbsession.scalar(sa.select(Response))
    assert sorted(response.comment_ids) == [comments[0].id, comments[1].id]
    assert response.current.decision == Decision.partially_accepted
    assert response.current.author_id == people["editor"].id

    page = app.get(f"/consultations/{draft.id}/responses/")
    # The work page lists only what is left, and the progress table counts it per article.
    assert f'id="choose-{comments[2].id}"' in page.text and f'id="choose-{comments[0].id}"' not in page.text
    assert "1 visible comments still lack a response." in page.text
    respond(app, draft, [comments[2].id], "noted", "نظر شما ثبت شد")
    assert dbsession.scalar(sa.select(sa.func.count(Response.id))) == 2
    audit = dbsession.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("response.%"))
                             .order_by(AuditEntry.seq)).all()
    assert audit == ["response.create", "response.create"]


def test_refusals_keep_what_was_typed(en, dbsession, draft, comments, people):
    app = signed_in(en, "editor@example.org")
    page = respond(app, draft, [comments[0].id], "rejected", "We cannot accept this", status=400)
    assert "Name the law or regulation this decision rests on." in page.text
    assert "Name the article of that law." in page.text
    assert "We cannot accept this" in page.text
    assert f'value="{comments[0].id}" form="respond" id="choose-{comments[0].id}" checked' in page.text

    page = respond(app, draft, [comments[0].id], "accepted", "", status=400)
    assert "Required" in page.text
    page = respond(app, draft, [], "accepted", "A good reason here", status=400)
    assert "Choose at least one comment to answer." in page.text
    assert "A good reason here" in page.text

    other_draft = make_draft(dbsession, draft.agency, state="closed", opens_at=draft.opens_at,
                             closes_at=draft.closes_at)
    foreign = make_comment(dbsession, other_draft, people["other"])
    page = respond(app, draft, [foreign.id], "accepted", "A good reason here", status=400)
    assert "Only the visible comments of this draft can be answered." in page.text
    comments[1].state, comments[1].hidden_category, comments[1].hidden_reason = CommentState.hidden, "spam", "spam"
    dbsession.flush()
    page = respond(app, draft, [comments[1].id], "accepted", "A good reason here", status=400)
    assert "Only the visible comments of this draft can be answered." in page.text
    assert dbsession.scalar(sa.select(sa.func.count(Response.id))) == 0


def test_a_comment_is_answered_once(dbsession, draft, comments, people, testapp):
    app = signed_in(testapp, "editor@example.org")
    respond(app, draft, [comments[0].id])
    page = respond(app, draft, [comments[0].id, comments[1].id], status=400)
    assert dbsession.scalar(sa.select(sa.func.count(Response.id))) == 1
    assert page.status_int == 400


@pytest.mark.parametrize("who, status", [
    (None, 403), ("citizen@example.org", 403), ("other.editor@example.org", 403),
    ("coordinator@example.org", 403), ("auditor@example.org", 403),
])
def test_only_the_agencys_editors_answer(testapp, draft, comments, who, status):
    if who:
        testapp.login(who)
    token = testapp.get_csrf_token("/register" if who is None else "/me")
    testapp.post(f"/consultations/{draft.id}/responses/",
                 {"csrf_token": token, "comment": str(comments[0].id), "decision": "noted", "reason": "reason"},
                 status=status)


@pytest.mark.parametrize("who, status", [
    (None, 403), ("citizen@example.org", 403), ("other.editor@example.org", 403),
    ("coordinator@example.org", 200), ("auditor@example.org", 200), ("editor@example.org", 200),
])
def test_the_work_page_is_for_the_agency_and_auditors(testapp, draft, comments, who, status):
    if who:
        testapp.login(who)
    testapp.get(f"/consultations/{draft.id}/responses/", status=status)


def test_no_answers_before_the_consultation_closes(testapp, dbsession, agency, people):
    running = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2),
                         closes_at=NOW + timedelta(days=28))
    comment = make_comment(dbsession, running, people["citizen"])
    testapp.login("editor@example.org")
    testapp.get(f"/consultations/{running.id}/responses/", status=403)
    testapp.post(f"/consultations/{running.id}/responses/",
                 {"csrf_token": testapp.get_csrf_token("/me"), "comment": str(comment.id), "decision": "noted",
                  "reason": "too early"}, status=403)


def test_revisions_are_kept_in_order_with_their_authors(testapp, dbsession, draft, comments, people, clock):
    app = signed_in(testapp, "editor@example.org")
    respond(app, draft, [comments[2].id], "noted", "نخستین پاسخ")
    response = dbsession.scalar(sa.select(Response))
    url = f"/consultations/{draft.id}/responses/{response.id}/"
    clock.advance(hours=1)
    form = app.get(url).forms["revise"]
    form["decision"], form["reason"] = "accepted", "پاسخ دوم با دلیل بیشتر"
    form.submit("revise", status=303)
    app.logout()

    app = signed_in(testapp, "editor2@example.org")
    clock.advance(hours=1)
    form = app.get(url).forms["revise"]
    form["decision"], form["reason"] = "rejected", "پاسخ سوم"
    assert form.submit("revise", status=400)  # a rejection needs its legal basis
    form["legal_basis_law"], form["legal_basis_article"] = "قانون برنامه", "ماده ۱۲"
    form.submit("revise", status=303)
    form = app.get(url).forms["revise"]
    form.submit("revise", status=303)  # nothing changed: no fourth revision

    revisions = dbsession.scalars(sa.select(ResponseRevision).order_by(ResponseRevision.number)).all()
    assert [(r.number, r.author_id, r.decision) for r in revisions] == [
        (1, people["editor"].id, Decision.noted), (2, people["editor"].id, Decision.accepted),
        (3, people["editor2"].id, Decision.rejected)]
    assert revisions[0].reason == "نخستین پاسخ"  # nothing overwritten
    page = app.get(url)
    text = page.text
    assert text.index('id="revision-3"') < text.index('id="revision-2"') < text.index('id="revision-1"')
    assert "پاسخ <del>دوم با دلیل بیشتر</del> <ins>سوم</ins>" in text  # word by word
    assert "Editor Two" in text and "Editor One" in text
    actions = dbsession.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("response.%"))
                             .order_by(AuditEntry.seq)).all()
    assert actions == ["response.create", "response.revise", "response.revise"]

    # The auditor reads the whole history and changes nothing.
    app.logout()
    auditor = signed_in(testapp, "auditor@example.org")
    page = auditor.get(url)
    assert "revise" not in page.forms
    auditor.post(url, {"csrf_token": auditor.get_csrf_token("/me"), "decision": "noted", "reason": "x"}, status=403)

    # Published: the public outcome shows only the latest wording.
    draft.state = State.published
    dbsession.flush()
    testapp.logout()
    page = testapp.get(f"/consultations/{draft.id}/outcome")
    assert "پاسخ سوم" in page.text and "نخستین پاسخ" not in page.text and "پاسخ دوم" not in page.text
    assert "قانون برنامه" in page.text


def test_publishing_waits_for_every_visible_comment_to_be_answered(en, dbsession, draft, comments, people):
    comments[1].state, comments[1].hidden_category, comments[1].hidden_reason = CommentState.hidden, "spam", "ads"
    dbsession.flush()
    editor = signed_in(en, "editor@example.org")
    respond(editor, draft, [comments[0].id], "accepted", "We agree with this point")
    editor.logout()

    make_final_report(dbsession, draft)
    coordinator = signed_in(en, "coordinator@example.org")
    page = coordinator.get(f"/consultations/{draft.id}/publish")
    assert "1 visible comments have no response yet; answer them before publishing." in page.text, page.html.select_one("main")
    assert f'href="http://example.com/consultations/{draft.id}/responses/"' in page.text
    page = page.forms["transition"].submit("confirm", status=400)
    assert draft.state == State.closed
    coordinator.logout()

    editor = signed_in(en, "editor@example.org")
    respond(editor, draft, [comments[2].id], "noted", "Thank you, noted")
    editor.logout()
    coordinator = signed_in(en, "coordinator@example.org")
    coordinator.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    assert draft.state == State.published


def test_the_outcome_is_public_only_once_published(en, dbsession, draft, comments, people):
    en.get(f"/consultations/{draft.id}/outcome", status=403)
    editor = signed_in(en, "editor@example.org")
    respond(editor, draft, [comments[0].id, comments[1].id], "rejected", "Against the tax law", "Direct Taxes Act",
            "Article 131")
    respond(editor, draft, [comments[2].id], "accepted", "Good idea")
    page = editor.get(f"/consultations/{draft.id}/outcome")
    assert "A preview for the agency" in page.text
    editor.logout()
    draft.state = State.published
    dbsession.flush()

    page = en.get(f"/consultations/{draft.id}/outcome")
    counts = {row.find("th").text: row.find("td").text for row in page.html.select("table tbody tr")}
    assert counts == {"Accepted": "1", "Partially accepted": "0", "Rejected": "2", "Noted": "0"}
    assert page.text.count("Direct Taxes Act – Article 131") == 2
    page = en.get(f"/consultations/{draft.id}/outcome?article=3")
    assert "Good idea" not in page.text and "Against the tax law" in page.text
    en.login("other@example.org")  # Reza wrote one of the three comments
    page = en.get(f"/consultations/{draft.id}/outcome?mine=1")
    assert page.text.count('class="comment-body"') == 2  # his comment and its response
    assert "ماده سه را روشن‌تر بنویسید لطفا" in page.text and "Good idea" not in page.text
    en.logout()
    page = en.get(f"/consultations/{draft.id}/")
    assert f"/consultations/{draft.id}/outcome" in page.text


def test_the_outcome_page_costs_a_fixed_number_of_statements(en, dbsession, draft, people, query_counter):
    from eparticipation.responses.models import ResponseComment

    editor = people["editor"]
    for n in range(60):
        comment = make_comment(dbsession, draft, people["citizen"], body=f"نظر شماره {n} درباره پیش‌نویس")
        response = Response(draft_id=draft.id, created_by_id=editor.id, created_at=NOW)
        response.covered = [ResponseComment(comment_id=comment.id)]
        response.revisions.append(ResponseRevision(number=1, decision=Decision.noted, reason="ثبت شد",
                                                   author_id=editor.id, written_at=NOW))
        dbsession.add(response)
    draft.state = State.published
    dbsession.flush()
    en.get(f"/consultations/{draft.id}/outcome")
    with query_counter() as counted:
        page = en.get(f"/consultations/{draft.id}/outcome")
    assert page.text.count("ثبت شد") == 50
    assert counted.count <= 8, counted.statements


def test_publishing_tells_each_participant_once_on_each_channel(testapp, dbsession, draft, comments, people):
    """R3: one inbox message per participant, one outbox message per participant and channel, in their
    language with the link to their answers (or to the outcome, when nothing of theirs was answered); then the
    worker delivers and the audit log records it."""
    from eparticipation.audit.chain import verify
    from eparticipation.messaging.delivery import Deliverer
    from eparticipation.messaging.models import InboxMessage, MessengerLink, OutboxMessage, OutboxStatus

    people["other"].locale = "en"
    dbsession.add(MessengerLink(user_id=people["citizen"].id, messenger="bale", chat_id="123456789", linked_at=NOW))
    hidden_author = make_user(dbsession, email="hidden.author@example.org")
    make_comment(dbsession, draft, hidden_author, state=CommentState.hidden, hidden_category="spam",
                 hidden_reason="تبلیغ")
    dbsession.flush()
    editor = signed_in(testapp, "editor@example.org")
    respond(editor, draft, [comments[0].id, comments[1].id], "accepted", "دلیل روشن تصمیم")
    respond(editor, draft, [comments[2].id], "noted", "ثبت شد")
    editor.logout()
    make_final_report(dbsession, draft)
    coordinator = signed_in(testapp, "coordinator@example.org")
    coordinator.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    coordinator.logout()
    run_the_worker(testapp, dbsession)

    outbox = dbsession.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.user_id, OutboxMessage.channel)).all()
    assert [(m.user_id, m.channel, m.address) for m in outbox] == [
        (people["citizen"].id, "bale", "123456789"), (people["citizen"].id, "email", "citizen@example.org"),
        (people["other"].id, "email", "other@example.org"), (hidden_author.id, "email", "hidden.author@example.org"),
    ]
    inbox = {m.user_id: m for m in dbsession.scalars(sa.select(InboxMessage))}
    assert set(inbox) == {people["citizen"].id, people["other"].id, hidden_author.id}
    link = f"http://example.com/consultations/{draft.id}/outcome?mine=1"
    assert inbox[people["other"].id].link == link
    assert inbox[people["other"].id].subject == "Your comments on “Draft test bylaw” have been answered"
    assert "response to 1 of your comments" in inbox[people["other"].id].body
    assert "۲" in inbox[people["citizen"].id].body and "پیش‌نویس آیین‌نامه آزمایشی" in inbox[people["citizen"].id].subject
    # Nothing of the hidden comment's author was answered: they are told the outcome is out, not about answers.
    assert inbox[hidden_author.id].subject == "نتیجه نظرخواهی درباره «پیش‌نویس آیین‌نامه آزمایشی» منتشر شد"
    assert inbox[hidden_author.id].link == f"http://example.com/consultations/{draft.id}/outcome"

    page = signed_in(testapp, "citizen@example.org").get("/me/inbox")
    assert link in page.text

    class Recorder:
        def __init__(self):
            self.sent = []

        def send(self, address, subject, body, link, reference=None):
            self.sent.append(address)

    from sqlalchemy.orm import Session

    recorder = Recorder()
    sessions = lambda: Session(bind=dbsession.connection(), join_transaction_mode="create_savepoint")  # noqa: E731
    Deliverer(testapp.app.registry, session_factory=sessions,
              adapters={"email": recorder, "bale": recorder}).drain(10)
    dbsession.expire_all()
    assert sorted(recorder.sent) == ["123456789", "citizen@example.org", "hidden.author@example.org",
                                     "other@example.org"]
    assert {m.status for m in dbsession.scalars(sa.select(OutboxMessage))} == {OutboxStatus.sent}
    delivered = dbsession.scalars(sa.select(AuditEntry.after).where(AuditEntry.action == "message.delivered")).all()
    key = f"responses:draft:{draft.id}"
    assert sorted(entry["channel"] for entry in delivered if entry["key"] == key) == ["bale", "email", "email", "email"]
    assert verify(dbsession).ok


def answer_all(dbsession, draft, editor, comments):
    for comment in comments:
        response = Response(draft_id=draft.id, created_by_id=editor.id, created_at=NOW)
        response.covered = [ResponseComment(comment_id=comment.id)]
        response.revisions.append(ResponseRevision(number=1, decision=Decision.noted, reason="ثبت شد",
                                                   author_id=editor.id, written_at=NOW))
        dbsession.add(response)
    dbsession.flush()


def vote(dbsession, draft, user):
    dbsession.add(Vote(draft_id=draft.id, user_id=user.id, choice=VoteChoice.support, cast_at=NOW, updated_at=NOW))
    dbsession.flush()


def support(dbsession, comment, user):
    dbsession.add(CommentSupport(comment_id=comment.id, user_id=user.id, supported_at=NOW))
    dbsession.flush()


def answer_survey(dbsession, draft, user):
    survey = dbsession.scalar(sa.select(Survey).where(Survey.draft_id == draft.id))
    if survey is None:
        survey = Survey(draft_id=draft.id, created_at=NOW)
        dbsession.add(survey)
        dbsession.flush()
    dbsession.add(Submission(survey_id=survey.id, user_id=user.id, answers={}, created_at=NOW, updated_at=NOW))
    dbsession.flush()


def run_the_worker(testapp, dbsession) -> list[int]:
    """The delivery worker's task, in the test's transaction: the people told by each queued announcement."""
    told = []
    while found := announce_next(dbsession, testapp.app.registry, NOW):
        told.append(found)
    return told


def publish(testapp, dbsession, draft):
    make_final_report(dbsession, draft)
    coordinator = signed_in(testapp, "coordinator@example.org")
    coordinator.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    coordinator.logout()
    run_the_worker(testapp, dbsession)


def test_publishing_tells_everyone_who_took_part_once(testapp, dbsession, agency, draft, comments, people):
    """W4: voters, supporters, survey respondents and the authors of hidden or withdrawn comments hear that the
    outcome is out, with the link to it; whoever was answered hears only that; closed accounts and people who
    took part only in another consultation hear nothing."""
    from eparticipation.messaging.models import InboxMessage, OutboxMessage

    answer_all(dbsession, draft, people["editor"], comments)
    voter = make_user(dbsession, email="voter@example.org", locale="en")
    vote(dbsession, draft, voter)
    supporter = make_user(dbsession, email="supporter@example.org", locale="fa")
    support(dbsession, comments[0], supporter)
    support(dbsession, comments[1], supporter)
    respondent = make_user(dbsession, email="respondent@example.org")
    answer_survey(dbsession, draft, respondent)
    hidden_author = make_user(dbsession, email="hidden.author@example.org")
    make_comment(dbsession, draft, hidden_author, state=CommentState.hidden, hidden_category="spam",
                 hidden_reason="تبلیغ")
    withdrawn_author = make_user(dbsession, email="withdrawn.author@example.org")
    make_comment(dbsession, draft, withdrawn_author, state=CommentState.withdrawn)
    busy = make_user(dbsession, email="busy@example.org")  # took part every way but was not answered
    vote(dbsession, draft, busy)
    support(dbsession, comments[2], busy)
    answer_survey(dbsession, draft, busy)
    make_comment(dbsession, draft, busy, state=CommentState.withdrawn)
    people["other"].locale = "en"
    vote(dbsession, draft, people["other"])  # answered and voted: told of the answers only
    closed_account = make_user(dbsession, email="closed@example.org", is_active=False)
    vote(dbsession, draft, closed_account)
    elsewhere = make_user(dbsession, email="elsewhere@example.org")
    other_draft = make_draft(dbsession, agency, state="consultation")
    vote(dbsession, other_draft, elsewhere)
    support(dbsession, make_comment(dbsession, other_draft, people["citizen"]), elsewhere)
    answer_survey(dbsession, other_draft, elsewhere)

    publish(testapp, dbsession, draft)

    messages = dbsession.scalars(sa.select(InboxMessage).order_by(InboxMessage.id)).all()
    everyone_else = {voter.id, supporter.id, respondent.id, hidden_author.id, withdrawn_author.id, busy.id}
    answered = {people["citizen"].id, people["other"].id}
    assert sorted(m.user_id for m in messages) == sorted(everyone_else | answered)  # each once; nobody else
    assert {m.key for m in messages} == {f"responses:draft:{draft.id}"}
    inbox = {m.user_id: m for m in messages}
    outcome = f"http://example.com/consultations/{draft.id}/outcome"
    assert {user_id: inbox[user_id].link for user_id in everyone_else} == dict.fromkeys(everyone_else, outcome)
    assert {user_id: inbox[user_id].link for user_id in answered} == dict.fromkeys(answered, outcome + "?mine=1")

    assert inbox[voter.id].subject == "The outcome of the consultation on “Draft test bylaw” has been published"
    assert inbox[voter.id].body == (
        f"{draft.agency.name('en')} has published the outcome of its consultation on “Draft test bylaw”, in which "
        "you took part: what it heard, what it decided and why, and the final text. Read it here:")
    assert inbox[supporter.id].subject == "نتیجه نظرخواهی درباره «پیش‌نویس آیین‌نامه آزمایشی» منتشر شد"
    assert inbox[supporter.id].body.startswith(f"{draft.agency.name('fa')} نتیجه نظرخواهی")
    assert "که شما نیز در آن مشارکت داشتید" in inbox[supporter.id].body
    assert inbox[people["other"].id].subject == "Your comments on “Draft test bylaw” have been answered"

    addresses = dbsession.scalars(sa.select(OutboxMessage.address)).all()
    assert "closed@example.org" not in addresses and "elsewhere@example.org" not in addresses
    assert len(addresses) == len(set(addresses)) == len(everyone_else | answered)  # one e-mail each


def test_telling_everyone_costs_the_same_statements_for_3_or_30_voters(testapp, dbsession, agency, people,
                                                                      query_counter):
    from eparticipation.messaging.models import InboxMessage

    def statements_on_publishing(voters):
        draft = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                           closes_at=NOW - timedelta(days=5))
        for _ in range(voters):
            vote(dbsession, draft, make_user(dbsession))
        make_final_report(dbsession, draft)
        coordinator = signed_in(testapp, "coordinator@example.org")
        form = coordinator.get(f"/consultations/{draft.id}/publish").forms["transition"]
        with query_counter() as publishing:
            form.submit("confirm", status=303)
        coordinator.logout()
        with query_counter() as writing:
            assert run_the_worker(testapp, dbsession) == [voters]
        told = dbsession.scalar(sa.select(sa.func.count(InboxMessage.id))
                                .where(InboxMessage.key == f"responses:draft:{draft.id}"))
        assert told == voters
        return publishing.statements, writing.statements

    (few_publishing, few), (many_publishing, many) = statements_on_publishing(3), statements_on_publishing(30)
    assert len(many_publishing) == len(few_publishing)  # the request only queues the announcement
    assert len(many) == len(few), many  # finding them, their messenger chats, their inbox and outbox rows
    assert sum(" UNION " in s.upper() for s in many) == 1  # everyone who took part, in one statement


def test_publishing_queues_the_announcement_and_the_worker_writes_it_once(testapp, dbsession, draft, comments,
                                                                         people):
    """The coordinator's request does not wait for thousands of messages: it queues one announcement, with the
    links of the site it was made on; the worker writes the messages, once, however often it runs."""
    from eparticipation.messaging.models import InboxMessage

    answer_all(dbsession, draft, people["editor"], comments)
    make_final_report(dbsession, draft)
    coordinator = signed_in(testapp, "coordinator@example.org")
    coordinator.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    assert draft.state == State.published
    told = sa.select(sa.func.count(InboxMessage.id)).where(InboxMessage.key == f"responses:draft:{draft.id}")
    assert dbsession.scalar(told) == 0
    queued = dbsession.scalars(sa.select(OutcomeAnnouncement).where(OutcomeAnnouncement.draft_id == draft.id)).one()
    assert queued.done_at is None
    assert queued.outcome_link == f"http://example.com/consultations/{draft.id}/outcome"

    assert run_the_worker(testapp, dbsession) == [2]  # the two authors
    assert dbsession.scalar(told) == 2
    assert queued.done_at == NOW and queued.told == 2
    assert run_the_worker(testapp, dbsession) == []  # nothing queued any more: nobody is told twice
    assert dbsession.scalar(told) == 2


@pytest.mark.parametrize("who, status", [
    (None, 403), ("citizen@example.org", 403), ("other.editor@example.org", 403),
    ("coordinator@example.org", 200), ("auditor@example.org", 200), ("editor2@example.org", 200),
])
def test_a_responses_history_is_for_the_agency_and_auditors(testapp, dbsession, draft, comments, people, who,
                                                            status):
    response = Response(draft_id=draft.id, created_by_id=people["editor"].id, created_at=NOW)
    response.covered = [ResponseComment(comment_id=comments[0].id)]
    response.revisions = [ResponseRevision(number=1, decision=Decision.noted, reason="ثبت شد",
                                           author_id=people["editor"].id, written_at=NOW)]
    dbsession.add(response)
    dbsession.flush()
    if who:
        testapp.login(who)
    testapp.get(f"/consultations/{draft.id}/responses/{response.id}/", status=status)
    testapp.get(f"/consultations/{draft.id}/responses/{response.id + 1000}/", status=404)


def test_the_message_carries_each_answer_with_its_reason_and_legal_basis(testapp, dbsession, draft, comments, people):
    """Seed: accepted and rejected proposals "with documented legal reasons" delivered through the messengers —
    the message itself says, per answered comment, where it was, the decision, the reason and the legal basis."""
    from eparticipation.messaging.models import InboxMessage, MessengerLink, OutboxMessage
    from eparticipation.responses import subscribers

    people["other"].locale = "en"
    dbsession.add(MessengerLink(user_id=people["citizen"].id, messenger="bale", chat_id="123456789", linked_at=NOW))
    extra = [make_comment(dbsession, draft, people["citizen"], body=f"پیشنهاد شماره {n} درباره ماده یک",
                          article=draft.consulted_articles[0]) for n in range(subscribers.ANSWERS_IN_MESSAGE)]
    dbsession.flush()
    editor = signed_in(testapp, "editor@example.org")
    respond(editor, draft, [comments[0].id, comments[1].id], "accepted", "بند مبهم بازنویسی شد",
            law="قانون مالیات‌های مستقیم", article="ماده ۱۳۱")
    respond(editor, draft, [comments[2].id], "rejected", "خارج از موضوع این پیش‌نویس است " + "بسیار " * 80,
            law="آیین‌نامه اجرایی", article="ماده ۲")
    respond(editor, draft, [c.id for c in extra], "noted", "ثبت شد")
    editor.logout()
    make_final_report(dbsession, draft)
    coordinator = signed_in(testapp, "coordinator@example.org")
    coordinator.get(f"/consultations/{draft.id}/publish").forms["transition"].submit("confirm", status=303)
    run_the_worker(testapp, dbsession)

    inbox = {m.user_id: m for m in dbsession.scalars(sa.select(InboxMessage))}
    english = inbox[people["other"].id].body
    assert "Article 3 — Accepted: بند مبهم بازنویسی شد (Legal basis: قانون مالیات‌های مستقیم, ماده ۱۳۱)" in english
    persian = inbox[people["citizen"].id].body
    lines = [line for line in persian.splitlines() if line.startswith("• ")]
    assert len(lines) == subscribers.ANSWERS_IN_MESSAGE  # 7 answered: 5 listed, the rest summed up
    assert lines[0] == "• ماده ۳ — پذیرفته شد: بند مبهم بازنویسی شد (مبنای قانونی: قانون مالیات‌های مستقیم، ماده ۱۳۱)"
    assert lines[1].startswith("• کل پیش‌نویس — پذیرفته نشد: خارج از موضوع")
    assert lines[1].endswith("… (مبنای قانونی: آیین‌نامه اجرایی، ماده ۲)")  # the long reason cut, the basis kept
    assert "…و ۲ پاسخ دیگر در صفحهٔ زیر." in persian
    assert persian.splitlines()[-1] == "همهٔ پاسخ‌ها، با دلیل‌ها و متن نهایی:"  # the link follows it
    bale = dbsession.scalar(sa.select(OutboxMessage).where(OutboxMessage.channel == "bale"))
    from eparticipation.messaging.channels import MESSENGER_TEXT_MAX, messenger_text
    text = messenger_text(bale.subject, bale.body, bale.link)
    assert len(text) <= MESSENGER_TEXT_MAX and "…" not in text[-len(bale.link) - 40:-len(bale.link)]
    assert text.endswith(bale.link)
