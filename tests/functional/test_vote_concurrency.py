"""P2 under concurrency: many parallel votes of one participant end with exactly one row and a right tally.

Unlike the rest of the suite, these commit for real (each thread has its own connection, as parallel
requests would), and delete what they made afterwards."""

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from eparticipation.accounts.models import User
from eparticipation.agencies.models import Agency
from eparticipation.consultations.models import Draft
from eparticipation.db import utcnow
from eparticipation.incentives.models import LedgerEntry
from eparticipation.participation.models import Vote, VoteChoice
from eparticipation.participation.services import cast_vote, tally

from ..factories import make_agency, make_draft, make_user, recount, take_back_points

THREADS = 12


@pytest.fixture
def committed(engine):
    with Session(engine) as session:
        agency = make_agency(session, code="concurrency")
        draft = make_draft(session, agency, state="consultation", opens_at=utcnow() - timedelta(days=1))
        voter = make_user(session, email="voter@example.org")
        bystander = make_user(session, email="bystander@example.org")
        session.commit()
        ids = SimpleNamespace(agency=agency.id, draft=draft.id, voter=voter.id, bystander=bystander.id)
    yield ids
    with Session(engine) as session:
        take_back_points(session, [ids.voter, ids.bystander])
        session.execute(sa.delete(Vote).where(Vote.draft_id == ids.draft))
        session.execute(sa.delete(Draft).where(Draft.id == ids.draft))
        session.execute(sa.delete(User).where(User.id.in_([ids.voter, ids.bystander])))
        session.execute(sa.delete(Agency).where(Agency.id == ids.agency))
        recount(session)
        session.commit()


def vote_in_own_transaction(engine, registry, ids, user_id, choice, errors, barrier):
    barrier.wait()  # all at once, as parallel requests
    with Session(engine) as session:
        try:
            draft = session.get(Draft, ids.draft)
            request = SimpleNamespace(dbsession=session, now=utcnow(), identity=session.get(User, user_id),
                                      registry=registry)
            cast_vote(request, draft, choice)
            session.commit()
        except Exception as error:  # noqa: BLE001 - any failure is the test's finding
            errors.append(error)
            session.rollback()


def test_parallel_votes_of_one_participant_leave_one_vote(app, engine, committed):
    errors, barrier = [], threading.Barrier(THREADS + 1)  # the voter's threads and one other participant's
    choices = [list(VoteChoice)[n % 3] for n in range(THREADS)]
    threads = [
        threading.Thread(target=vote_in_own_transaction,
                         args=(engine, app.registry, committed, committed.voter, choice, errors, barrier))
        for choice in choices
    ]
    threads.append(threading.Thread(target=vote_in_own_transaction,
                                    args=(engine, app.registry, committed, committed.bystander, VoteChoice.oppose,
                                          errors, barrier)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []  # no "database is locked", no unique violation
    with Session(engine) as session:
        votes = session.scalars(sa.select(Vote).where(Vote.draft_id == committed.draft)).all()
        assert sorted(v.user_id for v in votes) == sorted([committed.voter, committed.bystander])
        counts, _ = tally(session, session.get(Draft, committed.draft))
        assert sum(counts.values()) == 2 and counts[VoteChoice.oppose] >= 1
        # However many times at once, a vote earns its point once (I1), in the ledger and in the totals.
        points = dict(session.execute(
            sa.select(LedgerEntry.user_id, sa.func.sum(LedgerEntry.points)).where(LedgerEntry.draft_id == committed.draft)
            .group_by(LedgerEntry.user_id)).all())
        assert points == {committed.voter: 1, committed.bystander: 1}
