"""answers: folded search columns and a full-text index, so the agents' one search box finds answers

The same kind of index as the directory's (eb00d253a985, 5b0e1f3c9a21): folded text
written by kundweb/answers/search.py on every save; on SQLite two FTS5 tables (all the
searchable text, and the question alone) kept current by triggers, on PostgreSQL GIN
indexes over the same tsvector expressions the search query uses. A later migration
that makes SQLite recreate the answer table (a batch "move and copy") drops the
triggers: it must run SQLITE_SEARCH_DDL again.

Revision ID: bd8419226869
Revises: 51d07d283a88
Create Date: 2026-12-04 07:35:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'bd8419226869'
down_revision = '51d07d283a88'
branch_labels = None
depends_on = None

SQLITE_SEARCH_DDL = [
    # prefix='2 3 4': extra index entries so that the short prefixes typed first are fast too.
    "CREATE VIRTUAL TABLE answer_fts USING fts5(search_text, content='answer', content_rowid='id', prefix='2 3 4')",
    "CREATE TRIGGER answer_fts_insert AFTER INSERT ON answer BEGIN "
    "INSERT INTO answer_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER answer_fts_delete AFTER DELETE ON answer BEGIN "
    "INSERT INTO answer_fts(answer_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER answer_fts_update AFTER UPDATE OF search_text ON answer BEGIN "
    "INSERT INTO answer_fts(answer_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO answer_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO answer_fts(answer_fts) VALUES ('rebuild')",
    "CREATE VIRTUAL TABLE answer_name_fts USING fts5(name_folded, content='answer', content_rowid='id', "
    "prefix='2 3 4')",
    "CREATE TRIGGER answer_name_fts_insert AFTER INSERT ON answer BEGIN "
    "INSERT INTO answer_name_fts(rowid, name_folded) VALUES (new.id, new.name_folded); END",
    "CREATE TRIGGER answer_name_fts_delete AFTER DELETE ON answer BEGIN "
    "INSERT INTO answer_name_fts(answer_name_fts, rowid, name_folded) VALUES ('delete', old.id, old.name_folded); "
    "END",
    "CREATE TRIGGER answer_name_fts_update AFTER UPDATE OF name_folded ON answer BEGIN "
    "INSERT INTO answer_name_fts(answer_name_fts, rowid, name_folded) VALUES ('delete', old.id, old.name_folded); "
    "INSERT INTO answer_name_fts(rowid, name_folded) VALUES (new.id, new.name_folded); END",
    "INSERT INTO answer_name_fts(answer_name_fts) VALUES ('rebuild')",
]
POSTGRESQL_SEARCH_DDL = [
    "CREATE INDEX ix_answer_search ON answer USING gin (to_tsvector('simple'::regconfig, search_text))",
    "CREATE INDEX ix_answer_name_search ON answer USING gin (to_tsvector('simple'::regconfig, name_folded))",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_SEARCH_DDL, "postgresql": POSTGRESQL_SEARCH_DDL}.get(dialect)
    if statements is None:
        raise RuntimeError(f"no answer search index for {dialect}; add one to this migration")
    # Plain ADD COLUMNs: a batch copy of the table would be needless work.
    op.add_column('answer', sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    op.add_column('answer', sa.Column('name_folded', sa.String(length=300), server_default='', nullable=False))
    op.add_column('answer', sa.Column('phrasings_folded', sa.Text(), server_default='', nullable=False))
    op.add_column('answer', sa.Column('sort_key', sa.String(length=300).with_variant(
        sa.String(length=300, collation='C'), 'postgresql'), server_default='', nullable=False))
    _index_existing_answers()
    for statement in statements:
        op.execute(statement)


def _index_existing_answers():
    """Answers saved before this migration get their search columns, as a save would write them."""
    from kundweb.answers.search import search_columns

    connection = op.get_bind()
    answer = sa.table('answer', sa.column('id', sa.Integer), sa.column('question', sa.String),
                      sa.column('phrasings', sa.Text), sa.column('keywords', sa.String),
                      sa.column('search_text', sa.Text), sa.column('name_folded', sa.String),
                      sa.column('phrasings_folded', sa.Text), sa.column('sort_key', sa.String))
    rows = connection.execute(sa.select(answer.c.id, answer.c.question, answer.c.phrasings,
                                        answer.c.keywords)).all()
    for row in rows:
        connection.execute(answer.update().where(answer.c.id == row.id)
                           .values(**search_columns(row.question, row.phrasings, row.keywords)))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for table in ("answer_fts", "answer_name_fts"):
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_answer_search")
        op.execute("DROP INDEX IF EXISTS ix_answer_name_search")
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_column('sort_key')
        batch_op.drop_column('phrasings_folded')
        batch_op.drop_column('name_folded')
        batch_op.drop_column('search_text')
