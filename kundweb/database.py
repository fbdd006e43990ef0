"""Database helpers shared by every feature: UTC timestamps, SQLite settings, driver-level statements."""
import re
from datetime import datetime, timezone

from sqlalchemy import DateTime, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.types import TypeDecorator


# How long a SQLite write waits for another process's write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10000


def utcnow():
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def enable_sqlite_pragmas(engine):
    """WAL and a busy timeout, so web workers and the scheduler can share the SQLite file.

    `synchronous=NORMAL` is SQLite's recommended setting under WAL: a commit no longer
    waits for an fsync (the WAL is synced at checkpoints), which was most of the cost of
    every save. The database stays consistent after a crash of the process or the OS; a
    power loss may lose the last commits. PostgreSQL is the production database, where
    this does not apply.
    """

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Read through the OS page cache instead of copying, and keep more pages per connection
        # (default 2 MB): searching the directory touches rows all over a 20,000-person table.
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()


def raw_connection(engine):
    """A pooled driver connection; failing to connect raises SQLAlchemy's exception, as a query does.

    engine.raw_connection() lets the driver's own error through (psycopg.OperationalError
    when PostgreSQL is down), which the 503 handler for SQLAlchemy's OperationalError never
    sees: a logged-in request then got a 500 instead of "inte sparat".
    """
    try:
        return engine.raw_connection()
    except engine.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(None, None, exc, engine.dialect.loaded_dbapi.Error, dialect=engine.dialect) from exc


