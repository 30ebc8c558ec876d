"""The dashboard's counts kept as people write (oversight/tallies.py): after every kind of change they agree
with the comments, the dashboard reads them and not the comments, and the command finds and repairs drift."""

import configparser
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from eparticipation.consultations.models import State
from eparticipation.oversight import indicators, tallies
from eparticipation.oversight.models import MINISTRY_SCOPE, CommentTally, Headcount, Presence
from eparticipation.participation.models import Comment, CommentState
from eparticipation.responses.models import Decision, Response, ResponseComment, ResponseRevision

from ..factories import make_agency, make_comment, make_draft, make_user
from .test_oversight_dashboard import SETTINGS, tehran

PROJECT = Path(__file__).resolve().parents[2]


def headcounts(dbsession, scope) -> dict:
    return dict(dbsession.execute(sa.select(Headcount.period, Headcount.people).where(
        Headcount.scope == scope, Headcount.period.in_(["1398", "1398-1", "1398-3"]))).all())


def tally(dbsession, draft) -> tuple:
    row = dbsession.get(CommentTally, draft.id)
    dbsession.refresh(row)
    return row.visible, row.answered, row.accepted


def answer(dbsession, draft, editor, comments, decision, at=None) -> Response:
    at = at or draft.closes_at
    response = Response(draft_id=draft.id, created_by_id=editor.id, created_at=at)
    response.covered = [ResponseComment(comment_id=c.id) for c in comments]
    response.revisions = [revision(editor, 1, decision, at)]
    dbsession.add(response)
    dbsession.flush()
    return response


def revision(editor, number, decision, moment) -> ResponseRevision:
    basis = {"legal_basis_law": "قانون", "legal_basis_article": "ماده ۱"} if decision.needs_legal_basis else {}
    return ResponseRevision(number=number, decision=decision, reason="دلیل", author_id=editor.id, written_at=moment,
                            **basis)


@pytest.fixture
def world(dbsession):
    tax, customs = make_agency(dbsession, code="tax"), make_agency(dbsession, code="customs")
    editor = make_user(dbsession, grants=[("editor", tax)])
    people = [make_user(dbsession) for _ in range(2)]
    # tax in 1398 Q1 and Q3, customs in 1398 Q1: each person counts once per agency, quarter and year.
    drafts = [make_draft(dbsession, agency, state="consultation", opens_at=opens, closes_at=opens + timedelta(days=30))
              for agency, opens in ((tax, tehran(1398, 1, 15)), (customs, tehran(1398, 2, 1)),
                                    (tax, tehran(1398, 7, 1)))]
    return {"tax": tax, "customs": customs, "editor": editor, "people": people, "drafts": drafts}


def test_every_change_moves_the_counts_as_the_comments_say(dbsession, world):
    tax, customs, editor = world["tax"], world["customs"], world["editor"]
    first, second = world["people"]
    tax_q1, customs_q1, tax_q3 = world["drafts"]

    one = make_comment(dbsession, tax_q1, first, body="نظر یکم")
    two = make_comment(dbsession, tax_q1, first, body="نظر دوم")
    make_comment(dbsession, customs_q1, first, body="نظر گمرک")
    make_comment(dbsession, tax_q3, second, body="نظر پاییز")
    assert tally(dbsession, tax_q1) == (2, 0, 0)
    assert headcounts(dbsession, tax.id) == {"1398-1": 1, "1398-3": 1, "1398": 2}
    assert headcounts(dbsession, customs.id) == {"1398-1": 1, "1398": 1}
    assert headcounts(dbsession, MINISTRY_SCOPE) == {"1398-1": 1, "1398-3": 1, "1398": 2}
    assert tallies.differences(dbsession) == []

    # Hidden, one of the person's two comments: still there. Withdrawn, the other too: gone from tax's Q1.
    one.state, one.hidden_category, one.hidden_reason = CommentState.hidden, "spam", "تبلیغ"
    dbsession.flush()
    assert tally(dbsession, tax_q1) == (1, 0, 0)
    assert headcounts(dbsession, tax.id)["1398-1"] == 1
    two.state = CommentState.withdrawn
    dbsession.flush()
    assert tally(dbsession, tax_q1) == (0, 0, 0)
    assert headcounts(dbsession, tax.id) == {"1398-1": 0, "1398-3": 1, "1398": 1}
    assert headcounts(dbsession, MINISTRY_SCOPE) == {"1398-1": 1, "1398-3": 1, "1398": 2}  # customs keeps them
    assert tallies.differences(dbsession) == []

    # Restored: back in.
    one.state, one.hidden_category, one.hidden_reason = CommentState.visible, None, None
    dbsession.flush()
    assert headcounts(dbsession, tax.id)["1398-1"] == 1
    assert tally(dbsession, tax_q1) == (1, 0, 0)

    # Answered and accepted, then the response revised to a refusal: answered stays, accepted goes.
    tax_q1.state, tax_q1.closed_at = State.closed, tax_q1.closes_at
    dbsession.flush()
    response = answer(dbsession, tax_q1, editor, [one], Decision.accepted)
    assert tally(dbsession, tax_q1) == (1, 1, 1)
    response.revisions.append(revision(editor, 2, Decision.rejected, tax_q1.closes_at))
    dbsession.flush()
    assert tally(dbsession, tax_q1) == (1, 1, 0)
    response.revisions.append(revision(editor, 3, Decision.partially_accepted, tax_q1.closes_at))
    dbsession.flush()
    assert tally(dbsession, tax_q1) == (1, 1, 1)

    # An answered comment hidden afterwards leaves the answered and the accepted too.
    one.state, one.hidden_category, one.hidden_reason = CommentState.hidden, "abuse", "توهین"
    dbsession.flush()
    assert tally(dbsession, tax_q1) == (0, 0, 0)
    assert tallies.differences(dbsession) == []


