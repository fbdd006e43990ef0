"""goal telephony calls: the calls of per-call imports, for the telephony figures and the volume by hour and weekday

Revision ID: b5d18e0c7a92
Revises: a7c3e2f41b05
Create Date: 2026-12-04 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d18e0c7a92'
down_revision = 'a7c3e2f41b05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('goal_telephony_call',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('month', sa.String(length=7), nullable=False),
                    sa.Column('hour', sa.Integer(), nullable=False),
                    sa.Column('weekday', sa.Integer(), nullable=False),
                    sa.Column('wait_seconds', sa.Integer(), nullable=False),
                    sa.Column('answered', sa.Boolean(), nullable=False),
                    sa.Column('import_id', sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(['import_id'], ['goal_import.id']),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('goal_telephony_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_telephony_call_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_goal_telephony_call_import_id'), ['import_id'], unique=False)


def downgrade():
    with op.batch_alter_table('goal_telephony_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_telephony_call_import_id'))
        batch_op.drop_index(batch_op.f('ix_goal_telephony_call_day'))
    op.drop_table('goal_telephony_call')
