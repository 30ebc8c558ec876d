"""Pages of a draft's survey.

    /consultations/<id>/survey/                         the participant's form (SurveyAnswer, while accepting);
                                                        otherwise why it takes no answers (DraftView), with a
                                                        preview of the form for the agency before opening
    /consultations/<id>/survey/design                   the questions, to add, edit, reorder, remove (SurveyDesign)
    /consultations/<id>/survey/questions/add?kind=…     a new question of that kind (SurveyDesign)
    /consultations/<id>/survey/questions/<qid>/edit     (SurveyDesign)
    /consultations/<id>/survey/questions/<qid>/move     POST direction=up|down (SurveyDesign)
    /consultations/<id>/survey/questions/<qid>/delete   POST (SurveyDesign)

Results are not shown here: the consultation's report presents them.
"""

import deform
from pyramid.decorator import reify
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from eparticipation import ratelimits
from eparticipation.audit import record
from eparticipation.consultations.models import State
from eparticipation.forms import FormView, keyset_param
from eparticipation.i18n import _, flash
from eparticipation.participation.services import Refused, limit
from eparticipation.permissions import Permissions
from eparticipation.surveys import services
from eparticipation.surveys.models import Question, QuestionKind, Survey
from eparticipation.surveys.resources import QuestionContainer, SurveyResource
from eparticipation.surveys.schemas import (
    KIND_LABELS,
    answer_schema,
    answers_from_form,
    filled_options,
    form_from_answers,
    question_appstruct,
    question_schema,
)


def presentation(request, draft):
    return {
        "draft": draft,
        "last_day": draft.last_day(),
        "kind_labels": KIND_LABELS,
        "draft_url": request.resource_url(request.root, "consultations", str(draft.id), ""),
        "survey_url": lambda *elements, **kw: services.survey_url(request, draft, *elements, **kw),
    }


# --- answering ---------------------------------------------------------------------------------------------


@view_config(context=SurveyResource, renderer="surveys/survey.jinja2", permission=Permissions.SurveyAnswer,
             survey_accepting=True)
class AnswerView(FormView):
    """The participant's form; sent again, it replaces their answers (one submission each)."""

    formid = "survey"

    @reify
    def submission(self):
        return services.submission_of(self.request, self.context.survey)

    @property
    def buttons(self):
        if self.submission is not None:
            return (("send", _("Save my revised answers")),)
        return (("send", _("Send my answers")),)

    def schema(self):
        return answer_schema(self.context.questions, self.request.locale_name)

    def appstruct(self):
        if self.submission is None:
            return {}
        return form_from_answers(self.context.questions, self.submission.answers)

    def __call__(self):
        if not self.context.questions:
            raise HTTPNotFound()
        return super().__call__()

    def save(self, appstruct):
        try:
            limit(self.request, "survey")
        except Refused as refused:
            # The form again, as it was filled in, with the reason and when to come back.
            ratelimits.retry_after(self.request.response, refused.retry_after)
            return self.page(self.form().render(appstruct), message=refused.message)
        services.save_submission(self.request, self.context.survey,
                                 answers_from_form(self.context.questions, appstruct))
        flash(self.request, _("Thank you: your answers are saved. You can revise them until the consultation closes."))
        return HTTPSeeOther(services.survey_url(self.request, self.context.draft))

    def page(self, rendered_form, **extra):
        extra.setdefault("message", None)
        return super().page(rendered_form, preview=False, submission=self.submission,
                            **presentation(self.request, self.context.draft), **extra)


@view_config(context=SurveyResource, renderer="surveys/survey.jinja2", permission=Permissions.DraftView,
             survey_accepting=False)
def survey_not_accepting(context, request):
    """Before the consultation opens or after it closes: the reason, and nothing is stored (a POST is refused).
    Before opening, those who can see the draft see a preview of the participants' form."""
    if not context.questions:
        raise HTTPNotFound()
    draft = context.draft
    rendered = None
    if request.method == "POST":
        request.response.status_int = 403
    elif draft.state == State.draft:
        schema = answer_schema(context.questions, request.locale_name).bind(request=request, context=context)
        rendered = deform.Form(schema, buttons=(), formid="survey-preview").render()
    return {
        "form": rendered,
        "preview": rendered is not None,
        "message": services.not_accepting_message(draft, request.now),
        "submission": services.submission_of(request, context.survey),
        **presentation(request, draft),
    }


# --- designing ---------------------------------------------------------------------------------------------


@view_config(context=SurveyResource, name="design", renderer="surveys/design.jinja2",
             permission=Permissions.SurveyDesign)
