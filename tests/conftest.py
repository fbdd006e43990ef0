"""Shared fixtures: the app on SQLite or PostgreSQL, clients, logging in as each role."""
import os
import re
import socket
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from kundweb import create_app
from kundweb.extensions import db

DEMO_PASSWORDS = {"employee": ("anna", "demo-anna"), "agent": ("bertil", "demo-bertil"),
                  "communicator": ("cecilia", "demo-cecilia"), "admin": ("david", "demo-david"),
                  "editor": ("elin", "demo-elin")}
CSRF_PATTERNS = [re.compile(r'name="csrf_token"[^>]*value="([^"]+)"'),
                 re.compile(r'"X-CSRFToken": "([^"]+)"')]


def real_servers_required():
    """`make test` sets this: a missing real server is then a failure, not a skip."""
    return os.environ.get("KUNDWEB_REQUIRE_REAL_SERVERS") == "1"


def require_env(*names):
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        message = f"real test server not configured ({', '.join(missing)}); run `make test`"
        if real_servers_required():
            pytest.fail(message)
        pytest.skip(message)
    return [os.environ[name] for name in names]


def database_url(tmp_path_factory):
    return os.environ.get("KUNDWEB_TEST_DATABASE_URL") or (
        "sqlite:///" + str(tmp_path_factory.mktemp("db") / "kundweb-test.sqlite3"))


def reset_schema(app):
    """An empty database brought to the latest migration, so the migrations are tested too."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(directory=os.path.join(os.path.dirname(app.root_path), "migrations"))


def empty_tables(app):
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn, append_only_suspended(conn):
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@contextmanager
def append_only_suspended(conn):
    """For tests only: let `conn` change the append-only tables (audit log, public records).

    The database refuses UPDATE and DELETE there by triggers (kundweb/audit/append_only.py).
    PostgreSQL skips ordinary triggers for this transaction only
    (session_replication_role, superuser only); SQLite has no such switch, so the
    append-only triggers are dropped and re-created from their own stored SQL.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        conn.execute(text("SET LOCAL session_replication_role = origin"))
        return
    triggers = conn.execute(text("SELECT name, sql FROM sqlite_master "
                                 "WHERE type = 'trigger' AND name LIKE '%append_only%'")).all()
    for name, _ in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _, sql in triggers:
        conn.execute(text(sql))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
                      # Uploaded public-record files go to a throwaway folder, never instance/.
                      "RECORDS_STORAGE_DIR": str(tmp_path_factory.mktemp("records")),
                      "AUDIT_CHECKPOINT_FILE": str(tmp_path_factory.mktemp("audit") / "audit-checkpoints.log")})
    reset_schema(app)
    return app


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Each test starts with empty tables (only for tests that use the app)."""
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        empty_tables(app)
        # The checkpoints' file outside the database goes with the database's checkpoints.
        if os.path.exists(app.config["AUDIT_CHECKPOINT_FILE"]):
            os.unlink(app.config["AUDIT_CHECKPOINT_FILE"])


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path="/login"):
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    for pattern in CSRF_PATTERNS:
        match = pattern.search(html)
        if match:
            return match.group(1)
    raise AssertionError(f"no CSRF token on {path}")


def post_login(client, username, password, **kwargs):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)}, **kwargs)


@pytest.fixture
def login_as(client):
    """Log the test client in as the demo user of a role, through the real login form."""

    def login(role):
        username, password = DEMO_PASSWORDS[role]
        response = post_login(client, username, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return login


class Inbox:
    """Messages a real local SMTP server received: (recipients, raw message text)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on 127.0.0.1, with the app's mail settings pointed at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    old = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = "127.0.0.1", controller.port
    try:
        yield inbox
    finally:
        app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = old
        controller.stop()
