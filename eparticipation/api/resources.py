"""The API's part of the traversal tree, with nothing loaded that a request does not answer with:

    /api/                                       ApiRoot: the page for people
    /api/v1/                                    ApiV1 (its view `openapi.json`: the description)
    /api/v1/agencies                            ApiAgencies
    /api/v1/consultations                       ApiConsultations
    /api/v1/consultations/<id>                  ApiConsultation (views `comments`, `report`, `tally`)

Everything here is public: a consultation is found only once it has been opened, whoever asks (the API answers
every client the same, so its answers can be cached and compared by ETag); a signed-in person's roles give no
more. Each ACL grants site:view to everyone and ends in DENY_ALL.
"""

from functools import lru_cache

import sqlalchemy as sa

from eparticipation.agencies.models import Agency
from eparticipation.consultations.models import Draft, State
from eparticipation.permissions import Permissions
from eparticipation.resources import Container, grants, path_number
from pyramid.authorization import Everyone


class ApiNode(Container):
    def __acl__(self):
        return grants((Everyone, Permissions.SiteView))

    def __getitem__(self, name):
        raise KeyError(name)


class ApiRoot(ApiNode):
    """/api/: what the API offers, for people (fa, en)."""

    def __init__(self, parent):
        super().__init__(parent.request, "api", parent)

    def __getitem__(self, name):
        if name == "v1":
            return ApiV1(self.request, name, self)
        raise KeyError(name)


class ApiV1(ApiNode):
    def __getitem__(self, name):
        if name == "agencies":
            return ApiAgencies(self.request, name, self)
        if name == "consultations":
            return ApiConsultations(self.request, name, self)
        raise KeyError(name)


class ApiAgencies(ApiNode):
    pass


# What the consultation's own views need of its row, read once by traversal (one statement).
CONSULTATION_COLUMNS = (
    Draft.id, Draft.state, Draft.agency_id, Agency.code.label("agency_code"), Draft.updated_at,
    Draft.participation_version,
)


@lru_cache(maxsize=1)
def consultation_statement():
    """Built once, the id bound per request: building a select costs more than running it on the primary key."""
    return (sa.select(*CONSULTATION_COLUMNS).join(Agency, Agency.id == Draft.agency_id)
            .where(Draft.id == sa.bindparam("draft_id"), Draft.state != State.draft))


class ApiConsultations(ApiNode):
    def __getitem__(self, name):
        number = path_number(name)
        row = self.request.api_connection.execute(consultation_statement(), {"draft_id": number}).one_or_none()
        if row is None:
            raise KeyError(name)
        return ApiConsultation(self.request, name, self, row)


class ApiConsultation(ApiNode):
    """One opened consultation: `row` holds CONSULTATION_COLUMNS."""

    def __init__(self, request, name, parent, row):
        super().__init__(request, name, parent)
        self.row = row

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def state(self) -> State:
        return self.row.state

    @property
    def published(self) -> bool:
        return self.row.state == State.published
