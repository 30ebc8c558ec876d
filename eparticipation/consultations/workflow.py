"""The workflow of a draft (DESIGN §4): draft → consultation → closed → published.

One module holds the transitions, their guards and their effects; acl.py the states' permissions.
The ACL of a draft is computed from this table at request time, so changing the workflow needs no
data migration. Later parts of the system add guards with `config.add_workflow_guard(name, guard)`
and react to `DraftTransitioned` events.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable

import sqlalchemy as sa
from pyramid.i18n import TranslationString

# The states' permissions and the draft's ACL are in acl.py (the draft asks it for its ACL without importing this
# module); imported here for the modules that have always found them in the workflow.
from eparticipation.consultations.acl import STATE_PERMISSIONS, TAKING_PART, acl_for, state_acl  # noqa: F401
from eparticipation.consultations.models import (
    ConsultedArticle,
    Draft,
    State,
    WorkflowEvent,
)
from eparticipation.i18n import DISPLAY_TIMEZONE, LANGUAGE_LABELS, _
from eparticipation.permissions import Permissions as P


class TransitionRefused(Exception):
    def __init__(self, problems: list[TranslationString]):
        super().__init__(problems)
        self.problems = problems


# A guard looks at the draft and the transition's parameters and returns the problems it finds.
Guard = Callable[..., list[TranslationString]]


@dataclass(frozen=True)
class Transition:
    name: str
    source: State
    target: State
    permission: P | None  # None: only the system makes it (the clock closing a consultation)
    title: TranslationString
    needs_reason: bool = False
    guards: tuple[Guard, ...] = field(default=())


# --- guards -------------------------------------------------------------------------------------------


def local_date(moment: datetime) -> date:
    return moment.astimezone(DISPLAY_TIMEZONE).date()


def start_of_day(day: date) -> datetime:
    """Midnight in Tehran, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=DISPLAY_TIMEZONE)


def required_languages_present(draft, request, **params):
    problems = []
    labels = {"title": _("title"), "summary": _("summary"), "call": _("call for participation")}
    for language in request.registry.settings["eparticipation.required_languages"]:
        text = draft.texts.get(language)
        for attribute, label in labels.items():
            if text is None or not getattr(text, attribute).strip():
                problems.append(_("The ${part} in ${language} is missing.",
                                  mapping={"part": label, "language": LANGUAGE_LABELS.get(language, language)}))
    return problems


def has_articles(draft, request, **params):
    """A draft document is consulted article by article; a service, a process or an action may have no sections
    (comments are then on the whole)."""
    if not draft.is_document:
        return []
    return [] if draft.articles else [_("The draft has no articles yet.")]


def supporting_documents_present(draft, request, **params):
    """The supporting documents the site requires of a draft document before it opens, each one named."""
    from eparticipation.consultations.models import SupportingKind
    from eparticipation.consultations.schemas import SUPPORTING_LABELS

    if not draft.is_document:
        return []
    present = {d.kind for d in draft.supporting_documents}
    missing = [SupportingKind(kind) for kind in request.registry.settings[
        "eparticipation.consultations.required_supporting_documents"] if SupportingKind(kind) not in present]
    if not missing:
        return []
    names = ("، " if request.locale_name == "fa" else ", ").join(
        request.localizer.translate(SUPPORTING_LABELS[kind]) for kind in missing)
    return [_("Before it opens, the draft needs its supporting documents: ${missing}.", mapping={"missing": names})]


def dates_allow_opening(draft, request, start: date, end: date, **params):
    # The minimum length (30 days) is the law's for draft documents; a service, a process or an action lasts as
    # long as its editors choose, at least one day.
    minimum = request.registry.settings["eparticipation.min_consultation_days"] if draft.is_document else 1
    problems = []
    if start < local_date(request.now):
        problems.append(_("The consultation cannot start in the past."))
    # Both the first and the last day are days of the consultation: 30 days from 11 Azar end on 10 Dey.
    earliest_end = start + timedelta(days=minimum - 1)
    if end < earliest_end:
        problems.append(
            _("The consultation must last at least ${days} days: end it on ${date} or later.",
              mapping={"days": minimum, "date": earliest_end})
        )
    return problems


def dates_within_reach(draft, request, end: date, start: date | None = None, **params):
    """No consultation is planned years ahead: a date that far is a typing mistake (a year typed wrong, or a
    date of one calendar typed as the other)."""
    years = request.registry.settings["eparticipation.max_years_ahead"]
    today = local_date(request.now)
    furthest = today.replace(year=today.year + years, day=28 if (today.month, today.day) == (2, 29) else today.day)
    problems = []
    if start is not None and start > furthest:
        problems.append(_("The consultation cannot start later than ${date}, ${years} years from today.",
                          mapping={"date": furthest, "years": years}))
    if end > furthest:
        problems.append(_("The consultation cannot end later than ${date}, ${years} years from today.",
                          mapping={"date": furthest, "years": years}))
    return problems


def end_moves_later(draft, request, end: date, **params):
    if end <= draft.last_day():
        return [_("An extension must move the end later than ${date}.", mapping={"date": draft.last_day()})]
    return []


def end_has_passed(draft, request, **params):
    return [] if request.now >= draft.closes_at else [_("The consultation has not reached its end yet.")]


def end_not_passed(draft, request, **params):
    return [_("The consultation has already ended.")] if request.now >= draft.closes_at else []


# --- effects ------------------------------------------------------------------------------------------


