"""switchboard token failures: wrong tokens for the switchboard file, counted per address to throttle guessing

Revision ID: 4d703819cfb5
Revises: 5b0e1f3c9a21
Create Date: 2026-12-04 04:53:56.442943

"""
from alembic import op
import sqlalchemy as sa

import kundweb.database


# revision identifiers, used by Alembic.
revision = '4d703819cfb5'
down_revision = '5b0e1f3c9a21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('switchboard_token_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('failed_at', kundweb.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_switchboard_token_failure'))
    )
    with op.batch_alter_table('switchboard_token_failure', schema=None) as batch_op:
        batch_op.create_index('ix_switchboard_token_failure_address_time', ['remote_addr', 'failed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_switchboard_token_failure_failed_at'), ['failed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('switchboard_token_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_switchboard_token_failure_failed_at'))
        batch_op.drop_index('ix_switchboard_token_failure_address_time')

    op.drop_table('switchboard_token_failure')
