"""DDL that makes the database itself refuse to change or remove rows of append-only tables.

Used by the migrations that create such tables (the audit log, the public records).
PostgreSQL: one plpgsql trigger function, a row trigger per table and a TRUNCATE
trigger. SQLite: a RAISE(ABORT) trigger per refused statement. Both raise an
integrity error, so the application sees the same exception on either database.
A batch migration that makes SQLite recreate such a table drops its triggers and
must run `trigger_ddl` for it again. Trigger names contain "append_only".
"""

POSTGRESQL_FUNCTION = """
CREATE FUNCTION kundweb_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""
DROP_POSTGRESQL_FUNCTION = "DROP FUNCTION kundweb_refuse_change()"


def trigger_ddl(dialect, table, refused=("UPDATE", "DELETE")):
    """CREATE TRIGGER statements refusing the `refused` statements on `table`."""
    if dialect == "postgresql":
        return [f"CREATE TRIGGER {table}_append_only BEFORE {' OR '.join(refused)} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION kundweb_refuse_change()",
                f"CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION kundweb_refuse_change()"]
    return [f"CREATE TRIGGER {table}_append_only_{statement.lower()} BEFORE {statement} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {statement} refused'); END"
            for statement in refused]


def drop_trigger_ddl(dialect, table, refused=("UPDATE", "DELETE")):
    if dialect == "postgresql":
        return [f"DROP TRIGGER {table}_append_only ON {table}",
                f"DROP TRIGGER {table}_append_only_truncate ON {table}"]
    return [f"DROP TRIGGER {table}_append_only_{statement.lower()}" for statement in refused]
