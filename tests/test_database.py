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


@pytest.mark.parametrize("microsecond", [123456, 0])  # SQLAlchemy writes ".000000" for a whole second too
def test_driver_statement_reads_what_sqlalchemy_wrote_on_either_backend(app, app_context, microsecond):
    """The login check's driver-level SELECT sees the same row, times and all, as SQLAlchemy does."""
    from datetime import datetime, timezone

    from kundweb.auth.models import UserSession
    from kundweb.database import DriverStatement, read_time, stored_time

    seen = datetime(2026, 3, 29, 0, 59, 59, microsecond, tzinfo=timezone.utc)  # the night clocks go forward
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



def test_driver_statement_in_the_sessions_transaction_commits_and_rolls_back_with_it(app, app_context):
    """first_in joins the Session's transaction, and a driver error is SQLAlchemy's IntegrityError."""
    from datetime import datetime, timezone

    from sqlalchemy.exc import IntegrityError

    from kundweb.database import DriverStatement, stored_time

    insert = DriverStatement("INSERT INTO enquiry_category (group_name, name, active, created_at) "
                             "VALUES (:group_name, :name, :active, :created_at) RETURNING id")
    count = DriverStatement("SELECT count(*) FROM enquiry_category WHERE name = :name")
    values = {"group_name": "G", "name": "Bygglov", "active": True,
              "created_at": stored_time(datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc), db.engine.dialect.name)}

    assert insert.first_in(db.session.connection(), values)[0] > 0
    assert count.first_in(db.session.connection(), {"name": "Bygglov"}) == (1,)
    db.session.rollback()
    assert count.first(db.engine, {"name": "Bygglov"}) == (0,)
    new_id = insert.first_in(db.session.connection(), values)[0]
    db.session.commit()
    assert count.first(db.engine, {"name": "Bygglov"}) == (1,)
    with pytest.raises(IntegrityError):
        insert.first_in(db.session.connection(), values)  # UNIQUE (group_name, name)
    db.session.rollback()
    from kundweb.enquiries.models import EnquiryCategory
    stored = db.session.get(EnquiryCategory, new_id)
    assert stored.created_at == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc) and stored.active is True


def test_driver_errors_come_out_as_sqlalchemys_so_the_usual_handlers_apply(app, app_context):
    """A failing driver-level statement raises what the same query through SQLAlchemy would
    (e.g. OperationalError, which the error pages turn into "the database is unavailable")."""
    from sqlalchemy.exc import DBAPIError

    from kundweb.database import DriverStatement

    missing = DriverStatement("SELECT 1 FROM no_such_table WHERE id = :id")
    with pytest.raises(DBAPIError) as by_engine:
        missing.first(db.engine, {"id": 1})
    with pytest.raises(DBAPIError):
        missing.first_in(db.session.connection(), {"id": 1})
    db.session.rollback()
    with pytest.raises(Exception) as through_sqlalchemy:
        db.session.execute(text("SELECT 1 FROM no_such_table WHERE id = :id"), {"id": 1})
    db.session.rollback()
    assert type(by_engine.value) is type(through_sqlalchemy.value)
