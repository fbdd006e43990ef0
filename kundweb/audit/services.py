"""Writing the audit log: the one way every feature records a state change; its hash chain.

Every event stores the hash of the event before it (`prev_hash`) and its own hash
(`row_hash`) over a canonical serialisation of its columns plus `prev_hash`. The
canonical form is fixed for good: changing it would break every chain already
written. `verify_chain` recomputes the whole chain and names the first broken row.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import timezone

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kundweb.audit.models import AuditChainHead, AuditEvent
from kundweb.database import DriverStatement, stored_time, utcnow
from kundweb.extensions import db

GENESIS_HASH = "0" * 64
HEAD_ID = 1
_EVENTS = AuditEvent.__table__
_HEAD = AuditChainHead.__table__
# Every audited change runs these three, straight to the driver (see DriverStatement): through
# SQLAlchemy each cost several times what the database needs for it. The lock is a no-op
# UPDATE, read back in the same statement (see _lock_chain_head).
_LOCK_HEAD = DriverStatement("UPDATE audit_chain_head SET last_id = last_id WHERE id = :id "
                             "RETURNING last_id, last_hash")
_INSERT_EVENT = DriverStatement(
    "INSERT INTO audit_event (id, occurred_at, actor, action, object_type, object_id, remote_addr, details, "
    "prev_hash, row_hash) VALUES (:id, :occurred_at, :actor, :action, :object_type, :object_id, :remote_addr, "
    ":details, :prev_hash, :row_hash)"
)
_MOVE_HEAD = DriverStatement("UPDATE audit_chain_head SET last_id = :new_id, last_hash = :new_hash WHERE id = :id")


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in person, or the system (scheduler, CLI)."""

    username: str | None
    roles: frozenset = frozenset()
    remote_addr: str | None = None

    def has_role(self, role):
        return role in self.roles or "admin" in self.roles


SYSTEM = Actor(username=None)


def record(action, actor=SYSTEM, object_type=None, object_id=None, details=None, now=None):
    """Add an audit event to the current transaction; the caller commits it with its change.

    The event is appended to the hash chain: this locks the chain head until the
    caller's transaction ends (a row lock on PostgreSQL, the write lock on SQLite),
    so concurrent writers append one after another and the chain never forks.
    """
    connection = db.session.connection()
    last_id, last_hash = _lock_chain_head(connection)
    # Stored as it will read back, so the hash computed now matches the one recomputed later.
    details_json = json.dumps(details or {})
    event = AuditEvent(
        id=last_id + 1,
        occurred_at=(now or utcnow()).astimezone(timezone.utc),
        actor=actor.username,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        remote_addr=actor.remote_addr,
        details=json.loads(details_json),
        prev_hash=last_hash,
    )
    event.row_hash = event_hash(event)
    # Written right after the lock, in the caller's transaction; `event` itself stays outside
    # the session (nothing reads it back from there).
    dialect = connection.dialect.name
    _INSERT_EVENT.first_in(connection, {
        "id": event.id, "occurred_at": stored_time(event.occurred_at, dialect), "actor": event.actor,
        "action": event.action, "object_type": event.object_type, "object_id": event.object_id,
        "remote_addr": event.remote_addr, "details": details_json, "prev_hash": event.prev_hash,
        "row_hash": event.row_hash})
    _MOVE_HEAD.first_in(connection, {"id": HEAD_ID, "new_id": event.id, "new_hash": event.row_hash})
    return event


def lock_chain_head():
    """(last_id, last_hash) of the chain, locked until the current transaction ends (no event slips in)."""
    return _lock_chain_head(db.session.connection())


def _lock_chain_head(connection):
    """Lock the chain head and return (last_id, last_hash).

    Statements on the Session's connection, not through the ORM: they do not flush the
    caller's pending ORM changes, so a caller that catches an IntegrityError at its commit
    still gets it there. The lock is a no-op UPDATE (the first write of the transaction on
    SQLite, so what it returns is the newest committed chain), read back in the same
    statement; on PostgreSQL it holds the head's row lock until the transaction ends.
    """
    row = _LOCK_HEAD.first_in(connection, {"id": HEAD_ID})
    if row is None:
        _create_chain_head()
        row = _LOCK_HEAD.first_in(connection, {"id": HEAD_ID})
    return row[0], row[1]


