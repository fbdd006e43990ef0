"""The audit log as a hash chain: the database refuses changes, and verify-audit names the first broken row."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kundweb.audit import services as audit
from kundweb.audit.models import AuditEvent
from kundweb.extensions import db
from tests.audit_helpers import tamper, verify

ADMIN = audit.Actor("david", frozenset({"admin"}), "10.0.0.7")


@pytest.fixture
def events(app, app_context):
    """Four events in three transactions, with the kinds of values features write."""
    audit.record("auth.login", ADMIN, "user", "david", {"roles": ["admin"], "note": "åäö"})
    db.session.commit()
    audit.record("hours.exception_added", ADMIN, "hours_exception", 7, {"day": "2026-12-24", "opens": None})
    audit.record("crisis.published", ADMIN, "crisis_message", 3, {"before": {"title": "KC 1"}, "ratio": 0.5})
    db.session.commit()
    audit.record("scheduler.job", audit.SYSTEM, None, None, {})
    db.session.commit()
    return db.session.scalars(db.select(AuditEvent.id).order_by(AuditEvent.id)).all()


def test_each_event_is_chained_to_the_one_before(app, events):
    rows = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert [r.prev_hash for r in rows[1:]] == [r.row_hash for r in rows[:-1]]
    assert all(audit.event_hash(r) == r.row_hash for r in rows)
    assert audit.verify_chain().checked == 4


def test_a_rolled_back_event_gives_its_place_back(app, app_context):
    audit.record("a.one", ADMIN)
    db.session.commit()
    audit.record("a.rolled_back", ADMIN)
    db.session.rollback()
    audit.record("a.two", ADMIN)
    db.session.commit()
    assert [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))] == ["a.one", "a.two"]
    assert audit.verify_chain().ok


@pytest.mark.parametrize("sql", ["UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event",
                                 "DELETE FROM audit_chain_head"])
def test_the_database_refuses_to_change_or_remove_events(app, events, sql):
    with pytest.raises(IntegrityError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(sql))
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 4


def test_the_orm_cannot_change_or_remove_events_either(app, events):
    event = db.session.get(AuditEvent, events[0])
    event.actor = "mallory"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, events[1]))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEvent, events[0]).actor == "david"


def test_truncate_is_refused_on_postgresql(app, events):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its DELETE is refused above")
    db.session.remove()  # TRUNCATE waits for every other transaction on the table, this test's own too
    with pytest.raises(IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_event CASCADE"))


def test_verify_audit_passes_an_intact_chain(app, events):
    code, output = verify(app)
    assert code == 0, output
    assert "Granskningsloggen är hel: 4 händelser" in output


@pytest.mark.parametrize("column", ["action", "actor", "details", "object_id"])
def test_flipping_one_byte_of_an_event_names_that_row(app, events, column):
    target = events[2]
    with db.engine.connect() as conn:
        value = conn.execute(text(f"SELECT CAST({column} AS TEXT) FROM audit_event WHERE id = :id"),
                             {"id": target}).scalar()
    # One bit of one byte, inside a string value so JSON still parses: only the hash can tell.
    position = value.index("KC") if column == "details" else len(value) // 2
    flipped = value[:position] + chr(ord(value[position]) ^ 0x01) + value[position + 1:]
    cast = "CAST(:value AS JSON)" if column == "details" and db.engine.dialect.name == "postgresql" else ":value"
    tamper(f"UPDATE audit_event SET {column} = {cast} WHERE id = :id", value=flipped, id=target)
    code, output = verify(app)
    assert code == 1
    assert f"audit_event.id = {target}" in output and "har ändrats" in output


def test_an_event_changed_beyond_reading_is_named(app, events):
    if db.engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL refuses invalid JSON itself")
    tamper("UPDATE audit_event SET details = '{\"broken' WHERE id = :id", id=events[1])
    code, output = verify(app)
    assert code == 1 and f"audit_event.id = {events[1]}" in output


def test_a_rewritten_event_with_a_fresh_hash_breaks_the_next_link(app, events):
    """Someone who recomputes the changed row's own hash is caught by the row after it."""
    target = db.session.get(AuditEvent, events[1])
    target.actor = "mallory"
    forged = audit.event_hash(target)
    db.session.rollback()
    tamper("UPDATE audit_event SET actor = 'mallory', row_hash = :hash WHERE id = :id", hash=forged, id=events[1])
    code, output = verify(app)
    assert code == 1 and f"audit_event.id = {events[2]}" in output and f"#{events[1]}" in output


def test_removing_an_event_names_the_row_after_the_gap(app, events):
    tamper("DELETE FROM audit_event WHERE id = :id", id=events[1])
    code, output = verify(app)
    assert code == 1
    assert f"audit_event.id = {events[2]}" in output and f"#{events[0]}" in output


def test_removing_the_newest_event_is_caught_by_the_chain_head(app, events):
    tamper("DELETE FROM audit_event WHERE id = :id", id=events[-1])
    code, output = verify(app)
    assert code == 1 and f"audit_event.id = {events[-1]}" in output and "saknas" in output


def test_an_event_joins_the_callers_transaction_without_flushing_its_pending_changes(app, app_context):
    """Pending ORM changes stay pending (the caller's commit meets their errors), and a rollback
    takes the event away with them."""
    from kundweb.enquiries.models import EnquiryCategory
    from kundweb.database import utcnow

    audit.record("a.first", ADMIN)  # the chain head exists from here on
    db.session.commit()
    category = EnquiryCategory(group_name="G", name="N", active=True, created_at=utcnow())
    db.session.add(category)
    audit.record("a.pending", ADMIN)
    assert category in db.session.new  # not flushed by the audit statements
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 1
    db.session.add(EnquiryCategory(group_name="G", name="N", active=True, created_at=utcnow()))
    audit.record("a.kept", ADMIN, details={"åäö": [1, None, "x"]})
    db.session.commit()
    event = db.session.scalars(db.select(AuditEvent).filter_by(action="a.kept")).one()
    assert event.details == {"åäö": [1, None, "x"]} and audit.verify_chain().ok
