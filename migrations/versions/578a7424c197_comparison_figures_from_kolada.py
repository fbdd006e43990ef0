"""comparison figures from Kolada: imports, values per KPI, municipality, year and gender, and the admins' choices

Revision ID: 578a7424c197
Revises: a7c3e5f19b42
Create Date: 2026-12-04 05:52:16.208398

"""
from alembic import op
import sqlalchemy as sa

import kundweb.database


# revision identifiers, used by Alembic.
revision = '578a7424c197'
down_revision = 'a7c3e5f19b42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('comparison_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('goal', sa.String(length=16), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comparison_choice')),
    sa.UniqueConstraint('kind', 'code', name=op.f('uq_comparison_choice_kind'))
    )
    op.create_table('comparison_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('imported_at', kundweb.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comparison_import'))
    )
    op.create_table('comparison_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kpi', sa.String(length=16), nullable=False),
    sa.Column('municipality', sa.String(length=16), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['comparison_import.id'], name=op.f('fk_comparison_value_import_id_comparison_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comparison_value')),
    sa.UniqueConstraint('kpi', 'municipality', 'period', 'gender', name=op.f('uq_comparison_value_kpi'))
    )
    with op.batch_alter_table('comparison_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comparison_value_import_id'), ['import_id'], unique=False)



def downgrade():
    with op.batch_alter_table('comparison_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comparison_value_import_id'))

    op.drop_table('comparison_value')
    op.drop_table('comparison_import')
    op.drop_table('comparison_choice')
