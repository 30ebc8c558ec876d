"""Integrity lives in the database: these hold even for code that skips the forms."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from eparticipation.accounts.models import Role, RoleGrant, User
from eparticipation.db import get_engine
from eparticipation.models import Base
from eparticipation.search import described_by_models

from ..factories import make_agency, make_user


def test_models_and_migrations_agree(engine):
    """The schema built by `alembic upgrade head` is the one the models describe (like `alembic check`)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": described_by_models})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def insert_fails(dbsession, row):
    savepoint = dbsession.begin_nested()
    dbsession.add(row)
    with pytest.raises(IntegrityError):
        dbsession.flush()
    savepoint.rollback()


def user(**fields):
    return User(**{"email": "x@example.org", "password_hash": "x", "display_name": "x", **fields})


def test_email_addresses_are_unique_and_lower_case(dbsession):
    make_user(dbsession, email="taken@example.org")
    insert_fails(dbsession, user(email="taken@example.org"))
    insert_fails(dbsession, user(email="Upper@example.org"))


def test_profile_values_are_checked(dbsession):
    insert_fails(dbsession, user(residence="IR-99"))
    insert_fails(dbsession, user(birth_year=1850))
    dbsession.execute(sa.text("SAVEPOINT raw"))
    with pytest.raises(IntegrityError):
        dbsession.execute(
            sa.text("INSERT INTO users (email, password_hash, display_name, locale, is_active, created_at, gender)"
                    " VALUES ('g@example.org', 'x', 'x', 'fa', true, CURRENT_TIMESTAMP, 'unknown')")
        )
    dbsession.execute(sa.text("ROLLBACK TO SAVEPOINT raw"))


def test_agency_roles_need_an_agency_and_system_roles_none(dbsession):
    agency = make_agency(dbsession)
    person = make_user(dbsession)
    insert_fails(dbsession, RoleGrant(user_id=person.id, role=Role.editor, agency_id=None))
    insert_fails(dbsession, RoleGrant(user_id=person.id, role=Role.admin, agency_id=agency.id))


def test_a_role_is_granted_once(dbsession):
    agency = make_agency(dbsession)
    person = make_user(dbsession, grants=[("editor", agency), ("auditor", None)])
    insert_fails(dbsession, RoleGrant(user_id=person.id, role=Role.editor, agency_id=agency.id))
    insert_fails(dbsession, RoleGrant(user_id=person.id, role=Role.auditor, agency_id=None))
    other = make_agency(dbsession)
    dbsession.add(RoleGrant(user_id=person.id, role=Role.editor, agency_id=other.id))
    dbsession.flush()


@pytest.mark.parametrize("written, hidden", [("true", True), ("false", False)])
def test_production_logs_never_show_a_failed_statement_s_values(tmp_path, written, hidden):
    """production.ini hides them: an error's text goes to the log, and its values may be a person's e-mail."""
    engine = get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'x.sqlite'}", "sqlalchemy.hide_parameters": written})
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE people (email TEXT UNIQUE)")
        connection.execute(sa.text("INSERT INTO people VALUES (:email)"), {"email": "maryam@example.org"})
    with pytest.raises(sa.exc.IntegrityError) as error, engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO people VALUES (:email)"), {"email": "maryam@example.org"})
    assert ("maryam@example.org" not in str(error.value)) is hidden
    engine.dispose()
