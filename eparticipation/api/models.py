"""What the open-data API needs of the schema: an index for paging the consultations by when they last changed
(`sort=lastModifiedDate`, how a client that keeps a copy asks only for what moved). The drafts' own indexes serve
the listing's order (listed_at, id) and the comments' (draft_id, created_at, id)."""

import sqlalchemy as sa

from eparticipation.consultations.models import Draft

DRAFTS_BY_CHANGE = sa.Index("ix_drafts_updated_at_id", Draft.__table__.c.updated_at, Draft.__table__.c.id)
