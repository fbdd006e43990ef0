"""answers: folded search columns, so the agents' one search box finds answers as the directory finds people

The same folded text as the directory's search columns (eb00d253a985), written by
kundweb/answers/search.py on every save: all the searchable words, the question, each
phrasing and a Swedish sort key. Each web process searches an index of the published
answers built from these columns (answers are few and change seldom; an SQL full-text
search per keystroke measured about 15 % slower), so no full-text table is made here.

Revision ID: bd8419226869
Revises: ff4925a3764b
Create Date: 2026-12-04 07:35:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'bd8419226869'
down_revision = 'ff4925a3764b'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs: a batch copy of the table would be needless work.
    op.add_column('answer', sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    op.add_column('answer', sa.Column('name_folded', sa.String(length=300), server_default='', nullable=False))
    op.add_column('answer', sa.Column('phrasings_folded', sa.Text(), server_default='', nullable=False))
    op.add_column('answer', sa.Column('sort_key', sa.String(length=300).with_variant(
        sa.String(length=300, collation='C'), 'postgresql'), server_default='', nullable=False))
    _index_existing_answers()


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
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_column('sort_key')
        batch_op.drop_column('phrasings_folded')
        batch_op.drop_column('name_folded')
        batch_op.drop_column('search_text')