def open_consultation(draft, request, start: date, end: date, **params):
    draft.opens_at = max(start_of_day(start), request.now) if start == local_date(request.now) else start_of_day(start)
    draft.closes_at = start_of_day(end + timedelta(days=1))
    draft.listed_at = draft.opens_at
    # The consulted text is frozen: a copy that the final text is later compared with.
    draft.consulted_articles = [
        ConsultedArticle(
            number=a.number, position=a.position, chapter=a.chapter, heading=a.heading, text=a.text, notes=list(a.notes)
        )
        for a in draft.articles
    ]
    return {"opens_at": draft.opens_at.isoformat(), "closes_at": draft.closes_at.isoformat()}


def extend_consultation(draft, request, end: date, **params):
    before = draft.closes_at
    draft.closes_at = start_of_day(end + timedelta(days=1))
    return {"closes_at_before": before.isoformat(), "closes_at": draft.closes_at.isoformat()}


def close_consultation(draft, request, reason=None, **params):
    draft.closed_at = request.now
    if reason:
        draft.withdrawal_reason = reason
    return {}


def publish(draft, request, **params):
    draft.published_at = request.now
    return {}


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("open", State.draft, State.consultation, P.DraftOpen, _("Open the consultation"),
                   guards=(required_languages_present, has_articles, supporting_documents_present, dates_allow_opening,
                           dates_within_reach)),
        Transition("extend", State.consultation, State.consultation, P.DraftExtend, _("Extend the consultation"),
                   needs_reason=True, guards=(end_not_passed, end_moves_later, dates_within_reach)),
        Transition("withdraw", State.consultation, State.closed, P.DraftWithdraw, _("Withdraw the consultation"),
                   needs_reason=True, guards=(end_not_passed,)),
        Transition("close", State.consultation, State.closed, None, _("Close the consultation"),
                   guards=(end_has_passed,)),
        Transition("publish", State.closed, State.published, P.DraftPublish, _("Publish the outcome")),
    )
}
EFFECTS = {
    "open": open_consultation,
    "extend": extend_consultation,
    "withdraw": close_consultation,
    "close": close_consultation,
    "publish": publish,
}


class DraftTransitioned:
    """Sent after every transition, in the same transaction (for audit, notifications, syndication)."""

    def __init__(self, draft: Draft, event: WorkflowEvent, request):
        self.draft = draft
        self.event = event
        self.request = request


def guards_of(registry, transition: Transition) -> list[Guard]:
    return list(transition.guards) + registry.get("workflow_guards", {}).get(transition.name, [])


def offered_transitions(draft: Draft, request) -> list[Transition]:
    """The transitions this user may make now: the UI offers only these."""
    return [
        t for t in TRANSITIONS.values()
        if t.source == draft.state and t.permission is not None and request.has_permission(t.permission, draft)
    ]


def check(draft: Draft, request, name: str, **params) -> list[TranslationString]:
    transition = TRANSITIONS[name]
    if draft.state != transition.source:
        return [_("This step is not possible while the draft is in this state.")]
    problems = []
    for guard in guards_of(request.registry, transition):
        problems.extend(guard(draft, request, **params))
    return problems


def make_transition(draft: Draft, request, name: str, reason: str | None = None, **params) -> WorkflowEvent:
    """Check the guards, change the state, record who did it and why, and tell the subscribers.
    The caller has checked the permission (views) or is the system (the clock)."""
    transition = TRANSITIONS[name]
    if transition.needs_reason and not (reason or "").strip():
        raise TransitionRefused([_("Give the reason for this step.")])
    problems = check(draft, request, name, **params)
    if problems:
        raise TransitionRefused(problems)
    details = EFFECTS[name](draft, request, reason=reason, **params)
    event = WorkflowEvent(
        transition=name,
        from_state=draft.state,
        to_state=transition.target,
        # The clock's transitions are the system's, whoever's visit noticed that the end had passed.
        actor_id=request.identity.id if request.identity is not None and transition.permission else None,
        at=request.now,
        reason=reason,
        details=details,
    )
    draft.state = transition.target
    draft.updated_at = request.now
    draft.events.append(event)
    request.registry.notify(DraftTransitioned(draft, event, request))
    return event


def close_if_ended(draft: Draft, request) -> bool:
    """W3: a consultation whose end has passed is closed, by the clock's tick or by the first visit after it."""
    if draft.state == State.consultation and request.now >= draft.closes_at:
        lock_draft(request.dbsession, draft)
        if draft.state == State.consultation and request.now >= draft.closes_at:
            make_transition(draft, request, "close")
            return True
    return False


def lock_draft(dbsession, draft: Draft):
    """The draft's row, locked and read again, as the tick locks it: of the visits (and the tick) that notice
    at once that the end has passed, one closes the consultation; the others wait for it and see it closed."""
    dbsession.execute(sa.select(Draft.id).where(Draft.id == draft.id).with_for_update())
    dbsession.refresh(draft, ["state", "closes_at", "closed_at", "updated_at"])


def add_workflow_guard(config, transition_name: str, guard: Guard):
    if transition_name not in TRANSITIONS:
        raise ValueError(f"no transition called {transition_name!r}")

    def register():
        config.registry.setdefault("workflow_guards", {}).setdefault(transition_name, []).append(guard)

    config.action(("workflow_guard", transition_name, guard), register)


def includeme(config):
    config.add_directive("add_workflow_guard", add_workflow_guard)
