"""SQLite's settings on every connection (README, Database)."""
import pytest
from sqlalchemy import text

from kundweb.extensions import db


def test_sqlite_runs_wal_without_waiting_for_the_disk_at_each_commit(app, app_context):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's pragmas; PostgreSQL has its own durability settings")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
