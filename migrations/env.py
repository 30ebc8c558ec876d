"""Alembic environment: the database URL comes from the app settings of the ini file
(or DATABASE_URL), or a connection handed in by the tests through `config.attributes`."""

from alembic import context
from pyramid.paster import get_appsettings, setup_logging

from eparticipation import read_settings
from eparticipation.db import UTCDateTime, get_engine
from eparticipation.models import Base
from eparticipation.search import described_by_models

config = context.config
target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    """Write our column types as plain SQLAlchemy ones, so migrations do not import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=described_by_models,
    )
    with context.begin_transaction():
        context.run_migrations()


def main():
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    setup_logging(config.config_file_name)
    settings = read_settings(get_appsettings(config.config_file_name))
    engine = get_engine(settings)
    with engine.connect() as connection:
        run_migrations(connection)


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run them against a database.")
main()