def design(context, request):
    return {"questions": context.questions, "kinds": list(QuestionKind), **presentation(request, context.draft)}


def draft_of(context):
    """The draft of the question container, or of a question (through its container)."""
    return context.draft if isinstance(context, QuestionContainer) else context.__parent__.draft


def changed(request, draft, message, action: str, question=None, *, question_id=None):
    """After a change of the survey's design: the draft's date, the audit log, the message, back to the design."""
    draft.updated_at = request.now
    after = None
    if question is not None:
        after = {"position": question.position, "kind": question.kind, "texts": question.texts,
                 "options": question.options, "required": question.required}
    record(request, action, question, draft=draft, object_type="Question",
           object_id=question.id if question is not None else question_id, after=after)
    flash(request, message)
    url = services.survey_url(request, draft, "design")
    return HTTPSeeOther(url + (f"#question-{question.id}" if question is not None else ""))


class QuestionFormView(FormView):
    formid = "question"
    kind: QuestionKind

    @property
    def languages(self):
        return self.request.registry.settings["eparticipation.required_languages"]

    def schema(self):
        return question_schema(self.kind, self.languages)

    def apply(self, question: Question, appstruct):
        question.texts = {language: appstruct["text"][language] for language in self.languages}
        question.options = filled_options(appstruct["options"]) if self.kind.has_options else []
        question.required = appstruct["required"]

    def page(self, rendered_form, **extra):
        return super().page(rendered_form, title=self.title, kind=self.kind,
                            **presentation(self.request, draft_of(self.context)), **extra)


@view_config(context=QuestionContainer, name="add", renderer="surveys/question_form.jinja2",
             permission=Permissions.SurveyDesign)
class QuestionAddView(QuestionFormView):
    title = _("New question")
    buttons = (("add", _("Add the question")),)

    @reify
    def kind(self):
        try:
            return QuestionKind(self.request.params.get("kind", ""))
        except ValueError:
            raise HTTPNotFound() from None

    def save(self, appstruct):
        resource = self.context.survey_resource
        survey = resource.survey
        if survey is None:
            survey = Survey(draft_id=resource.draft.id, created_at=self.request.now)
            self.request.dbsession.add(survey)
        question = Question(kind=self.kind, position=max((q.position for q in survey.questions), default=0) + 1)
        self.apply(question, appstruct)
        survey.questions.append(question)
        self.request.dbsession.flush()
        return changed(self.request, resource.draft, _("The question is added."), "survey.question.add", question)


@view_config(context=Question, name="edit", renderer="surveys/question_form.jinja2",
             permission=Permissions.SurveyDesign)
class QuestionEditView(QuestionFormView):
    title = _("Edit the question")

    @property
    def kind(self):
        return self.context.kind

    def appstruct(self):
        return question_appstruct(self.context, self.languages)

    def save(self, appstruct):
        self.apply(self.context, appstruct)
        return changed(self.request, draft_of(self.context), _("The question is saved."), "survey.question.edit",
                       self.context)


@view_config(context=Question, name="move", request_method="POST", permission=Permissions.SurveyDesign)
def move_question(context, request):
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise HTTPBadRequest(_("Say whether to move the question up or down."))
    questions = list(context.__parent__.survey_resource.questions)
    index = questions.index(context)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
        for position, question in enumerate(questions, start=1):
            question.position = position
    return changed(request, draft_of(context), _("The question is moved."), "survey.question.move", context)


@view_config(context=Question, name="delete", request_method="POST", permission=Permissions.SurveyDesign)
def delete_question(context, request):
    survey = context.__parent__.survey_resource.survey
    survey.questions.remove(context)
    for position, question in enumerate(survey.questions, start=1):
        question.position = position
    return changed(request, draft_of(context), _("The question is removed."), "survey.question.delete",
                   question_id=context.id)


# --- reading the answers -----------------------------------------------------------------------------------


@view_config(context=Question, name="answers", renderer="surveys/text_answers.jinja2", request_method="GET",
             permission=Permissions.DraftHistory)
def text_answers(context, request):
    """What participants wrote to a short-text question, for the agency and auditors: the report only counts
    these answers. Newest first, paged; nothing says who wrote which."""
    if context.kind != QuestionKind.text:
        raise HTTPNotFound()
    draft = draft_of(context)
    answers, next_before = services.text_answers(request.dbsession, context, keyset_param(request, "before"))
    return {"question": context, "answers": answers, "next_before": next_before, **presentation(request, draft)}
