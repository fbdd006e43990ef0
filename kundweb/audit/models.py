"""The audit log table."""
from sqlalchemy import JSON

from kundweb.database import UTCDateTime
from kundweb.extensions import db


class AuditEvent(db.Model):
    """One state change or security event; rows are only ever added."""

    __tablename__ = "audit_event"

    id = db.Column(db.Integer, primary_key=True)
    occurred_at = db.Column(UTCDateTime, nullable=False, index=True)
    actor = db.Column(db.String(128), index=True)  # sAMAccountName, or None for the system
    action = db.Column(db.String(64), nullable=False, index=True)
    object_type = db.Column(db.String(64))
    object_id = db.Column(db.String(128))
    remote_addr = db.Column(db.String(64))
    details = db.Column(JSON, nullable=False, default=dict)
