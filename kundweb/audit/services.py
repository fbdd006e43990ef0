"""Writing the audit log: the one way every feature records a state change."""
from dataclasses import dataclass

from kundweb.audit.models import AuditEvent
from kundweb.database import utcnow
from kundweb.extensions import db


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
    """Add an audit event to the current transaction; the caller commits it with its change."""
    event = AuditEvent(
        occurred_at=now or utcnow(),
        actor=actor.username,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        remote_addr=actor.remote_addr,
        details=details or {},
    )
    db.session.add(event)
    return event


def recent_events(limit=100):
    return db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)).all()
