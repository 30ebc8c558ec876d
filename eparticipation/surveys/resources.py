"""/consultations/<id>/survey/ and /consultations/<id>/survey/questions/<question id>/.

The survey is a child of its draft (config.add_draft_child), so it inherits the draft's ACL: SurveyDesign
exists only while the draft is a draft, SurveyAnswer only during the consultation."""

import sqlalchemy as sa
from pyramid.decorator import reify
from sqlalchemy.orm import object_session, selectinload

from eparticipation.resources import path_number
from eparticipation.surveys.models import Question, Survey


class SurveyResource:
    """The draft's survey, which exists as a place even before its first question (the editors design it here)."""

    __name__ = "survey"
    __parent__ = None

    def __init__(self, draft):
        self.draft = draft

    @property
    def dbsession(self):
        return object_session(self.draft)

    @reify
    def survey(self) -> Survey | None:
        return self.dbsession.scalar(
            sa.select(Survey).where(Survey.draft_id == self.draft.id).options(selectinload(Survey.questions))
        )

    @property
    def questions(self) -> list[Question]:
        return self.survey.questions if self.survey is not None else []

    def __getitem__(self, name):
        if name == "questions":
            container = QuestionContainer(self)
            container.__name__, container.__parent__ = name, self
            return container
        raise KeyError(name)


class QuestionContainer:
    """The survey's questions, by id (an id stays the same when the questions are reordered)."""

    __name__ = "questions"
    __parent__ = None

    def __init__(self, survey_resource: SurveyResource):
        self.survey_resource = survey_resource

    @property
    def draft(self):
        return self.survey_resource.draft

    def __getitem__(self, name):
        number = path_number(name)
        question = next((q for q in self.survey_resource.questions if q.id == number), None)
        if question is None:
            raise KeyError(name)
        question.__name__, question.__parent__ = name, self
        return question
