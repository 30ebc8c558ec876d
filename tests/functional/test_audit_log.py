"""R4: every state change is in an append-only, hash-chained audit log, and tampering is found."""

import configparser
import subprocess
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eparticipation.audit.chain import AuditLogIsAppendOnly, append, verify
from eparticipation.audit.models import AuditEntry
from eparticipation.consultations.models import State
from eparticipation.participation.models import CommentState

from ..audit import actions, head
from ..conftest import NOW, PROJECT
from ..factories import make_agency, make_comment, make_draft, make_user


def add_entries(dbsession, n=4):
    for i in range(n):
        append(dbsession, at=NOW + timedelta(minutes=i), actor_id=None, action="test.step", object_type="Test",
               object_id=i, before={"n": i}, after={"n": i + 1, "text": "متن"})
    dbsession.flush()


@pytest.fixture
def journey(testapp, dbsession, clock):
    """An admin grants a role; an editor writes a draft; the coordinator opens it; a comment is hidden and
    restored; the consultation closes by the clock."""
    start = head(dbsession)
    agency = make_agency(dbsession, code="tax")
    make_user(dbsession, email="admin@example.org", grants=[("admin", None)])
    editor = make_user(dbsession, email="editor@example.org", second_factor=True)  # staff-to-be, enrolled already
    make_user(dbsession, email="coordinator@example.org", grants=[("coordinator", agency)])
    citizen = make_user(dbsession, email="citizen@example.org")

    testapp.login("admin@example.org")
    form = testapp.get(f"/admin/users/{editor.id}").forms["grant"]
    form["role"], form["agency_id"] = "editor", str(agency.id)
    form.submit("grant", status=303)
    testapp.logout()

    draft = make_draft(dbsession, agency)
    testapp.login("editor@example.org")
    form = testapp.get(f"/consultations/{draft.id}/articles/1/edit").forms["article"]
    form["text"] = "متن تازه ماده یک"
    form.submit("save", status=303)
    testapp.logout()

    testapp.login("coordinator@example.org")
    form = testapp.get(f"/consultations/{draft.id}/open").forms["transition"]
    form["start"], form["end"] = "۱۴۰۵/۰۹/۰۶", "۱۴۰۵/۱۰/۱۰"
    form.submit("confirm", status=303)
    testapp.logout()
    assert draft.state == State.consultation

    comment = make_comment(dbsession, draft, citizen)
    testapp.login("editor@example.org")
    form = testapp.get(f"/consultations/{draft.id}/comments/{comment.id}/hide").forms["hide"]
    form["category"], form["reason"] = "abuse", "توهین به دیگران"
    form.submit("hide", status=303)
    testapp.post(f"/consultations/{draft.id}/comments/{comment.id}/restore",
                 {"csrf_token": testapp.get_csrf_token("/me")}, status=303)
    testapp.logout()
    assert comment.state == CommentState.visible

    clock.advance(days=40)
    testapp.get(f"/consultations/{draft.id}/")  # the first visit after the end closes it
    assert draft.state == State.closed
    return {"draft": draft, "editor": editor, "agency": agency, "comment": comment, "start": start}


def test_a_journey_is_logged_in_order_and_the_chain_verifies(dbsession, journey):
    start = journey["start"]
    assert actions(dbsession, start) == [
        "role.grant", "article.edit", "draft.open", "comment.hide", "comment.restore", "draft.close",
    ]
    entries = dbsession.scalars(sa.select(AuditEntry).where(AuditEntry.seq > start).order_by(AuditEntry.seq)).all()
    grant, edit, opening, hide, restore, close = entries
    assert grant.after["role"] == "editor" and grant.after["user_id"] == journey["editor"].id
    assert edit.actor_id == journey["editor"].id and edit.draft_id == journey["draft"].id
    assert edit.agency_id == journey["agency"].id and edit.after == {"article": "1"}
    assert opening.before == {"state": "draft"} and opening.after["state"] == "consultation"
    assert hide.after["reason"] == "توهین به دیگران" and hide.object_id == str(journey["comment"].id)
    assert restore.before["state"] == "hidden" and restore.after == {"state": "visible"}
    assert close.actor_id is None  # the clock closed it, whoever's visit noticed
    assert [e.seq for e in entries] == [start + n for n in range(1, 7)]
    assert all(e.previous_hash == p.entry_hash for p, e in zip(entries, entries[1:]))
    result = verify(dbsession)
    assert result.ok and result.checked == start + 6 and result.head_hash == close.entry_hash


def test_a_comment_withdrawn_by_its_author_is_logged(testapp, dbsession, clock):
    start = head(dbsession)
    draft = make_draft(dbsession, make_agency(dbsession, code="tax"), state="consultation",
                       opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=20))
    citizen = make_user(dbsession, email="citizen@example.org")
    comment = make_comment(dbsession, draft, citizen)
    testapp.login("citizen@example.org")
    testapp.post(f"/consultations/{draft.id}/comments/{comment.id}/withdraw",
                 {"csrf_token": testapp.get_csrf_token("/me")}, status=303)
    assert actions(dbsession, start) == ["comment.withdraw"]
    entry = dbsession.scalars(sa.select(AuditEntry).where(AuditEntry.seq > start)).one()
    assert entry.actor_id == citizen.id and entry.draft_id == draft.id and entry.object_id == str(comment.id)
    assert entry.before == {"state": "visible"} and entry.after == {"state": "withdrawn"}
    assert verify(dbsession).ok


