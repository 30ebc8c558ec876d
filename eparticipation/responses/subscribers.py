"""On publishing (W4), everyone who took part in the consultation is told (R3) — those whose comments were
answered that their answers are out, everyone else that the outcome is: in their inbox, by e-mail and on the
messengers they linked, through the outbox, in the same transaction as the publishing."""

from eparticipation.i18n import _, localize_digits
from eparticipation.messaging import Notice, notify_all
from eparticipation.messaging.services import language_of, translate_for
from eparticipation.responses.schemas import DECISION_LABELS
from eparticipation.responses.services import AnswerLine, answers_by_author, participants

# The answers a message lists before it sends the reader to the page for the rest; with each reason cut at
# REASON_IN_MESSAGE characters the whole stays within a messenger's 4,096.
ANSWERS_IN_MESSAGE = 5
REASON_IN_MESSAGE = 300


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
    answers = answers_by_author(request.dbsession, draft, ANSWERS_IN_MESSAGE)
    for participant in participants(request.dbsession, draft):
        user = participant.user
        language = user.locale or "fa"
        text = draft.text(language)
        mapping = {"agency": agency.name(language), "title": text.title if text else ""}
        if participant.answered:
            subject = _("Your comments on “${title}” have been answered", mapping=mapping)
            body = answered_body(request, user, participant.answered, answers.get(user.id, []), mapping)
            link = own_answers
        else:
            subject = _("The outcome of the consultation on “${title}” has been published", mapping=mapping)
            body = _("${agency} has published the outcome of its consultation on “${title}”, in which you took "
                     "part: what it heard, what it decided and why, and the final text. Read it here:",
                     mapping=mapping)
            link = outcome
        notices.append(Notice(user, subject, body, link))
    notify_all(request, notices, key=f"responses:draft:{draft.id}")


def answered_body(request, user, count: int, lines: list[AnswerLine], mapping: dict) -> str:
    """The message to a person whose comments were answered: the answers themselves (where, the decision, the
    reason and the legal basis), up to ANSWERS_IN_MESSAGE of them, in the person's language."""
    registry = request.registry
    language = language_of(registry, user)

    def words(term):
        return translate_for(registry, language, term)

    intro = words(_("${agency} has published the outcome of its consultation on “${title}” and its response to "
                    "${count} of your comments:", mapping={**mapping, "count": count}))
    listed = []
    for line in lines:
        where = (words(_("Article ${number}", mapping={"number": localize_digits(line.article_number, language)}))
                 if line.article_number else words(_("The whole draft")))
        reason = line.reason if len(line.reason) <= REASON_IN_MESSAGE else line.reason[:REASON_IN_MESSAGE - 1] + "…"
        answer = words(_("${where} — ${decision}: ${reason}", mapping={
            "where": where, "decision": words(DECISION_LABELS[line.decision]), "reason": reason}))
        if line.legal_basis_law:
            article = line.legal_basis_article or ""
            answer += " " + words(_("(Legal basis: ${law}${article})", mapping={
                "law": line.legal_basis_law, "article": ("، " if language == "fa" else ", ") + article if article else ""}))
        listed.append("• " + answer)
    if count > len(lines):
        listed.append(words(_("…and ${count} more answers on the page below.", mapping={"count": count - len(lines)})))
    closing = words(_("Every answer, with the reasons and the final text:"))
    return "\n\n".join(part for part in (intro, "\n".join(listed), closing) if part)
