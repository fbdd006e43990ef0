"""goal month reasons: why a month was closed, and the latest reopening of a month that is open again

Revision ID: a7c3e2f41b05
Revises: 578a7424c197
Create Date: 2026-12-04 05:55:00

"""
from alembic import op
import sqlalchemy as sa

import kundweb.database


# revision identifiers, used by Alembic.
revision = 'a7c3e2f41b05'
down_revision = '578a7424c197'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('goal_month_close', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=300), nullable=True))
    op.create_table('goal_month_reopen',
                    sa.Column('month', sa.String(length=7), nullable=False),
                    sa.Column('reopened_at', kundweb.database.UTCDateTime(), nullable=False),
                    sa.Column('reopened_by', sa.String(length=128), nullable=True),
                    sa.Column('reason', sa.String(length=300), nullable=False),
                    sa.PrimaryKeyConstraint('month'))


def downgrade():
    op.drop_table('goal_month_reopen')
    with op.batch_alter_table('goal_month_close', schema=None) as batch_op:
        batch_op.drop_column('reason')
