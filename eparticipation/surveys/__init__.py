"""Surveys (DESIGN P3): a draft's agency designs a survey before the consultation opens; signed-in
participants answer it, once each and revisably, while the consultation accepts participation."""


class SurveyAccepting:
    """View predicate `survey_accepting=True|False`: whether the survey's draft accepts answers now. The
    answering view (SurveyAnswer) and the refusal with its reason (DraftView) are chosen by it."""

    def __init__(self, value, config):
        self.value = bool(value)

    def text(self):
        return f"survey_accepting = {self.value}"

    phash = text

    def __call__(self, context, request):
        return context.draft.is_accepting(request.now) is self.value


def includeme(config):
    from eparticipation.consultations.models import register_draft_child
    from eparticipation.surveys.resources import SurveyResource
    from eparticipation.surveys.services import personal_answers, survey_status

    register_draft_child("survey", SurveyResource)
    config.add_view_predicate("survey_accepting", SurveyAccepting)
    # Templates ask `request.survey_status(draft)` (the draft page's survey section).
    config.add_request_method(survey_status, "survey_status")
    config.add_personal_data("survey_answers", personal_answers)
