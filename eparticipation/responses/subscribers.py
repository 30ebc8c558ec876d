"""On publishing (W4), everyone who took part in the consultation is told (R3) — those whose comments were
answered that their answers are out, everyone else that the outcome is: in their inbox, by e-mail and on the
messengers they linked, through the outbox, in the same transaction as the publishing."""

from eparticipation.i18n import _
from eparticipation.messaging import Notice, notify_all
from eparticipation.responses.services import participants


def tell_participants(event):
    if event.event.transition == "publish":
        announce_outcome(event.request, event.draft)


def announce_outcome(request, draft):
    """One message to each participant (once per draft: the notices' key), in their language; written in a
    few statements per thousand people, however many took part."""
    outcome = request.resource_url(request.root, "consultations", str(draft.id), "outcome")
    own_answers = request.resource_url(request.root, "consultations", str(draft.id), "outcome", query={"mine": "1"})
    agency = draft.agency
    notices = []
    for participant in participants(request.dbsession, draft):
        user = participant.user
        language = user.locale or "fa"
        text = draft.text(language)
        mapping = {"agency": agency.name(language), "title": text.title if text else ""}
        if participant.answered:
            subject = _("Your comments on “${title}” have been answered", mapping=mapping)
            body = _("${agency} has published the outcome of its consultation on “${title}” and its response to "
                     "${count} of your comments, with the reasons and legal basis. Read them here:",
                     mapping={**mapping, "count": participant.answered})
            link = own_answers
        else:
            subject = _("The outcome of the consultation on “${title}” has been published", mapping=mapping)
            body = _("${agency} has published the outcome of its consultation on “${title}”, in which you took "
                     "part: what it heard, what it decided and why, and the final text. Read it here:",
                     mapping=mapping)
            link = outcome
        notices.append(Notice(user, subject, body, link))
    notify_all(request, notices, key=f"responses:draft:{draft.id}")
