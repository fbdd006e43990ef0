"""Database helpers shared by every feature: UTC timestamps and SQLite settings."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, event
from sqlalchemy.types import TypeDecorator


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
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Read through the OS page cache instead of copying, and keep more pages per connection
        # (default 2 MB): searching the directory touches rows all over a 20,000-person table.
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()
