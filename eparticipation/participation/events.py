"""Events of participation, sent with `request.registry.notify(...)` in the act's transaction, so that whoever
keeps something that follows from the acts (points, DESIGN I1) writes it in the same transaction without this
domain knowing it."""


class CommentChanged:
    """A comment was added, edited, withdrawn, hidden or restored. `previous_fingerprint` is the text's
    fingerprint before an edit (None otherwise): an edit may take a comment into or out of a campaign."""

    def __init__(self, request, comment, draft, change: str, previous_fingerprint: str | None = None):
        self.request = request
        self.comment = comment
        self.draft = draft
        self.change = change
        self.previous_fingerprint = previous_fingerprint


class VoteCast:
    """The signed-in person voted (for the first time or again) on the draft."""

    def __init__(self, request, draft):
        self.request = request
        self.draft = draft