def tamper(dbsession, *statements):
    """What someone with the database's owner rights could do: switch the guard off, then change rows."""
    connection = dbsession.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    else:
        connection.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        connection.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
    for statement in statements:
        connection.execute(sa.text(statement))
    dbsession.expire_all()


# Entry numbers are written {n} for the test's n-th entry.
@pytest.mark.parametrize("statements, broken_at, problem", [
    (["UPDATE audit_log SET after = '{{\"n\": 99}}' WHERE seq = {2}"], 2, "entry {2} was changed after it was written"),
    (["UPDATE audit_log SET actor_id = NULL, at = at WHERE seq = {3}",
      "UPDATE audit_log SET object_id = 'x' WHERE seq = {3}"], 3, "entry {3} was changed after it was written"),
    (["DELETE FROM audit_log WHERE seq = {3}"], 3, "entry {3} is missing"),
    (["UPDATE audit_log SET seq = 100000 WHERE seq = {2}", "UPDATE audit_log SET seq = {2} WHERE seq = {3}",
      "UPDATE audit_log SET seq = {3} WHERE seq = 100000"], 2, "entry {2} does not follow entry {1}"),
])
def test_changing_deleting_or_reordering_a_row_is_found(dbsession, statements, broken_at, problem):
    start = head(dbsession)
    numbers = [None] + [start + n for n in range(1, 5)]
    add_entries(dbsession)
    assert verify(dbsession).ok
    tamper(dbsession, *(statement.format(*numbers) for statement in statements))
    result = verify(dbsession)
    assert not result.ok
    assert result.broken_at == start + broken_at
    assert result.problem.startswith(problem.format(*numbers))


def test_a_replaced_row_with_a_recomputed_hash_breaks_the_next_link(dbsession):
    from eparticipation.audit.chain import content_hash

    start = head(dbsession)
    add_entries(dbsession)
    entry = dbsession.get(AuditEntry, start + 2)
    forged = dict(entry.canonical(), after={"n": 99})
    tamper(dbsession, f"UPDATE audit_log SET after = '{{\"n\": 99}}', entry_hash = '{content_hash(forged)}' "
                      f"WHERE seq = {start + 2}")
    result = verify(dbsession)
    assert result.broken_at == start + 3 and f"does not follow entry {start + 2}" in result.problem


def test_the_database_refuses_to_change_or_delete_an_entry(dbsession):
    add_entries(dbsession, 1)
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), dbsession.begin_nested():
            dbsession.execute(sa.text(statement))


def test_the_application_cannot_change_or_delete_an_entry(dbsession):
    add_entries(dbsession, 1)
    entry = dbsession.get(AuditEntry, head(dbsession))
    entry.action = "changed"
    with pytest.raises(AuditLogIsAppendOnly):
        dbsession.flush()
    dbsession.rollback()


def test_no_code_writes_to_the_log_except_by_insert():
    """The only statements on audit_log and audit_checkpoints in the application are INSERTs and SELECTs."""
    offenders = []
    for path in (PROJECT / "eparticipation").rglob("*.py"):
        text = path.read_text()
        for needle in ("update(AuditEntry", "delete(AuditEntry", "UPDATE audit_log", "DELETE FROM audit_log",
                       "update(AuditCheckpoint", "delete(AuditCheckpoint", "UPDATE audit_checkpoints",
                       "DELETE FROM audit_checkpoints", "TRUNCATE"):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []


def test_two_entries_cannot_claim_the_same_predecessor(dbsession):
    add_entries(dbsession, 1)
    last = dbsession.get(AuditEntry, head(dbsession))
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        dbsession.execute(sa.insert(AuditEntry).values(
            seq=last.seq + 2, at=NOW, action="fork", object_type="Test", object_id="1",
            previous_hash=last.previous_hash, entry_hash="f" * 64))


@pytest.fixture
def command_ini(tmp_path, app_settings):
    """An ini file for the console command, on a database of its own (the command commits)."""
    database = f"sqlite:///{tmp_path / 'verify.sqlite'}"
    parser = configparser.ConfigParser(interpolation=None)
    parser["app:main"] = {**app_settings, "use": "egg:eparticipation", "sqlalchemy.url": database}
    parser["alembic"] = {"script_location": str(PROJECT / "migrations"), "sqlalchemy.url": database}
    path = tmp_path / "verify.ini"
    with path.open("w") as file:
        parser.write(file)
    subprocess.run([sys.executable, "-m", "alembic", "-c", str(path), "upgrade", "head"], check=True,
                   capture_output=True, cwd=PROJECT)
    engine = sa.create_engine(database)
    with sa.orm.Session(engine) as session, session.begin():
        add_entries(session, 5)
    return path, engine


def run_verify(path):
    return subprocess.run([sys.executable, "-m", "eparticipation.scripts.audit_verify", str(path)],
                          capture_output=True, text=True, cwd=PROJECT)


def test_the_verify_command_reports_the_first_broken_entry(command_ini):
    path, engine = command_ini
    done = run_verify(path)
    assert done.returncode == 0, done.stderr
    assert "verifies: 5 entries" in done.stdout

    with engine.begin() as connection:
        connection.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        connection.execute(sa.text("UPDATE audit_log SET action = 'hidden.trace' WHERE seq = 4"))
    done = run_verify(path)
    assert done.returncode == 1
    assert "broken at entry 4: entry 4 was changed after it was written" in done.stderr
