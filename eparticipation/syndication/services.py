"""Writing pushes (in the transition's transaction) and putting dead ones back."""

import secrets

import sqlalchemy as sa

from eparticipation.syndication.models import PushStatus, SyndicationPush
from eparticipation.syndication.payload import EVENTS, build_payload, encode
from eparticipation.syndication.settings import syndication_config


def new_key() -> str:
    """An idempotency key: random, so that it is unique beyond this database's ids (a database restored or
    built anew counts them from 1 again), and kept with the push, so that every attempt sends the same one."""
    return secrets.token_hex(16)


def on_transition(event):
    """DraftTransitioned: the push of the transition, when syndication is on. Written in the transition's
    transaction, so it exists exactly when the transition was committed."""
    request, draft, step = event.request, event.draft, event.event
    config = syndication_config(request.registry)
    if config is None or step.transition not in EVENTS:
        return
    dbsession = request.dbsession
    dbsession.flush()  # the workflow event's id
    key = new_key()
    dbsession.add(SyndicationPush(
        draft_id=draft.id, workflow_event_id=step.id, event=EVENTS[step.transition], idempotency_key=key,
        body=encode(build_payload(request, draft, step, key, config.site_url)), status=PushStatus.pending,
        attempts=0, next_attempt_at=request.now, created_at=request.now,
    ))
    dbsession.flush()


def put_back(dbsession, now, push_id: int | None = None) -> list[int]:
    """Dead pushes (one, or all when `push_id` is None) pending again now, with a fresh set of attempts; their ids."""
    query = sa.update(SyndicationPush).where(SyndicationPush.status == PushStatus.dead)
    if push_id is not None:
        query = query.where(SyndicationPush.id == push_id)
    ids = dbsession.scalars(
        query.values(status=PushStatus.pending, attempts=0, next_attempt_at=now)
        .returning(SyndicationPush.id)
        .execution_options(synchronize_session=False)
    ).all()
    dbsession.expire_all()
    return sorted(ids)