def test_a_draft_counts_only_once_it_is_opened_and_where_it_opened(dbsession, world):
    tax, person = world["tax"], world["people"][0]
    draft = make_draft(dbsession, tax)
    assert tallies.cells_of(draft.agency_id, draft.opens_at, draft.state) == ()
    draft.state, draft.opens_at = State.consultation, tehran(1398, 10, 1)
    draft.closes_at = draft.opens_at + timedelta(days=30)
    dbsession.flush()
    make_comment(dbsession, draft, person, body="نظر زمستان")
    assert headcounts(dbsession, tax.id) == {"1398": 1}
    assert dbsession.get(Headcount, (tax.id, "1398-4")).people == 1
    assert tallies.differences(dbsession) == []


def test_differences_name_what_drifted_and_rebuild_repairs_it(dbsession, world):
    tax_q1 = world["drafts"][0]
    make_comment(dbsession, tax_q1, world["people"][0], body="نظر")
    dbsession.execute(sa.update(CommentTally).where(CommentTally.draft_id == tax_q1.id).values(visible=7))
    dbsession.execute(sa.delete(Headcount).where(Headcount.scope == world["tax"].id))
    found = tallies.differences(dbsession)
    assert f"tally {tax_q1.id}: kept (7, 0, 0), expected (1, 0, 0)" in found
    assert f"headcount ({world['tax'].id}, '1398-1'): kept None, expected 1" in found
    tallies.rebuild(dbsession)
    assert tallies.differences(dbsession) == []
    assert tally(dbsession, tax_q1) == (1, 0, 0)


def test_the_dashboard_reads_the_counts_not_the_comments(dbsession, world):
    make_comment(dbsession, world["drafts"][0], world["people"][0], body="نظر")
    statements = []
    engine = dbsession.get_bind().engine if hasattr(dbsession.get_bind(), "engine") else dbsession.get_bind()

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        dashboard = indicators.compute(dbsession, SETTINGS, range(1398, 1399))
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    figures = dashboard.figures(world["tax"].id, "1398-1")
    assert (figures.get("comments"), figures.get("participants")) == (1, 1)
    assert statements and not [s for s in statements if re.search(r"\b(FROM|JOIN) comments\b", s)]


@pytest.fixture
def command_ini(tmp_path, app_settings):
    """An ini file for the console command, on a database of its own (the command commits)."""
    database = f"sqlite:///{tmp_path / 'tallies.sqlite'}"
    parser = configparser.ConfigParser(interpolation=None)
    parser["app:main"] = {**app_settings, "use": "egg:eparticipation", "sqlalchemy.url": database}
    parser["alembic"] = {"script_location": str(PROJECT / "migrations"), "sqlalchemy.url": database}
    path = tmp_path / "tallies.ini"
    with path.open("w") as file:
        parser.write(file)
    return path, database


def run(*args):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=PROJECT)


