"""On publishing (W4), everyone who took part in the consultation is told (R3) — those whose comments were
answered that their answers are out, everyone else that the outcome is: in their inbox, by e-mail and on the
messengers they linked, through the outbox. The publishing request only queues the announcement (one row); the
delivery worker writes its messages, in a transaction of its own, before it delivers them."""

from types import SimpleNamespace

import sqlalchemy as sa

from eparticipation.consultations.models import Draft
from eparticipation.db import dialect_insert
from eparticipation.i18n import _, localize_digits
from eparticipation.messaging import Notice, notify_all
from eparticipation.messaging.services import language_of, translate_for
from eparticipation.responses.models import OutcomeAnnouncement
from eparticipation.responses.schemas import DECISION_LABELS
from eparticipation.responses.services import AnswerLine, answers_by_author, participants

# The answers a message lists before it sends the reader to the page for the rest; with each reason cut at
# REASON_IN_MESSAGE characters the whole stays within a messenger's 4,096.
ANSWERS_IN_MESSAGE = 5
REASON_IN_MESSAGE = 300


def tell_participants(event):
    if event.event.transition == "publish":
        queue_announcement(event.request, event.draft)


def outcome_links(request, draft) -> tuple[str, str]:
    """The outcome page, and the same page showing the reader's own answers."""
    outcome = request.resource_url(request.root, "consultations", str(draft.id), "outcome")
    return outcome, request.resource_url(request.root, "consultations", str(draft.id), "outcome",
                                         query={"mine": "1"})


def queue_announcement(request, draft) -> None:
    outcome, own_answers = outcome_links(request, draft)
    request.dbsession.execute(
        dialect_insert(request.dbsession, OutcomeAnnouncement)
        .values(draft_id=draft.id, outcome_link=outcome, answers_link=own_answers, queued_at=request.now)
        .on_conflict_do_nothing(index_elements=["draft_id"])
    )


def announce_next(dbsession, registry, now) -> int:
    """Write the messages of the oldest queued announcement, in the caller's transaction; 0 when none is queued,
    else the people told (at least 1, an announcement having been dealt with)."""
    announcement = dbsession.scalars(
        sa.select(OutcomeAnnouncement)
        .where(OutcomeAnnouncement.done_at.is_(None))
        .order_by(OutcomeAnnouncement.queued_at, OutcomeAnnouncement.id)
        .limit(1)
        .with_for_update(skip_locked=True)  # two workers never write one announcement
    ).first()
    if announcement is None:
        return 0
    draft = dbsession.get(Draft, announcement.draft_id)
    worker = SimpleNamespace(registry=registry, dbsession=dbsession, now=now)
    told = announce_outcome(worker, draft, (announcement.outcome_link, announcement.answers_link))
    announcement.done_at, announcement.told = now, told
    dbsession.flush()
    return max(told, 1)


def announce_queued(registry) -> int:
    """The delivery worker's task: one queued announcement, in a transaction of its own."""
    from eparticipation.clock import get_clock

    with registry["dbsession_factory"]() as dbsession, dbsession.begin():
        return announce_next(dbsession, registry, get_clock(registry).now())


def announce_outcome(request, draft, links: tuple[str, str] | None = None) -> int:
    """One message to each participant (once per draft: the notices' key), in their language; written in a
    few statements per thousand people, however many took part. `request` needs only registry, dbsession and
    now when the links are given. How many people were told."""
    outcome, own_answers = links or outcome_links(request, draft)
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
    return len(notices)


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
