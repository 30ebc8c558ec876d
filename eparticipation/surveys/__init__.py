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


def survey_data(context, request) -> dict:
    """The draft page's survey section's data."""
    from eparticipation.consultations.models import State
    from eparticipation.surveys.services import survey_status

    return {"survey": survey_status(request, context), "before_opening": context.state == State.draft}


def answered_fact():
    """The person's fact for the shared draft page (participation/overlay.py): one row when they answered."""
    import sqlalchemy as sa

    from eparticipation.surveys.models import Submission, Survey

    return (sa.select(sa.literal("survey"), sa.literal("answered"))
            .select_from(Submission).join(Survey, Survey.id == Submission.survey_id)
            .where(Survey.draft_id == sa.bindparam("draft_id"), Submission.user_id == sa.bindparam("user_id")))


def includeme(config):
    from eparticipation.surveys.resources import SurveyResource
    from eparticipation.surveys.services import personal_answers

    config.scan()
    config.include("eparticipation.sections")
    config.add_draft_child("survey", SurveyResource)
    config.add_draft_section("survey", "surveys/draft_section.jinja2", order=40, data=survey_data)
    # On the draft page signed-in participants share: whether this person answered (the section's `personal`).
    config.add_shared_page_part("survey", answered_fact(), lambda value: value or "unanswered")
    config.add_view_predicate("survey_accepting", SurveyAccepting)
    config.add_personal_data("survey_answers", personal_answers)