def test_the_migration_fills_the_counts_and_the_command_repairs_drift(command_ini):
    path, database = command_ini
    alembic = ["-m", "alembic", "-c", str(path)]
    assert run(*alembic, "upgrade", "head").returncode == 0
    engine = sa.create_engine(database)
    with sa.orm.Session(engine) as session, session.begin():
        agency = make_agency(session, code="tax")
        draft = make_draft(session, agency, state="consultation", opens_at=tehran(1398, 1, 15),
                           closes_at=tehran(1398, 2, 15))
        for person in (make_user(session), make_user(session)):
            make_comment(session, draft, person, body="نظر")
        draft_id, agency_id = draft.id, agency.id
    # Built again from the comments by the migration, as on a database that had them before the counts existed.
    assert run(*alembic, "downgrade", "incent01").returncode == 0
    done = run(*alembic, "upgrade", "head")
    assert done.returncode == 0, done.stderr
    with sa.orm.Session(engine) as session:
        assert session.get(CommentTally, draft_id).visible == 2
        assert session.get(Headcount, (agency_id, "1398-1")).people == 2
        assert session.scalar(sa.select(sa.func.count()).select_from(Presence)) == 2 * 4  # two people, four rows each
    command = ["-m", "eparticipation.scripts.tallies", str(path)]
    done = run(*command)
    assert (done.returncode, done.stdout.strip().splitlines()[-1]) == (0, "0 count(s) differ from the comments.")

    with engine.begin() as connection:
        connection.execute(sa.update(CommentTally).values(visible=5))
    done = run(*command)
    assert done.returncode == 1
    assert f"tally {draft_id}: kept (5, 0, 0), expected (2, 0, 0)" in done.stdout
    done = run(*command, "--repair")
    assert done.returncode == 0 and "1 count(s) differ from the comments, rebuilt." in done.stdout
    assert run(*command).returncode == 0
    engine.dispose()


@pytest.mark.parametrize("delays, median", [
    ((1.0, 2.0, 2.5, 10.0), 2.25),  # even: the mean of the two middle responses
    ((3.0, 3.0, 3.0, 9.0, 0.5), 3.0),  # odd, the middle one among equal delays
    ((4.0,), 4.0),
    ((2.04, 2.06), 2.05),  # each delay counted to the tenth of a day (2.0 and 2.1)
])
def test_the_median_days_to_respond_is_read_from_the_kept_delays(dbsession, world, delays, median):
    draft, editor = world["drafts"][0], world["editor"]
    draft.state, draft.closed_at = State.closed, draft.closes_at
    for n, days in enumerate(delays):
        comment = make_comment(dbsession, draft, world["people"][n % 2], body=f"نظر {n}")
        answer(dbsession, draft, editor, [comment], Decision.noted, at=draft.closed_at + timedelta(days=days))
    assert tallies.differences(dbsession) == []
    dashboard = indicators.compute(dbsession, SETTINGS, range(1398, 1399))
    for agency, period in ((world["tax"].id, "1398-1"), (None, "1398")):
        assert dashboard.figures(agency, period).get("respond_days_median") == pytest.approx(median)


def test_comments_sent_through_the_site_are_counted_once(testapp, dbsession, clock):
    """The participation service inserts a comment by a statement of its own (ON CONFLICT, for parallel sends):
    it is counted by its event, once, and what the flushes see afterwards (a withdrawal) moves it too."""
    from ..conftest import NOW
    from .test_participation import comment_form_of, signed_in

    agency = make_agency(dbsession, code="tax")
    draft = make_draft(dbsession, agency, state="consultation", opens_at=NOW - timedelta(days=2),
                       closes_at=NOW + timedelta(days=28))
    make_user(dbsession, email="citizen@example.org")
    app = signed_in(testapp, "citizen@example.org")
    for body, article in (("نخستین نظر درباره این پیش‌نویس", ""), ("ماده ۲ روشن‌تر نوشته شود", "2")):
        form = comment_form_of(app.get(f"/consultations/{draft.id}/"), article)
        form["body"] = body
        form.submit("send", status=303)
    form = comment_form_of(app.get(f"/consultations/{draft.id}/"))
    form["body"] = "نخستین نظر درباره این پیش‌نویس"
    form.submit("send", status=400)  # the same text again: refused, counted nowhere
    assert tally(dbsession, draft) == (2, 0, 0)
    assert tallies.differences(dbsession) == []

    comment_id = dbsession.scalar(sa.select(sa.func.min(Comment.id)).where(Comment.draft_id == draft.id))
    app.post(f"/consultations/{draft.id}/comments/{comment_id}/withdraw",
             {"csrf_token": app.get_csrf_token("/me/edit")}, status=303)
    assert tally(dbsession, draft) == (1, 0, 0)
    assert tallies.differences(dbsession) == []
