"""Search on an index (eparticipation/search.py): comments get a normalised `search_text` like the drafts';
on PostgreSQL both columns get a GIN trigram index (pg_trgm), on SQLite an FTS5 table with the trigram
tokenizer each, kept current by triggers.

The triggers live on `drafts` and `comments`: a later migration that recreates either table in SQLite's batch
mode (copy, drop, rename) drops them, and must create them again (`create_sqlite_index` below, copied).

Revision ID: search01
Revises: tally01
Create Date: 2026-12-07 10:00:00
"""

from alembic import op
import sqlalchemy as sa

from eparticipation.text import normalise


revision = 'search01'
down_revision = 'tally01'
branch_labels = None
depends_on = None

SEARCHED = ("drafts", "comments")
BATCH = 1000


def upgrade():
    op.add_column('comments', sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    fill_comments_search_text()
    if op.get_bind().dialect.name == "postgresql":
        # Created beforehand by deploy/postgresql-roles.sql where the migrations' role may not (IF NOT EXISTS).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table in SEARCHED:
            op.execute(f"CREATE INDEX ix_{table}_search_text_trgm ON {table} USING gin (search_text gin_trgm_ops)")
    else:
        for table in SEARCHED:
            create_sqlite_index(table)


def fill_comments_search_text():
    """The comments written so far, normalised with the code that normalises new ones, a batch at a time."""
    connection = op.get_bind()
    comments = sa.table('comments', sa.column('id', sa.Integer), sa.column('body', sa.Text),
                        sa.column('search_text', sa.Text))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(comments.c.id, comments.c.body).where(comments.c.id > last).order_by(comments.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            sa.update(comments).where(comments.c.id == sa.bindparam('row_id'))
            .values(search_text=sa.bindparam('normalised')),
            [{"row_id": row.id, "normalised": normalise(row.body)} for row in rows],
        )
        last = rows[-1].id


def create_sqlite_index(table):
    """An external-content FTS5 table over `table`.search_text (the text is not stored twice), filled from the
    rows there are, and the triggers that keep it current: FTS5 must be told the old text to delete it."""
    index = f"{table}_search"
    op.execute(f"CREATE VIRTUAL TABLE {index} USING fts5(search_text, content='{table}', content_rowid='id', "
               "tokenize='trigram case_sensitive 1')")
    op.execute(f"INSERT INTO {index}({index}) VALUES ('rebuild')")
    op.execute(f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN "
               f"INSERT INTO {index}(rowid, search_text) VALUES (new.id, new.search_text); END")
    op.execute(f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN "
               f"INSERT INTO {index}({index}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END")
    op.execute(f"CREATE TRIGGER {index}_update AFTER UPDATE OF search_text ON {table} BEGIN "
               f"INSERT INTO {index}({index}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
               f"INSERT INTO {index}(rowid, search_text) VALUES (new.id, new.search_text); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_text_trgm")
        # The extension stays: other databases' objects or the roles script may use it.
    else:
        for table in SEARCHED:
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_search_{trigger}")
            op.execute(f"DROP TABLE IF EXISTS {table}_search")
    with op.batch_alter_table('comments') as batch_op:
        batch_op.drop_column('search_text')
