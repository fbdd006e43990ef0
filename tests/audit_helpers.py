"""Shortcuts for tests of the audit chain: tampering behind the app's back, running verify-audit."""
from types import SimpleNamespace

from sqlalchemy import select, text

from kundweb.audit.models import AuditChainHead, AuditEvent
from kundweb.audit.services import GENESIS_HASH, event_hash
from kundweb.extensions import db
from tests.conftest import append_only_suspended


def tamper(sql, **params):
    """Change the database behind the app's back (what someone with database access could do)."""
    db.session.remove()
    with db.engine.begin() as conn, append_only_suspended(conn):
        conn.execute(text(sql), params)


def verify(app):
    """`flask kundweb verify-audit`: (exit code, output)."""
    result = app.test_cli_runner().invoke(args=["kundweb", "verify-audit"])
    return result.exit_code, result.output


def rewrite_chain_without(event_id, renumber=False):
    """What an insider with database access could do: remove event `event_id` (None: none), optionally
    renumber the rest so the ids show no hole, and recompute every hash and the chain head."""
    events, head = AuditEvent.__table__, AuditChainHead.__table__
    db.session.remove()
    with db.engine.begin() as conn, append_only_suspended(conn):
        kept = [dict(row._mapping) for row in conn.execute(select(events).order_by(events.c.id))
                if row.id != event_id]
        conn.execute(events.delete())
        previous = GENESIS_HASH
        for position, row in enumerate(kept, start=1):
            if renumber:
                row["id"] = position
            row["prev_hash"] = previous
            row["row_hash"] = previous = event_hash(SimpleNamespace(**row))
        if kept:
            conn.execute(events.insert(), kept)
        conn.execute(head.update().values(last_id=kept[-1]["id"] if kept else 0, last_hash=previous))
