"""The audit log table and the head of its hash chain."""
from sqlalchemy import JSON

from kundweb.database import UTCDateTime
from kundweb.extensions import db


class AuditEvent(db.Model):
    """One state change or security event; rows are only ever added.

    Each row carries the hash of the row before it and its own hash over both, so a
    changed, removed or inserted row breaks the chain (`flask kundweb verify-audit`).
    The database refuses UPDATE and DELETE on this table (triggers, see the migration).
    """

    __tablename__ = "audit_event"

    id = db.Column(db.Integer, primary_key=True)
    occurred_at = db.Column(UTCDateTime, nullable=False, index=True)
    actor = db.Column(db.String(128), index=True)  # sAMAccountName, or None for the system
    action = db.Column(db.String(64), nullable=False, index=True)
    object_type = db.Column(db.String(64))
    object_id = db.Column(db.String(128))
    remote_addr = db.Column(db.String(64))
    details = db.Column(JSON, nullable=False, default=dict)
    prev_hash = db.Column(db.String(64), nullable=False)
    row_hash = db.Column(db.String(64), nullable=False)


class AuditChainHead(db.Model):
    """The one row naming the newest audit event and its hash.

    Writers lock it while they append, so the chain can never fork; and it tells
    the verifier where the chain must end, so removing the newest rows shows too.
    """

    __tablename__ = "audit_chain_head"

    id = db.Column(db.Integer, primary_key=True)  # always 1
    last_id = db.Column(db.Integer, nullable=False)
    last_hash = db.Column(db.String(64), nullable=False)


class AuditCheckpoint(db.Model):
    """A signed note of how long the chain was and its newest hash at one moment; rows are only added.

    The MAC (HMAC-SHA256) uses a key that is not in the database, and each checkpoint is
    also appended to a file outside it: whoever rewrites the chain and recomputes every
    hash cannot make the checkpoints agree (`flask kundweb verify-audit`).
    """

    __tablename__ = "audit_checkpoint"

    id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    created_at = db.Column(UTCDateTime, nullable=False)
    last_event_id = db.Column(db.Integer, nullable=False)
    head_hash = db.Column(db.String(64), nullable=False)
    mac = db.Column(db.String(64), nullable=False)