def _create_chain_head():
    """The head row, continuing from the newest event (the migration normally creates it)."""
    newest = db.session.execute(select(_EVENTS.c.id, _EVENTS.c.row_hash)
                                .order_by(_EVENTS.c.id.desc()).limit(1)).first()
    values = {"id": HEAD_ID, "last_id": newest.id if newest else 0,
              "last_hash": newest.row_hash if newest else GENESIS_HASH}
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(_HEAD).values(**values).on_conflict_do_nothing())


def canonical(event):
    """The bytes an event's hash covers: every column but row_hash, as sorted compact JSON."""
    return json.dumps({
        "id": event.id,
        "occurred_at": event.occurred_at.astimezone(timezone.utc).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "remote_addr": event.remote_addr,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(event):
    return hashlib.sha256(canonical(event)).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verify_chain: how many rows were checked and the first broken one."""

    checked: int
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self):
        return self.problem is None


def verify_chain(batch_size=1000):
    """Recompute the whole chain from the first event; stop at the first broken row.

    A changed row fails its own hash (or cannot even be read back); a removed row
    makes the next row's prev_hash point at a hash that is not the row before it, or,
    once the later hashes are recomputed, leaves a hole in the ids; removed newest
    rows disagree with the chain head.
    """
    expected_prev, previous_id, checked = GENESIS_HASH, None, 0
    for row_id, row in _rows_in_order(batch_size):
        if row is None:
            return ChainReport(checked, row_id, f"händelse #{row_id} har ändrats så att den inte går att läsa")
        if row.prev_hash != expected_prev:
            where = f"händelse #{previous_id}" if previous_id is not None else "kedjans början"
            return ChainReport(checked, row.id, f"händelse #{row.id} hänger inte ihop med {where}: "
                                                "en händelse före den har ändrats eller tagits bort")
        if event_hash(row) != row.row_hash:
            return ChainReport(checked, row.id, f"händelse #{row.id} har ändrats efter att den skrevs")
        # Ids are given one after another under the head's lock: a hole is a removed event whose
        # successors' hashes were recomputed (which only the checkpoints can otherwise show).
        if row.id != (previous_id or 0) + 1:
            after = f"efter #{previous_id}" if previous_id is not None else "i början"
            return ChainReport(checked, row.id, f"händelse #{(previous_id or 0) + 1} saknas ({after} kommer "
                                                f"#{row.id}): den har tagits bort och kedjan räknats om")
        expected_prev, previous_id, checked = row.row_hash, row.id, checked + 1
    head = db.session.execute(select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == HEAD_ID)).first()
    if head is not None and (head.last_id, head.last_hash) != (previous_id or 0, expected_prev):
        if head.last_id > (previous_id or 0):
            return ChainReport(checked, head.last_id, f"händelse #{head.last_id} och kanske fler före den "
                                                      f"saknas i slutet av loggen (sista som finns: #{previous_id})")
        return ChainReport(checked, previous_id, f"kedjans huvud stämmer inte med händelse #{previous_id}")
    return ChainReport(checked)


def _rows_in_order(batch_size):
    """(id, row) in id order, in batches; row is None for a row whose stored values no longer parse."""
    after = 0
    while True:
        batch = select(_EVENTS).where(_EVENTS.c.id > after).order_by(_EVENTS.c.id).limit(batch_size)
        try:
            rows = [(row.id, row) for row in db.session.execute(batch).all()]
        except (ValueError, TypeError):  # a tampered JSON or timestamp: find which row, one by one
            db.session.rollback()
            ids = db.session.scalars(select(_EVENTS.c.id).where(_EVENTS.c.id > after)
                                     .order_by(_EVENTS.c.id).limit(batch_size)).all()
            rows = [(row_id, _row_or_none(row_id)) for row_id in ids]
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def _row_or_none(row_id):
    try:
        return db.session.execute(select(_EVENTS).where(_EVENTS.c.id == row_id)).one()
    except (ValueError, TypeError):
        db.session.rollback()
        return None


def recent_events(limit=100):
    return db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)).all()
