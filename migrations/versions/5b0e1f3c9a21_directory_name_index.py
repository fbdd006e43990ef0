"""directory: a search index over names alone, so the common "name starts with" search reads few rows

Most searches are the first letters of a name. Ranked among all full-text matches,
each such search read and ranked 120 candidates per table; with an index of the
names alone the best matches are found directly (kundweb/directory/search.py). On
SQLite a third and fourth FTS5 table (external content, kept current by triggers, like
the first two); on PostgreSQL a GIN index over the names' tsvector. As with the first
index: a later migration that makes SQLite recreate directory_person or
directory_function must run SQLITE_NAME_INDEX_DDL for that table again.

Revision ID: 5b0e1f3c9a21
Revises: 7d6abc57000a
Create Date: 2026-11-29 05:50:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5b0e1f3c9a21'
down_revision = '7d6abc57000a'
branch_labels = None
depends_on = None

SEARCH_TABLES = ("directory_person", "directory_function")
SQLITE_NAME_INDEX_DDL = [
    "CREATE VIRTUAL TABLE {t}_name_fts USING fts5(name_folded, content='{t}', content_rowid='id', prefix='2 3 4')",
    "CREATE TRIGGER {t}_name_fts_insert AFTER INSERT ON {t} BEGIN "
    "INSERT INTO {t}_name_fts(rowid, name_folded) VALUES (new.id, new.name_folded); "
    "END",
    "CREATE TRIGGER {t}_name_fts_delete AFTER DELETE ON {t} BEGIN "
    "INSERT INTO {t}_name_fts({t}_name_fts, rowid, name_folded) VALUES ('delete', old.id, old.name_folded); "
    "END",
    "CREATE TRIGGER {t}_name_fts_update AFTER UPDATE OF name_folded ON {t} BEGIN "
    "INSERT INTO {t}_name_fts({t}_name_fts, rowid, name_folded) VALUES ('delete', old.id, old.name_folded); "
    "INSERT INTO {t}_name_fts(rowid, name_folded) VALUES (new.id, new.name_folded); "
    "END",
    "INSERT INTO {t}_name_fts({t}_name_fts) VALUES ('rebuild')",
]
POSTGRESQL_NAME_INDEX_DDL = [
    "CREATE INDEX ix_{t}_name_search ON {t} USING gin (to_tsvector('simple'::regconfig, name_folded))",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_NAME_INDEX_DDL, "postgresql": POSTGRESQL_NAME_INDEX_DDL}.get(dialect)
    if statements is None:
        raise RuntimeError(f"no directory name index for {dialect}; add one to this migration")
    for table in SEARCH_TABLES:
        for statement in statements:
            op.execute(statement.format(t=table))


def downgrade():
    for table in SEARCH_TABLES:
        if op.get_bind().dialect.name == "sqlite":
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_name_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_name_fts")
        else:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_name_search")
