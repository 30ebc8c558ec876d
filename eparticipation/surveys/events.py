"""Events of the surveys, sent in the answer's transaction (points, DESIGN I1, subscribe to them)."""


class SurveyAnswered:
    """The signed-in person sent their answers to the draft's survey (for the first time or again)."""

    def __init__(self, request, survey):
        self.request = request
        self.survey = survey
