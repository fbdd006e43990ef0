"""enquiry index for the gap report: month, category, outcome and the answer used

Revision ID: c4e8a1b2d3f5
Revises: 51d07d283a88
Create Date: 2026-12-04 07:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4e8a1b2d3f5'
down_revision = '51d07d283a88'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enquiry', schema=None) as batch_op:
        batch_op.create_index('ix_enquiry_month_category_outcome_answer',
                              ['month', 'category_id', 'outcome', 'answer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('enquiry', schema=None) as batch_op:
        batch_op.drop_index('ix_enquiry_month_category_outcome_answer')
