"""Surveys (DESIGN P3): the agency's editor designs a draft's survey before opening; it is frozen once the
consultation opens; signed-in participants answer it once each, and may revise their answers, only while the
consultation accepts participation (P6)."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pyramid.i18n import make_localizer
from pyramid.security import remember

from eparticipation.security import SECOND_FACTOR_DONE
from eparticipation.surveys.models import Question, QuestionKind, Submission, Survey
from eparticipation.surveys.schemas import ANSWER_THIS, NO_SUCH_OPTION

from ..audit import audit_entries, head
from ..conftest import NOW
from ..factories import make_agency, make_draft, make_user

LOCALE_DIR = str(Path(__file__).resolve().parents[2] / "locale")


@pytest.fixture
def agency(dbsession):
    return make_agency(dbsession, code="tax")


@pytest.fixture
def people(dbsession, agency):
    other = make_agency(dbsession, code="customs")
    return {
        "editor": make_user(dbsession, email="editor@example.org", grants=[("editor", agency)]),
        "coordinator": make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)]),
        "other_editor": make_user(dbsession, email="other.editor@example.org", grants=[("editor", other)]),
        "citizen": make_user(dbsession, email="citizen@example.org"),
        "neighbour": make_user(dbsession, email="neighbour@example.org"),
    }


def as_user(app, who, language="en"):
    app.reset()
    app.get(f"/?_LOCALE_={language}")
    if who != "anonymous":
        app.login(f"{who.replace('_', '.')}@example.org")
    return app


def open_draft(dbsession, agency, **kw):
    return make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2),
                      closes_at=NOW + timedelta(days=28), **kw)


QUESTIONS = [
    dict(kind=QuestionKind.single_choice, required=True,
         texts={"fa": "آیا با این آیین‌نامه موافقید؟", "en": "Do you agree with this bylaw?"},
         options=[{"fa": "بله", "en": "Yes"}, {"fa": "خیر", "en": "No"}, {"fa": "تا حدی", "en": "Partly"}]),
    dict(kind=QuestionKind.multiple_choice, required=False,
         texts={"fa": "کدام مواد نیاز به اصلاح دارند؟", "en": "Which articles need changes?"},
         options=[{"fa": "ماده ۱", "en": "Article 1"}, {"fa": "ماده ۲", "en": "Article 2"},
                  {"fa": "ماده ۳", "en": "Article 3"}]),
    dict(kind=QuestionKind.scale, required=True,
         texts={"fa": "وضوح متن را چگونه ارزیابی می‌کنید؟", "en": "How clear is the text?"}),
    dict(kind=QuestionKind.text, required=False,
         texts={"fa": "پیشنهاد دیگری دارید؟", "en": "Any other suggestion?"}),
]


def make_survey(dbsession, draft, questions=QUESTIONS):
    survey = Survey(draft_id=draft.id, created_at=NOW)
    survey.questions = [Question(position=n, **dict(q, options=q.get("options", [])))
                        for n, q in enumerate(questions, start=1)]
    dbsession.add(survey)
    dbsession.flush()
    return survey


def reload(dbsession):
    """What the application changed (flushed, as its commit would) and nothing more, as read afresh."""
    dbsession.flush()
    dbsession.expire_all()


def design_url(draft, *elements):
    return f"/consultations/{draft.id}/survey/" + "/".join(("design",) if not elements else elements)


def fill_question(form, texts, options=(), required=False):
    """The question form has a `fa` and an `en` field for the question, then for each option row."""
    for language, text in texts.items():
        form.set(language, text, index=0)
    for number, option in enumerate(options, start=1):
        for language, text in option.items():
            form.set(language, text, index=number)
    form["required"] = required
    return form


# --- designing ---------------------------------------------------------------------------------------------


def test_the_editor_designs_each_kind_of_question(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency)
    app = as_user(testapp, "editor")
    page = app.get(design_url(draft))
    assert "The survey has no questions yet." in page.text
    for kind in QuestionKind:
        assert f"/survey/questions/add?kind={kind.value}" in page.text

    for question in QUESTIONS:
        form = app.get(design_url(draft, "questions", "add") + f"?kind={question['kind'].value}").forms["question"]
        assert ("option-1" in form.text) is question["kind"].has_options
        fill_question(form, question["texts"], question.get("options", ()), question["required"])
        page = form.submit("add", status=303).follow()
        assert "The question is added." in page.text

    survey = dbsession.scalar(sa.select(Survey).where(Survey.draft_id == draft.id))
    assert [(q.kind, q.position, q.required) for q in survey.questions] == [
        (q["kind"], n, q["required"]) for n, q in enumerate(QUESTIONS, start=1)]
    assert survey.questions[0].texts == QUESTIONS[0]["texts"]
    assert survey.questions[0].options == QUESTIONS[0]["options"]
    assert survey.questions[2].options == [] and survey.questions[3].options == []
    assert "Do you agree with this bylaw?" in page.text and "Partly" in page.text
    assert draft.updated_at == NOW


def test_bad_questions_are_refused_clearly_keeping_what_was_typed(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency)
    app = as_user(testapp, "editor")
    form = app.get(design_url(draft, "questions", "add") + "?kind=single_choice").forms["question"]
    fill_question(form, {"fa": "کدام گزینه؟", "en": ""}, [{"fa": "تنها گزینه", "en": "The only option"}])
    page = form.submit("add", status=400)
    assert "Write the question in English." in page.text
    form = page.forms["question"]
    assert form.get("fa", index=0).value == "کدام گزینه؟" and form.get("en", index=1).value == "The only option"

    form.set("en", "Which option?", index=0)
    page = form.submit("add", status=400)
    assert "A choice question needs at least two options." in page.text

    form = page.forms["question"]
    form.set("fa", "گزینه دوم", index=2)  # the second option, in Persian only
    page = form.submit("add", status=400)
    assert "Write this option in English too." in page.text
    assert page.forms["question"].get("fa", index=2).value == "گزینه دوم"

    form = page.forms["question"]
    form.set("fa", "x" * 501, index=0)
    form.set("en", "Second option", index=2)
    page = form.submit("add", status=400)
    assert "Enter at most 500 characters." in page.text
    assert dbsession.scalar(sa.select(sa.func.count(Question.id))) == 0

    form = page.forms["question"]
    form.set("fa", "کدام گزینه؟", index=0)
    form.submit("add", status=303)
    question = dbsession.scalar(sa.select(Question))
    assert question.options == [{"fa": "تنها گزینه", "en": "The only option"}, {"fa": "گزینه دوم", "en": "Second option"}]


def test_an_unknown_kind_of_question_does_not_exist(testapp, dbsession, agency, people):
    draft = make_draft(dbsession, agency)
    as_user(testapp, "editor").get(design_url(draft, "questions", "add") + "?kind=essay", status=404)


def test_the_editor_edits_reorders_and_removes_questions(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency)
    survey = make_survey(dbsession, draft)
    first, second, third, fourth = survey.questions
    app = as_user(testapp, "editor")
    start = head(dbsession)

    form = app.get(design_url(draft, "questions", str(first.id), "edit")).forms["question"]
    assert form.get("en", index=3).value == "Partly"
    form.set("en", "Do you support this bylaw?", index=0)
    form.set("fa", "", index=3)  # the third option's row emptied: the option goes
    form.set("en", "", index=3)
    form.submit("save", status=303)
    assert first.texts["en"] == "Do you support this bylaw?" and len(first.options) == 2

    token = app.get_csrf_token(design_url(draft))
    app.post(design_url(draft, "questions", str(third.id), "move"), {"csrf_token": token, "direction": "up"},
             status=303)
    reload(dbsession)
    assert [q.id for q in survey.questions] == [first.id, third.id, second.id, fourth.id]
    app.post(design_url(draft, "questions", str(first.id), "move"), {"csrf_token": token, "direction": "sideways"},
             status=400)
    app.post(design_url(draft, "questions", str(second.id), "delete"), {"csrf_token": token}, status=303)
    reload(dbsession)
    assert [(q.id, q.position) for q in survey.questions] == [(first.id, 1), (third.id, 2), (fourth.id, 3)]
    app.get(design_url(draft, "questions", str(second.id), "edit"), status=404)
    entries = audit_entries(dbsession, start)  # the auditors see every change of the design, and whose
    assert [(e.action, e.object_id) for e in entries] == [
        ("survey.question.edit", str(first.id)), ("survey.question.move", str(third.id)),
        ("survey.question.delete", str(second.id))]
    assert {e.actor_id for e in entries} == {people["editor"].id} and {e.draft_id for e in entries} == {draft.id}
    assert entries[0].after["texts"]["en"] == "Do you support this bylaw?"


def test_the_design_is_frozen_once_the_consultation_opens(testapp, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency)
    survey = make_survey(dbsession, draft)
    question = survey.questions[0]
    app = as_user(testapp, "coordinator")
    app.get(design_url(draft), status=403)  # coordinators open consultations; editors write surveys
    form = app.get(f"/consultations/{draft.id}/open").forms["transition"]
    form["start"] = "2026-11-27"
    form["end"] = "2026-12-27"
    form.submit("confirm", status=303)

    app = as_user(testapp, "editor")
    app.get(design_url(draft), status=403)
    app.get(design_url(draft, "questions", str(question.id), "edit"), status=403)
    app.get(design_url(draft, "questions", "add") + "?kind=text", status=403)
    token = app.get_csrf_token("/me/edit")
    app.post(design_url(draft, "questions", str(question.id), "edit"),
             {"csrf_token": token, "fa": "تغییر", "en": "Changed"}, status=403)
    app.post(design_url(draft, "questions", str(question.id), "delete"), {"csrf_token": token}, status=403)
    reload(dbsession)
    assert len(survey.questions) == 4 and question.texts == QUESTIONS[0]["texts"]


@pytest.mark.parametrize("who, status", [("anonymous", 404), ("citizen", 404), ("other_editor", 404),
                                         ("coordinator", 403), ("editor", 200)])
def test_only_the_agencys_editors_design_its_surveys(testapp, dbsession, agency, people, who, status):
    draft = make_draft(dbsession, agency)  # a draft not yet opened exists only for its agency
    as_user(testapp, who).get(design_url(draft), status=status)
    as_user(testapp, who).get(design_url(draft, "questions", "add") + "?kind=text", status=status)


def test_an_editor_of_another_agency_cannot_design_an_open_consultations_survey(testapp, dbsession, agency, people,
                                                                                 clock):
    draft = open_draft(dbsession, agency)
    survey = make_survey(dbsession, draft)
    app = as_user(testapp, "other_editor")
    app.get(design_url(draft), status=403)
    app.get(design_url(draft, "questions", str(survey.questions[0].id), "edit"), status=403)


# --- answering ---------------------------------------------------------------------------------------------


def answer_form(app, draft):
    return app.get(f"/consultations/{draft.id}/survey/").forms["survey"]


def answer_all(form, survey, choice="2", boxes=(0, 2), scale="4", text="  More examples, please.  "):
    single, multiple, scale_question, text_question = survey.questions
    form[f"q{single.id}"] = choice
    for index in boxes:
        form.get("checkbox", index=index).checked = True
    form[f"q{scale_question.id}"] = scale
    form[f"q{text_question.id}"] = text
    return form


def test_a_participant_answers_every_kind_and_revises(testapp, dbsession, agency, people, clock):
    draft = open_draft(dbsession, agency)
    survey = make_survey(dbsession, draft)
    single, multiple, scale, text = survey.questions
    app = as_user(testapp, "citizen")
    page = app.get(f"/consultations/{draft.id}/survey/")
    assert "1. Do you agree with this bylaw?" in page.text and "Partly" in page.text
    assert "Send my answers" in page.text
    page = answer_all(page.forms["survey"], survey).submit("send", status=303).follow()
    assert "Thank you: your answers are saved." in page.text

    submission = dbsession.scalar(sa.select(Submission))
    assert submission.user_id == people["citizen"].id and submission.created_at == NOW
    assert submission.answers == {str(single.id): 2, str(multiple.id): [0, 2], str(scale.id): 4,
                                  str(text.id): "More examples, please."}

    form = page.forms["survey"]  # the form comes back filled with the answers
    assert form[f"q{single.id}"].value == "2" and form[f"q{scale.id}"].value == "4"
    assert [box.checked for box in form.fields["checkbox"]] == [True, False, True]
    assert form[f"q{text.id}"].value == "More examples, please."
    assert "Save my revised answers" in page.text

    clock.advance(days=3)
    form[f"q{single.id}"] = "0"
    form.get("checkbox", index=0).checked = False
    form[f"q{text.id}"] = ""  # optional: may be left out
    form.submit("send", status=303)
    rows = dbsession.scalars(sa.select(Submission).execution_options(populate_existing=True)).all()
    assert len(rows) == 1  # the second sending updated the first
    assert rows[0].answers == {str(single.id): 0, str(multiple.id): [2], str(scale.id): 4}
    assert (rows[0].created_at, rows[0].updated_at) == (NOW, NOW + timedelta(days=3))


def test_each_participant_has_one_submission(testapp, dbsession, agency, people, clock):
    draft = open_draft(dbsession, agency)
    survey = make_survey(dbsession, draft)
    for who in ("citizen", "neighbour", "citizen"):
        answer_all(answer_form(as_user(testapp, who), draft), survey).submit("send", status=303)
    rows = dbsession.scalars(sa.select(Submission)).all()
    assert sorted(row.user_id for row in rows) == sorted([people["citizen"].id, people["neighbour"].id])


def test_the_upsert_keeps_one_row_even_without_the_form(dbsession, agency, people, app, clock):
    """The second send meets the row of the first, as a concurrent send would: the database's unique constraint
    turns the INSERT into an UPDATE, and one row remains."""
    from pyramid.scripting import prepare

    from eparticipation.surveys.services import save_submission

    draft = open_draft(dbsession, agency)
    survey = make_survey(dbsession, draft)
    env = prepare(registry=app.registry)
    request = env["request"]
    request.environ["app.dbsession"] = dbsession
    remember(request, people["citizen"].id)
    try:
        save_submission(request, survey, {"1": 0})
        save_submission(request, survey, {"1": 1})
    finally:
        env["closer"]()
    rows = dbsession.scalars(sa.select(Submission).execution_options(populate_existing=True)).all()
    assert [(row.user_id, row.answers) for row in rows] == [(people["citizen"].id, {"1": 1})]


def test_missing_and_forged_answers_are_refused_keeping_the_others(testapp, dbsession, agency, people, clock):
    draft = open_draft(dbsession, agency)
    survey = make_survey(dbsession, draft)
    single, multiple, scale, text = survey.questions
    app = as_user(testapp, "citizen")
    form = answer_form(app, draft)
    form[f"q{scale.id}"] = "5"
    form[f"q{text.id}"] = "Keep this"
    page = form.submit("send", status=400)
    assert page.text.count("Answer this question.") == 1  # the single choice; the others are answered or optional
    form = page.forms["survey"]
    assert form[f"q{scale.id}"].value == "5" and form[f"q{text.id}"].value == "Keep this"

    form[f"q{single.id}"].force_value("7")  # no such option
    forged_box = form.get("checkbox", index=1)
    forged_box.force_value("9")
    forged_box.checked = True
    page = form.submit("send", status=400)
    assert page.text.count("This option does not exist: choose one of the options offered.") == 2
    form = page.forms["survey"]
    form[f"q{single.id}"].force_value("1")
    form[f"q{scale.id}"].force_value("6")
    form[f"q{text.id}"] = "x" * 501
    page = form.submit("send", status=400)
    assert "Choose a value from 1 to 5." in page.text and "Enter at most 500 characters." in page.text
    assert dbsession.scalar(sa.select(sa.func.count(Submission.id))) == 0


def test_a_required_multiple_choice_needs_a_box_ticked(testapp, dbsession, agency, people, clock):
    draft = open_draft(dbsession, agency)
    survey = make_survey(dbsession, draft, [dict(QUESTIONS[1], required=True)])
    app = as_user(testapp, "citizen")
    page = answer_form(app, draft).submit("send", status=400)
    assert "Answer this question." in page.text
    form = page.forms["survey"]
    form.get("checkbox", index=1).checked = True
    form.submit("send", status=303)
    assert dbsession.scalar(sa.select(Submission.answers)) == {str(survey.questions[0].id): [1]}


def test_in_persian_labels_follow_the_interface_and_messages_are_translated(testapp, dbsession, agency, people,
                                                                            clock):
    draft = open_draft(dbsession, agency)
    survey = make_survey(dbsession, draft)
    app = as_user(testapp, "citizen", language="fa")
    page = app.get(f"/consultations/{draft.id}/survey/")
    assert "۱. آیا با این آیین‌نامه موافقید؟" in page.text and "تا حدی" in page.text
    assert "Do you agree" not in page.text
    scale_labels = [label.text.strip() for label in
                    page.html.find(id=f"item-q{survey.questions[2].id}").find_all("label", class_="form-check-label")]
    assert scale_labels == ["۱", "۲", "۳", "۴", "۵"]
    page = page.forms["survey"].submit("send", status=400)
    persian = make_localizer("fa", [LOCALE_DIR])
    assert persian.translate(ANSWER_THIS) in page.text
    form = page.forms["survey"]
    form[f"q{survey.questions[0].id}"].force_value("12")
    assert persian.translate(NO_SUCH_OPTION) in form.submit("send", status=400).text


def test_labels_fall_back_to_persian(testapp, dbsession, agency, people, clock):
    draft = open_draft(dbsession, agency)
    question = make_survey(dbsession, draft, [dict(kind=QuestionKind.single_choice, required=True,
                                                   texts={"fa": "پرسش"},
                                                   options=[{"fa": "الف"}, {"fa": "ب", "en": "B"}])]).questions[0]
    page = as_user(testapp, "citizen").get(f"/consultations/{draft.id}/survey/")
    assert "1. پرسش" in page.text
    labels = page.html.find(id=f"item-q{question.id}").find_all("label", class_="form-check-label")
    assert [label.text.strip() for label in labels] == ["الف", "B"]


def test_signing_in_is_needed_to_answer(testapp, dbsession, agency, people, clock):
    draft = open_draft(dbsession, agency)
    make_survey(dbsession, draft)
    app = as_user(testapp, "anonymous")
    page = app.get(f"/consultations/{draft.id}/survey/", status=403)
    assert "You need to sign in to see this page." in page.text
    token = app.get_csrf_token()
    app.post(f"/consultations/{draft.id}/survey/", {"csrf_token": token, "send": "send"}, status=403)
    page = as_user(testapp, "anonymous", language="fa").get(f"/consultations/{draft.id}/survey/", status=403)
    assert make_localizer("fa", [LOCALE_DIR]).translate("You need to sign in to see this page.",
                                                        domain="eparticipation") in page.text
    assert dbsession.scalar(sa.select(sa.func.count(Submission.id))) == 0


@pytest.mark.parametrize("state, message", [
    ("draft", "The survey is not open for answers yet: it opens with the consultation."),
    ("future", "The survey opens for answers with the consultation, on 7 December 2026."),
    ("ended", "The consultation has closed: the survey no longer accepts answers."),
    ("closed", "The consultation has closed: the survey no longer accepts answers."),
])
def test_answers_are_refused_outside_the_consultation(testapp, dbsession, agency, people, clock, state, message):
    if state == "draft":
        draft = make_draft(dbsession, agency)
        who = "editor"  # a draft not yet opened exists only for its agency
    elif state == "future":
        draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW + timedelta(days=10),
                           closes_at=NOW + timedelta(days=40))
        who = "citizen"
    elif state == "ended":  # the end has passed: the visit closes it
        draft = open_draft(dbsession, agency)
        clock.advance(days=29)
        who = "citizen"
    else:
        draft = make_draft(dbsession, agency, state="closed", opens_at=NOW - timedelta(days=40),
                           closes_at=NOW - timedelta(days=5))
        who = "citizen"
    survey = make_survey(dbsession, draft)
    app = as_user(testapp, who)
    page = app.get(f"/consultations/{draft.id}/survey/")
    assert message in page.text
    assert ("survey-preview" in page.text) is (state == "draft")  # the agency previews the form before opening
    assert 'id="survey"' not in page.text and "Send my answers" not in page.text
    token = app.get_csrf_token("/me/edit")
    page = app.post(f"/consultations/{draft.id}/survey/",
                    {"csrf_token": token, f"q{survey.questions[2].id}": "3", "send": "send"}, status=403)
    assert message in page.text
    assert dbsession.scalar(sa.select(sa.func.count(Submission.id))) == 0


def test_after_closing_participants_are_told_their_answers_were_recorded(testapp, dbsession, agency, people, clock):
    draft = open_draft(dbsession, agency)
    survey = make_survey(dbsession, draft)
    app = as_user(testapp, "citizen")
    answer_all(answer_form(app, draft), survey).submit("send", status=303)
    clock.advance(days=30)
    page = app.get(f"/consultations/{draft.id}/survey/")
    assert "The consultation has closed" in page.text and "Your answers were recorded on" in page.text


def test_a_draft_without_survey_has_no_survey_page(testapp, dbsession, agency, people, clock):
    draft = open_draft(dbsession, agency)
    as_user(testapp, "citizen").get(f"/consultations/{draft.id}/survey/", status=404)
    as_user(testapp, "anonymous").get(f"/consultations/{draft.id}/survey/nothing", status=404)


def test_the_survey_page_sends_a_bounded_number_of_statements(testapp, dbsession, agency, people, clock,
                                                              query_counter):
    def statements(questions):
        draft = open_draft(dbsession, agency)
        make_survey(dbsession, draft, (QUESTIONS * 5)[:questions])
        answer_all_of = dbsession.scalar(sa.select(Survey).where(Survey.draft_id == draft.id))
        app = as_user(testapp, "citizen")
        page = app.get(f"/consultations/{draft.id}/survey/")
        form = page.forms["survey"]
        for question in answer_all_of.questions:
            if question.kind == QuestionKind.single_choice:
                form[f"q{question.id}"] = "1"
            elif question.kind == QuestionKind.scale:
                form[f"q{question.id}"] = "3"
        form.submit("send", status=303)
        reload(testapp.app_dbsession)
        with query_counter() as counted:
            page = app.get(f"/consultations/{draft.id}/survey/")
        assert "Save my revised answers" in page.text
        return counted.count

    few = statements(2)
    assert statements(20) <= few


# --- the draft page's section ------------------------------------------------------------------------------


def render_section(app, dbsession, draft, user=None, language="en"):
    """templates/surveys/draft_section.jinja2 as the draft page includes it."""
    from pyramid.renderers import render
    from pyramid.request import Request
    from pyramid.scripting import prepare

    env = prepare(request=Request.blank(f"/consultations/{draft.id}/?_LOCALE_={language}"), registry=app.registry)
    request = env["request"]
    request.environ["app.dbsession"] = dbsession
    request.root = env["root"]
    if user is not None:
        remember(request, user.id)
        if user.second_factor is not None:  # signed in with their code, as staff are
            request.session[SECOND_FACTOR_DONE] = user.second_factor.id
    try:
        from eparticipation.surveys import survey_data

        return render("surveys/draft_section.jinja2", {"draft": draft, **survey_data(draft, request)}, request=request)
    finally:
        env["closer"]()


def test_the_draft_page_section(testapp, app, dbsession, agency, people, clock):
    draft = make_draft(dbsession, agency)
    assert "Design the survey" in render_section(app, dbsession, draft, people["editor"])
    assert render_section(app, dbsession, draft, people["coordinator"]).strip() == ""
    make_survey(dbsession, draft)
    text = render_section(app, dbsession, draft, people["editor"])
    assert "The survey has 4 questions" in text and "Preview the participants&#39; form" in text
    assert "Design the survey" in text and "Answer the survey" not in text
    text = render_section(app, dbsession, draft, people["coordinator"])
    assert "The survey has 4 questions" in text and "Design the survey" not in text

    opened = open_draft(dbsession, agency)
    assert render_section(app, dbsession, opened, people["citizen"]).strip() == ""  # no survey, nobody can design
    survey = make_survey(dbsession, opened)
    text = render_section(app, dbsession, opened, None)
    assert "Answer the survey" in text and f"/consultations/{opened.id}/survey/" in text
    assert "Design the survey" not in text
    dbsession.add(Submission(survey_id=survey.id, user_id=people["citizen"].id, answers={}, created_at=NOW,
                             updated_at=NOW))
    dbsession.flush()
    text = render_section(app, dbsession, opened, people["citizen"])
    assert "You have answered the survey." in text and "Revise your answers" in text
    assert "Answer the survey" in render_section(app, dbsession, opened, people["neighbour"])
    clock.advance(days=29)
    text = render_section(app, dbsession, opened, people["citizen"])
    assert "The survey takes answers only while the consultation is open." in text and "Revise" not in text


def test_the_agency_and_auditors_read_what_participants_wrote_to_an_open_question(testapp, dbsession, agency,
                                                                                  people, clock):
    make_user(dbsession, email="auditor@example.org", grants=[("auditor", None)])
    draft = open_draft(dbsession, agency)
    survey = make_survey(dbsession, draft)
    single, multiple, scale, text = survey.questions
    writers = [make_user(dbsession, email=f"writer{n}@example.org", display_name=f"Writer {n}") for n in range(55)]
    for n, writer in enumerate(writers):
        answers = {str(single.id): 0, str(text.id): f"پیشنهاد شماره {n}" if n != 3 else ""}
        dbsession.add(Submission(survey_id=survey.id, user_id=writer.id, answers=answers, created_at=NOW,
                                 updated_at=NOW))
    dbsession.flush()

    app = as_user(testapp, "editor")
    section = app.get(f"/consultations/{draft.id}/").html.select_one(".survey-section")
    link = section.find("a", string=text.texts["en"])
    assert "54 answers" in section.text  # the one left empty is not an answer
    page = app.get(link["href"])
    answers = [item.text for item in page.html.select("main ol li")]
    assert len(answers) == 50 and answers[0] == "پیشنهاد شماره 54"  # newest first
    assert "Writer" not in page.text and "writer" not in page.text  # what was written, not who wrote it
    rest = app.get(page.request.path + page.html.find("a", rel="next")["href"])
    assert [item.text for item in rest.html.select("main ol li")][-1] == "پیشنهاد شماره 0"
    assert rest.html.find("a", rel="next") is None
    answers_path = f"/consultations/{draft.id}/survey/questions/{text.id}/answers"
    app.get(f"/consultations/{draft.id}/survey/questions/{single.id}/answers", status=404)  # counted, not read

    assert as_user(testapp, "auditor").get(answers_path).status_int == 200
    for who in ("citizen", "other_editor", "anonymous"):
        as_user(testapp, who).get(answers_path, status=403)
    citizen_page = as_user(testapp, "citizen").get(f"/consultations/{draft.id}/")
    assert "Answers to the open questions" not in citizen_page.text
