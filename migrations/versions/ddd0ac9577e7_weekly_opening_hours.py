"""weekly opening hours: the admins' default week (per weekday hours or closed) in hours_settings

Revision ID: ddd0ac9577e7
Revises: c6e5418a0698
Create Date: 2026-12-04 05:09:14.461916

"""
from alembic import op
import sqlalchemy as sa

import kundweb.database


# revision identifiers, used by Alembic.
revision = 'ddd0ac9577e7'
down_revision = 'c6e5418a0698'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hours_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weekly', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('hours_settings', schema=None) as batch_op:
        batch_op.drop_column('weekly')

