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


# A counter that may only step forward by one (the registration numbers' record_counter):
# raising it would make numbers look given out and later "missing". New rows start at 1.
POSTGRESQL_STEP_FUNCTION = """
CREATE FUNCTION kundweb_refuse_counter_jump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.last_number = 1 THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.last_number = OLD.last_number + 1
            AND NEW.series = OLD.series AND NEW.year = OLD.year THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% only counts up by one: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""
DROP_POSTGRESQL_STEP_FUNCTION = "DROP FUNCTION kundweb_refuse_counter_jump()"


def counter_trigger_ddl(dialect, table):
    """Triggers letting `table`'s last_number only start at 1 and step by one, and refusing DELETE."""
    if dialect == "postgresql":
        return [f"CREATE TRIGGER {table}_append_only_steps BEFORE INSERT OR UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION kundweb_refuse_counter_jump()",
                *trigger_ddl(dialect, table, ("DELETE",))]
    refuse = f"BEGIN SELECT RAISE(ABORT, '{table} only counts up by one'); END"
    return [f"CREATE TRIGGER {table}_append_only_start BEFORE INSERT ON {table} "
            f"WHEN NEW.last_number != 1 {refuse}",
            f"CREATE TRIGGER {table}_append_only_step BEFORE UPDATE ON {table} "
            "WHEN NEW.last_number != OLD.last_number + 1 OR NEW.series != OLD.series OR NEW.year != OLD.year "
            f"{refuse}",
            *trigger_ddl(dialect, table, ("DELETE",))]


def drop_counter_trigger_ddl(dialect, table):
    if dialect == "postgresql":
        return [f"DROP TRIGGER {table}_append_only_steps ON {table}", *drop_trigger_ddl(dialect, table, ("DELETE",))]
    return [f"DROP TRIGGER {table}_append_only_start", f"DROP TRIGGER {table}_append_only_step",
            *drop_trigger_ddl(dialect, table, ("DELETE",))]