class DriverStatement:
    """A statement that runs on every request, sent straight to the database driver.

    SQLAlchemy's work per execution (compiled-cache lookup, parameter and result
    processing, result objects, the Session's transaction bookkeeping) costs several
    times what SQLite itself needs for a one-row statement; for the login check that
    precedes every logged-in request it was a quarter of the request. Such statements
    are written once here, with `:name` placeholders turned into the driver's own
    style, and take values in the form the database stores them (see `stored_time`).
    Everything else uses SQLAlchemy as usual.
    """

    _PLACEHOLDER = re.compile(r"(?<![:\w]):(\w+)")

    def __init__(self, sql):
        self.sql = sql
        self._by_style = {}

    def text_for(self, paramstyle):
        """The SQL in the driver's parameter style ('named' for sqlite3, 'pyformat' for psycopg)."""
        text = self._by_style.get(paramstyle)
        if text is None:
            if paramstyle in ("named", "qmark", "numeric"):  # sqlite3 accepts :name in every style
                text = self.sql
            elif paramstyle == "pyformat":
                text = self._PLACEHOLDER.sub(r"%(\1)s", self.sql.replace("%", "%%"))
            else:
                raise ValueError(f"unsupported DBAPI paramstyle {paramstyle!r}")
            self._by_style[paramstyle] = text
        return text

    def first(self, engine, params):
        """The first row (a tuple) or None, on a pooled connection held only for this statement."""
        return self._read(engine, params, lambda cursor: cursor.fetchone())

    def all(self, engine, params):
        """Every row (tuples), on a pooled connection held only for this statement."""
        return self._read(engine, params, lambda cursor: cursor.fetchall())

    def _read(self, engine, params, fetch):
        connection = raw_connection(engine)
        try:
            cursor = connection.cursor()
            try:
                self._execute(cursor, engine.dialect, params)
                return fetch(cursor)
            finally:
                cursor.close()
        finally:
            connection.close()  # back to the pool, which rolls back what the SELECT began

    def run_unless_locked(self, engine, params, wait_ms):
        """Run and commit a write that may be skipped; False if another transaction held its lock for `wait_ms`.

        For best-effort bookkeeping on read-only requests (the session's last-seen time):
        such a write must not hold a page for the usual lock wait, or fail it. Only this
        statement waits less (SQLite's busy timeout is put back on the connection,
        PostgreSQL's lock_timeout is SET LOCAL), and it runs on a connection of its own.
        """
        connection = raw_connection(engine)
        sqlite = engine.dialect.name == "sqlite"
        try:
            cursor = connection.cursor()
            try:
                wait = f"PRAGMA busy_timeout={int(wait_ms)}" if sqlite else f"SET LOCAL lock_timeout = {int(wait_ms)}"
                cursor.execute(wait)
                try:
                    self._execute(cursor, engine.dialect, params)
                    connection.commit()
                    return True
                except OperationalError:  # "database is locked", PostgreSQL's lock_not_available
                    connection.rollback()
                    return False
                finally:
                    if sqlite:
                        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            finally:
                cursor.close()
        finally:
            connection.close()

    def first_in(self, connection, params):
        """Run on a SQLAlchemy Connection, inside its transaction; the first row, or None.

        For statements that must join the ORM Session's transaction (pass
        `db.session.connection()`): they commit or roll back with it, and they do not
        flush its pending changes, as Core statements through the Session do not either.
        """
        cursor = connection.connection.cursor()
        try:
            self._execute(cursor, connection.dialect, params)
            return cursor.fetchone() if cursor.description is not None else None
        finally:
            cursor.close()

    def _execute(self, cursor, dialect, params):
        """Execute; a driver error comes out as SQLAlchemy's exception (OperationalError,
        IntegrityError ...), as from any other query, so the same handlers deal with it."""
        text = self.text_for(dialect.paramstyle)
        try:
            cursor.execute(text, params)
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(text, params, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc


def can_take_writes(engine, table, wait_ms):
    """True if a write to `table` could start now, False if another transaction holds it
    write-locked for longer than `wait_ms`. Writes nothing.

    SQLite takes its write lock for the whole file (BEGIN IMMEDIATE); PostgreSQL the lock an
    UPDATE takes on the table (ROW EXCLUSIVE), which a LOCK TABLE or a migration holding
    the table keeps waiting. Raises an error when the database cannot be reached at all.
    """
    connection = raw_connection(engine)
    sqlite = engine.dialect.name == "sqlite"
    try:
        cursor = connection.cursor()
        try:
            if sqlite:
                cursor.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
                statements = ["BEGIN IMMEDIATE"]
            else:
                statements = [f"SET LOCAL lock_timeout = {int(wait_ms)}",
                              f'LOCK TABLE "{table}" IN ROW EXCLUSIVE MODE']
            try:
                for statement in statements:
                    cursor.execute(statement)
                return True
            except engine.dialect.loaded_dbapi.OperationalError:
                return False
            finally:
                connection.rollback()
                if sqlite:
                    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()
    finally:
        connection.close()


def stored_time(value, dialect_name):
    """An aware datetime as the database stores it: SQLAlchemy's SQLite text form, else itself."""
    if dialect_name == "sqlite":
        # SQLAlchemy's DateTime text ('2026-12-04 16:30:00.000000', UTC here, no offset); isoformat
        # writes it in half strftime's time, and zero-pads a year before 1000 as SQLAlchemy does.
        return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


def stored_date(value, dialect_name):
    """A date as the database stores it: SQLAlchemy's SQLite text form ('YYYY-MM-DD'), else itself."""
    return value.isoformat() if dialect_name == "sqlite" else value


def read_time(value):
    """A stored time as an aware UTC datetime, from SQLite's text or a driver's datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def take_next_number(session, counter_table, series, year):
    """Take the next number of (series, year) from a counter table, inside the session's transaction.

    One upsert that returns the new number: the row lock it takes serialises concurrent takers,
    and a rolled-back transaction gives its number back, so the numbers stay 1, 2, 3 ... without
    gaps (public records and opt-out cases both number this way).
    """
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (insert(counter_table).values(series=series, year=year, last_number=1)
                 .on_conflict_do_update(index_elements=[counter_table.c.series, counter_table.c.year],
                                        set_={"last_number": counter_table.c.last_number + 1})
                 .returning(counter_table.c.last_number))
    return session.execute(statement).scalar_one()
