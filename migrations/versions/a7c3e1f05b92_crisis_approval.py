"""crisis approval: a critical message waiting for a second communicator, and why it was last rejected

Revision ID: a7c3e1f05b92
Revises: 935162da757b
Create Date: 2026-12-04 05:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import kundweb.database


# revision identifiers, used by Alembic.
revision = 'a7c3e1f05b92'
down_revision = '935162da757b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('crisis_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval_requested_at', kundweb.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('approval_requested_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('requested_starts_at', kundweb.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('requested_ends_at', kundweb.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('rejected_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('rejection_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('crisis_message', schema=None) as batch_op:
        batch_op.drop_column('rejection_reason')
        batch_op.drop_column('rejected_by')
        batch_op.drop_column('requested_ends_at')
        batch_op.drop_column('requested_starts_at')
        batch_op.drop_column('approval_requested_by')
        batch_op.drop_column('approval_requested_at')
