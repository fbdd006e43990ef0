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


def test_driver_statement_reads_what_sqlalchemy_wrote_on_either_backend(app, app_context):
    """The login check's driver-level SELECT sees the same row, times and all, as SQLAlchemy does."""
    from datetime import datetime, timezone

    from kundweb.auth.models import UserSession
    from kundweb.database import DriverStatement, read_time, stored_time

    seen = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=timezone.utc)  # the night clocks go forward
    db.session.add(UserSession(token_hash="k" * 64, username="anna", display_name="Anna Åström", email="a@x.se",
                               directory_guid="g", roles="agent,employee", created_at=seen, last_seen_at=seen,
                               roles_checked_at=seen))
    db.session.commit()
    query = DriverStatement("SELECT display_name, last_seen_at FROM user_session "
                            "WHERE token_hash = :key AND last_seen_at = :seen AND display_name LIKE 'Anna%'")

    row = query.first(db.engine, {"key": "k" * 64, "seen": stored_time(seen, db.engine.dialect.name)})

    assert row is not None and row[0] == "Anna Åström"
    assert read_time(row[1]) == seen and read_time(row[1]).tzinfo is not None
    assert query.first(db.engine, {"key": "nobody", "seen": stored_time(seen, db.engine.dialect.name)}) is None


@pytest.mark.parametrize("style, expected", [
    ("named", "SELECT 1 FROM t WHERE a = :key AND b LIKE '5%' AND c::text = :v"),
    ("qmark", "SELECT 1 FROM t WHERE a = :key AND b LIKE '5%' AND c::text = :v"),
    ("pyformat", "SELECT 1 FROM t WHERE a = %(key)s AND b LIKE '5%%' AND c::text = %(v)s"),
])
def test_driver_statement_speaks_each_drivers_parameter_style(style, expected):
    from kundweb.database import DriverStatement

    assert DriverStatement("SELECT 1 FROM t WHERE a = :key AND b LIKE '5%' AND c::text = :v").text_for(style) == expected
