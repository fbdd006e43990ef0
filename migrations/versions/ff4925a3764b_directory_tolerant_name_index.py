"""directory: the names' spelling keys under a trigram index, for tolerant matching

`ericsson` finds Eriksson, `lindbak` Lindbäck, `annsofie` Ann-Sofie, and a typo the
name nearest to it (kundweb/directory/search.py). A new column on people and
functional entries, filled here for the rows there are, and a trigram index over it:
on SQLite a fifth and sixth FTS5 table (`tokenize='trigram'`, external content, kept
current by triggers like the others); on PostgreSQL pg_trgm (a trusted extension,
part of Debian's postgresql-15) and a GIN index with gin_trgm_ops. The column is
added in place (ALTER TABLE ADD COLUMN), so SQLite keeps the tables and their
triggers. As with the earlier indexes: a later migration that makes SQLite recreate
directory_person or directory_function must run SQLITE_TOLERANT_INDEX_DDL again.

Revision ID: ff4925a3764b
Revises: 637bab6e20e8
Create Date: 2026-12-04 08:05:00.000000

"""
from alembic import op
import sqlalchemy as sa

from kundweb.directory.search import function_tolerant_keys, person_tolerant_keys

# revision identifiers, used by Alembic.
revision = 'ff4925a3764b'
down_revision = '637bab6e20e8'
branch_labels = None
depends_on = None

SEARCH_TABLES = ("directory_person", "directory_function")
SQLITE_TOLERANT_INDEX_DDL = [
    "CREATE VIRTUAL TABLE {t}_tolerant_fts USING fts5(name_tolerant, content='{t}', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER {t}_tolerant_fts_insert AFTER INSERT ON {t} BEGIN "
    "INSERT INTO {t}_tolerant_fts(rowid, name_tolerant) VALUES (new.id, new.name_tolerant); "
    "END",
    "CREATE TRIGGER {t}_tolerant_fts_delete AFTER DELETE ON {t} BEGIN "
    "INSERT INTO {t}_tolerant_fts({t}_tolerant_fts, rowid, name_tolerant) "
    "VALUES ('delete', old.id, old.name_tolerant); "
    "END",
    "CREATE TRIGGER {t}_tolerant_fts_update AFTER UPDATE OF name_tolerant ON {t} BEGIN "
    "INSERT INTO {t}_tolerant_fts({t}_tolerant_fts, rowid, name_tolerant) "
    "VALUES ('delete', old.id, old.name_tolerant); "
    "INSERT INTO {t}_tolerant_fts(rowid, name_tolerant) VALUES (new.id, new.name_tolerant); "
    "END",
    "INSERT INTO {t}_tolerant_fts({t}_tolerant_fts) VALUES ('rebuild')",
]
POSTGRESQL_TOLERANT_INDEX_DDL = [
    "CREATE INDEX ix_{t}_tolerant_search ON {t} USING gin (name_tolerant gin_trgm_ops)",
]


def _fill_keys():
    """The keys of the people and functional entries already there, as index_person/index_function make them."""
    connection = op.get_bind()
    people = connection.execute(sa.text("SELECT id, display_name, given_name, surname FROM directory_person")).all()
    for person_id, display_name, given_name, surname in people:
        connection.execute(sa.text("UPDATE directory_person SET name_tolerant = :keys WHERE id = :id"),
                           {"keys": person_tolerant_keys(display_name, given_name, surname), "id": person_id})
    functions = connection.execute(sa.text("SELECT id, name, keywords FROM directory_function")).all()
    for function_id, name, keywords in functions:
        connection.execute(sa.text("UPDATE directory_function SET name_tolerant = :keys WHERE id = :id"),
                           {"keys": function_tolerant_keys(name, keywords), "id": function_id})


def upgrade():
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_TOLERANT_INDEX_DDL, "postgresql": POSTGRESQL_TOLERANT_INDEX_DDL}.get(dialect)
    if statements is None:
        raise RuntimeError(f"no directory tolerant index for {dialect}; add one to this migration")
    for table in SEARCH_TABLES:
        # In place, not a batch copy: SQLite keeps the table and its full-text triggers.
        op.add_column(table, sa.Column('name_tolerant', sa.Text(), nullable=False, server_default=''))
    _fill_keys()
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in SEARCH_TABLES:
        for statement in statements:
            op.execute(statement.format(t=table))


def downgrade():
    for table in SEARCH_TABLES:
        if op.get_bind().dialect.name == "sqlite":
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_tolerant_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_tolerant_fts")
        else:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_tolerant_search")
        # SQLite 3.35+ drops a column in place.
        op.drop_column(table, 'name_tolerant')
