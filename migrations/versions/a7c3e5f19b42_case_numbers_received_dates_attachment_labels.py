"""opt-out cases as a registrar keeps them: case numbers, diarienummer, received date, labelled append-only attachments

Existing cases get numbers per year of submission in the order they were submitted,
their submission day as received date and an empty diarienummer; attachments handed
in with the submission are labelled as the request, later ones as other. The case
counter and the attachments then get the same database triggers as the public
records' counter and the audit log (kundweb/audit/append_only.py).

Revision ID: a7c3e5f19b42
Revises: a7c3e1f05b92
Create Date: 2026-12-04 05:50:00.000000

"""
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

import kundweb.database
from kundweb.audit import append_only

# revision identifiers, used by Alembic.
revision = 'a7c3e5f19b42'
down_revision = 'a7c3e1f05b92'
branch_labels = None
depends_on = None

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table('company_case_counter',
    sa.Column('series', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('series', 'year', name=op.f('pk_company_case_counter'))
    )
    # NOT NULL columns need a default for ALTER TABLE ADD COLUMN on SQLite; every row gets its real value below.
    op.add_column('company_optout_case', sa.Column('number_year', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('company_optout_case', sa.Column('number', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('company_optout_case', sa.Column('diary_number', sa.String(length=100), nullable=False,
                                                   server_default=''))
    op.add_column('company_optout_case', sa.Column('received_on', sa.Date(), nullable=False,
                                                   server_default='2000-01-01'))
    op.add_column('company_case_attachment', sa.Column('label', sa.String(length=16), nullable=False,
                                                       server_default='other'))
    _number_existing_cases()
    op.create_index('uq_company_optout_case_number', 'company_optout_case', ['number_year', 'number'], unique=True)
    if dialect == "postgresql":  # SQLite cannot drop a default without recreating the table
        for column in ('number_year', 'number', 'diary_number', 'received_on'):
            op.alter_column('company_optout_case', column, server_default=None)
        op.alter_column('company_case_attachment', 'label', server_default=None)
    # kundweb_refuse_counter_jump (PostgreSQL) exists since the record counter's migration.
    for statement in append_only.counter_trigger_ddl(dialect, "company_case_counter"):
        op.execute(statement)
    for statement in append_only.trigger_ddl(dialect, "company_case_attachment"):
        op.execute(statement)


def _number_existing_cases():
    bind = op.get_bind()
    case = sa.table('company_optout_case', sa.column('id', sa.Integer),
                    sa.column('submitted_at', kundweb.database.UTCDateTime()),
                    sa.column('number_year', sa.Integer), sa.column('number', sa.Integer),
                    sa.column('received_on', sa.Date))
    counter = sa.table('company_case_counter', sa.column('series', sa.String), sa.column('year', sa.Integer),
                       sa.column('last_number', sa.Integer))
    last = {}
    for case_id, submitted_at in bind.execute(sa.select(case.c.id, case.c.submitted_at)
                                              .order_by(case.c.submitted_at, case.c.id)).all():
        day = submitted_at.astimezone(STOCKHOLM).date()
        last[day.year] = last.get(day.year, 0) + 1
        bind.execute(case.update().where(case.c.id == case_id)
                     .values(number_year=day.year, number=last[day.year], received_on=day))
    # Files stored in the submission's own transaction carry its timestamp: they came with the request.
    bind.execute(sa.text("UPDATE company_case_attachment SET label = 'request' WHERE uploaded_at = "
                         "(SELECT submitted_at FROM company_optout_case WHERE id = company_case_attachment.case_id)"))
    for year, number in last.items():
        bind.execute(counter.insert().values(series='UT', year=year, last_number=number))


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in append_only.drop_trigger_ddl(dialect, "company_case_attachment"):
        op.execute(statement)
    for statement in append_only.drop_counter_trigger_ddl(dialect, "company_case_counter"):
        op.execute(statement)
    op.drop_index('uq_company_optout_case_number', table_name='company_optout_case')
    # Plain ALTER TABLE DROP COLUMN (SQLite 3.35+): recreating the case table would break its foreign keys.
    op.drop_column('company_case_attachment', 'label')
    for column in ('received_on', 'diary_number', 'number', 'number_year'):
        op.drop_column('company_optout_case', column)
    op.drop_table('company_case_counter')
