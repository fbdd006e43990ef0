"""answers, absences and the answer an enquiry used

Revision ID: 51d07d283a88
Revises: b5d18e0c7a92
Create Date: 2026-12-04 07:20:28.972116

"""
from alembic import op
import sqlalchemy as sa

import kundweb.database


# revision identifiers, used by Alembic.
revision = '51d07d283a88'
down_revision = 'b5d18e0c7a92'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('phrasings', sa.Text(), nullable=False),
    sa.Column('keywords', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('links', sa.JSON(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('visibility', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('review_by', sa.Date(), nullable=False),
    sa.Column('review_reminder_sent_at', kundweb.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', kundweb.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('updated_at', kundweb.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=128), nullable=False),
    sa.Column('published_at', kundweb.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('archived_at', kundweb.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(unit_id IS NULL) <> (company_id IS NULL)', name=op.f('ck_answer_one_owner')),
    sa.ForeignKeyConstraint(['category_id'], ['enquiry_category.id'], name=op.f('fk_answer_category_id_enquiry_category')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_answer_company_id_company')),
    sa.ForeignKeyConstraint(['responsible_id'], ['directory_person.id'], name=op.f('fk_answer_responsible_id_directory_person')),
    sa.ForeignKeyConstraint(['unit_id'], ['directory_unit.id'], name=op.f('fk_answer_unit_id_directory_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer'))
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_responsible_id'), ['responsible_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_review_by'), ['review_by'], unique=False)
        batch_op.create_index('ix_answer_status_visibility', ['status', 'visibility'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_unit_id'), ['unit_id'], unique=False)

    op.create_table('answer_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('changed_fields', sa.String(length=300), nullable=False),
    sa.Column('changed_at', kundweb.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], name=op.f('fk_answer_version_answer_id_answer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_version')),
    sa.UniqueConstraint('answer_id', 'number', name=op.f('uq_answer_version_answer_id'))
    )
    with op.batch_alter_table('answer_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_version_answer_id'), ['answer_id'], unique=False)

    op.create_table('answer_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=True),
    sa.Column('enquiry_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('proposed_at', kundweb.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('proposed_by', sa.String(length=128), nullable=False),
    sa.Column('handled_at', kundweb.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handled_by', sa.String(length=128), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('notified_at', kundweb.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answer_id'], ['answer.id'], name=op.f('fk_answer_proposal_answer_id_answer')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_answer_proposal_company_id_company')),
    sa.ForeignKeyConstraint(['enquiry_id'], ['enquiry.id'], name=op.f('fk_answer_proposal_enquiry_id_enquiry')),
    sa.ForeignKeyConstraint(['unit_id'], ['directory_unit.id'], name=op.f('fk_answer_proposal_unit_id_directory_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_proposal'))
    )
    with op.batch_alter_table('answer_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_proposal_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_proposal_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_proposal_proposed_by'), ['proposed_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_proposal_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_proposal_unit_id'), ['unit_id'], unique=False)

    # Plain ADD COLUMNs, never a batch copy: a copied directory_person would lose the search
    # triggers and the partial unique index, and enquiry holds a million rows. SQLite takes
    # the foreign key inline in ADD COLUMN; PostgreSQL as a named constraint.
    _add_column_with_foreign_key('directory_person', 'absent_until', sa.Date(), None)
    _add_column_with_foreign_key('directory_person', 'deputy_id', sa.Integer(), 'directory_person')
    _add_column_with_foreign_key('enquiry', 'answer_id', sa.Integer(), 'answer')
    op.create_index(op.f('ix_enquiry_answer_id'), 'enquiry', ['answer_id'], unique=False)



def _add_column_with_foreign_key(table, column, type_, referred_table):
    if referred_table is None:
        op.add_column(table, sa.Column(column, type_, nullable=True))
    elif op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER '
                   f'CONSTRAINT fk_{table}_{column}_{referred_table} REFERENCES {referred_table} (id)')
    else:
        op.add_column(table, sa.Column(column, type_, nullable=True))
        op.create_foreign_key(f'fk_{table}_{column}_{referred_table}', table, referred_table, [column], ['id'])


def downgrade():
    with op.batch_alter_table('enquiry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enquiry_answer_id_answer'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_enquiry_answer_id'))
        batch_op.drop_column('answer_id')

    with op.batch_alter_table('directory_person', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_directory_person_deputy_id_directory_person'), type_='foreignkey')
        batch_op.drop_column('deputy_id')
        batch_op.drop_column('absent_until')

    with op.batch_alter_table('answer_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_proposal_unit_id'))
        batch_op.drop_index(batch_op.f('ix_answer_proposal_state'))
        batch_op.drop_index(batch_op.f('ix_answer_proposal_proposed_by'))
        batch_op.drop_index(batch_op.f('ix_answer_proposal_company_id'))
        batch_op.drop_index(batch_op.f('ix_answer_proposal_answer_id'))

    op.drop_table('answer_proposal')
    with op.batch_alter_table('answer_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_version_answer_id'))

    op.drop_table('answer_version')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_unit_id'))
        batch_op.drop_index('ix_answer_status_visibility')
        batch_op.drop_index(batch_op.f('ix_answer_review_by'))
        batch_op.drop_index(batch_op.f('ix_answer_responsible_id'))
        batch_op.drop_index(batch_op.f('ix_answer_company_id'))
        batch_op.drop_index(batch_op.f('ix_answer_category_id'))

    op.drop_table('answer')
