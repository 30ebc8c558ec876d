"""/consultations/<id>/responses/ and /consultations/<id>/responses/<response id>/."""

import sqlalchemy as sa

from eparticipation.responses.models import Response


class ResponseContainer:
    __name__ = "responses"
    __parent__ = None

    def __init__(self, draft):
        self.draft = draft

    def __getitem__(self, name):
        if not (name.isascii() and name.isdigit()):
            raise KeyError(name)
        response = sa.inspect(self.draft).session.get(Response, int(name))
        if response is None or response.draft_id != self.draft.id:
            raise KeyError(name)
        response.__parent__ = self
        return response
