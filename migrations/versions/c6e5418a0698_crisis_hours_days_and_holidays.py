"""crisis hours days and holidays: the days a crisis extension applies, and whether it opens holidays

Revision ID: c6e5418a0698
Revises: c41d7e9b2a63
Create Date: 2026-12-04 05:07:01.658963

"""
from alembic import op
import sqlalchemy as sa

import kundweb.database


# revision identifiers, used by Alembic.
revision = 'c6e5418a0698'
down_revision = 'c41d7e9b2a63'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('crisis_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hours_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('hours_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('hours_on_holidays', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('crisis_message', schema=None) as batch_op:
        batch_op.drop_column('hours_on_holidays')
        batch_op.drop_column('hours_until')
        batch_op.drop_column('hours_from')

