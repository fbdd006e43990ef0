"""record_counter counts up by one only

The registration numbers' counter may start at 1 and step by one; the database refuses
any other change and every DELETE (kundweb/audit/append_only.py), so nobody can raise it
to make numbers look given out and then "lost". verify-audit also compares it with the
highest number. A later migration that makes SQLite recreate record_counter drops these
triggers and must add them again.

Revision ID: 8f2c4a7d1e90
Revises: 4d703819cfb5
Create Date: 2026-12-04 05:20:00.000000

"""
from alembic import op

from kundweb.audit import append_only

# revision identifiers, used by Alembic.
revision = '8f2c4a7d1e90'
down_revision = '4d703819cfb5'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(append_only.POSTGRESQL_STEP_FUNCTION)
    for statement in append_only.counter_trigger_ddl(dialect, "record_counter"):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in append_only.drop_counter_trigger_ddl(dialect, "record_counter"):
        op.execute(statement)
    if dialect == "postgresql":
        op.execute(append_only.DROP_POSTGRESQL_STEP_FUNCTION)
