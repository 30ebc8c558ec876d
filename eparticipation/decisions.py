"""The vocabulary of an agency's answers, shared by its responses to comments on drafts (responses/) and its
answers to comments on its services (feedback/): one set of decisions, worded once."""

import enum

from eparticipation.i18n import _


class Decision(enum.StrEnum):
    accepted = "accepted"
    partially_accepted = "partially_accepted"
    rejected = "rejected"
    noted = "noted"

    @property
    def needs_legal_basis(self) -> bool:
        """Saying no, wholly or in part, must name the law that stands in the way."""
        return self in (Decision.rejected, Decision.partially_accepted)


DECISION_LABELS = {
    Decision.accepted: _("Accepted"),
    Decision.partially_accepted: _("Partially accepted"),
    Decision.rejected: _("Rejected"),
    Decision.noted: _("Noted"),
}
