"""Shortcuts for tests of the audit chain: tampering behind the app's back, running verify-audit."""
from sqlalchemy import text

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
