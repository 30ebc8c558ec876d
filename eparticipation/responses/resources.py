"""/consultations/<id>/responses/ and /consultations/<id>/responses/<response id>/."""

from eparticipation.resources import DraftRows
from eparticipation.responses.models import Response


class ResponseContainer(DraftRows):
    __name__ = "responses"
    model = Response
