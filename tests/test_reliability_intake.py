"""Registering a public record while its web worker is killed (SIGKILL) in a real gunicorn: nothing half.

The worker dies (1) halfway through receiving a large attachment, sent slowly over a raw
socket, and (2) after the whole request arrived and the file was stored, while the
registration's transaction waits behind a real write lock another connection holds (on
PostgreSQL the counter's number is already taken then). gunicorn starts a new worker; the
register must then hold no item without its revision and attachment, no number without an
item, an audit chain `flask kundweb verify-audit` accepts, and the same form sent again must
register exactly once. A file a killed registration left behind is removed by the scheduler's
upkeep job once old; the file of a completed registration is kept however old it is.
"""
import hashlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from kundweb import scheduler
from kundweb.audit.models import AuditEvent
from kundweb.database import utcnow
from kundweb.extensions import db
from kundweb.records import services
from kundweb.records.models import RecordAttachment, RecordCounter, RecordItem, RecordRevision
from tests.records_helpers import wav_bytes
from tests.server_helpers import Session, gunicorn_server

BOUNDARY = "kundweb-kill-test-3c1e"
BIG_SECONDS = 1000  # 8 kHz 16-bit mono: a 16 MB WAV, under the 25 MB limit, large enough to take a moment
DAY = 24 * 3600


@pytest.fixture
def server(app, tmp_path, monkeypatch):
    """A real gunicorn (one worker) on the tests' database; the app here shares its attachment store."""
    monkeypatch.setitem(app.config, "RECORDS_STORAGE_DIR", str(tmp_path / "records"))
    with gunicorn_server(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]) as port:
        master = _master_pid(tmp_path)
        yield port, master


def _master_pid(tmp_path):
    # gunicorn_server runs `python -m gunicorn`; its master is the only process whose command names our port.
    log = (tmp_path / "gunicorn.log").read_text()
    deadline = time.monotonic() + 20
    while "Booting worker with pid" not in log:
        assert time.monotonic() < deadline, log
        time.sleep(0.1)
        log = (tmp_path / "gunicorn.log").read_text()
    worker = int(log.split("Booting worker with pid: ")[1].split()[0])
    return int(Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _workers(master):
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def kill_worker(port, master):
    """SIGKILL the one worker and wait (bounded) until gunicorn's new worker answers."""
    (worker,) = _workers(master)
    os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while True:
        assert time.monotonic() < deadline, "gunicorn started no new worker"
        workers = _workers(master)
        if workers and worker not in workers:
            break
        time.sleep(0.05)
    while Session(port).request("GET", "/livez")[0].status != 200:
        assert time.monotonic() < deadline, "the new worker does not answer"
        time.sleep(0.1)
    return worker


def _registration_form(session, form_key):
    token = session.csrf_token("/handlingar/ny")
    arrived = (utcnow() - timedelta(minutes=10)).astimezone(services.STOCKHOLM).strftime("%Y-%m-%dT%H:%M")
    return {"csrf_token": token, "form_key": form_key, "kind": "voicemail", "arrived_at": arrived,
            "sender": "Kalle, 070-123 45 67", "description": "Långt röstmeddelande om bygglov.",
            "concerns_matter": "yes", "received_by": "me", "upload_token": ""}


def _multipart(fields, filename, content):
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachment"; filename="{filename}"\r\n'
                 "Content-Type: audio/wav\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _raw_post(session, port, body):
    """A connected socket with the request's head sent; the body is the caller's to send."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    sock.sendall((f"POST /handlingar/ny HTTP/1.1\r\nHost: {session.host}\r\nCookie: {cookies}\r\n"
                  f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                  f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode())
    return sock


def _answer(sock):
    """What the server sent before the connection ended (b"" if the worker died first)."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    finally:
        sock.close()
    return received


def _post(session, fields, content):
    body = _multipart(fields, "rost.wav", content)
    response, _ = session.request("POST", "/handlingar/ny", body=body,
                                  headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    return response


def _register_state(app):
    """(items, revisions, attachments, counters' last numbers, item numbers) as the database has them."""
    with app.app_context():
        counts = [db.session.scalar(select(func.count()).select_from(model))
                  for model in (RecordItem, RecordRevision, RecordAttachment)]
        last = sorted(db.session.scalars(select(RecordCounter.last_number)))
        numbers = sorted(db.session.scalars(select(RecordItem.number)))
        db.session.remove()
    return (*counts, last, numbers)


def _store(app):
    root = app.config["RECORDS_STORAGE_DIR"]
    return sorted(name for _, _, names in os.walk(root) for name in names) if os.path.isdir(root) else []


def _age(app, name, seconds):
    """Make a stored file look `seconds` old, as if the registration had died that long ago."""
    for directory, _, names in os.walk(app.config["RECORDS_STORAGE_DIR"]):
        if name in names:
            path = os.path.join(directory, name)
            os.utime(path, (time.time() - seconds, time.time() - seconds))


def _verify_audit(app):
    result = app.test_cli_runner().invoke(args=["kundweb", "verify-audit"])
    assert result.exit_code == 0, result.output
    assert "kedjan obruten" in result.output


def _assert_registered_once(app, sha256):
    items, revisions, attachments, last, numbers = _register_state(app)
    assert (items, revisions, attachments) == (1, 1, 1)
    assert numbers == [1] and last == [1]  # gap-free: the killed attempt consumed no number
    with app.app_context():
        assert db.session.scalar(select(RecordAttachment.sha256)) == sha256
        db.session.remove()


def test_worker_killed_halfway_through_an_upload_leaves_nothing_and_the_retry_registers_once(app, server):
    port, master = server
    session = Session(port)
    assert session.log_in("anna", "demo-anna")[0].status == 302
    content = wav_bytes(BIG_SECONDS)
    fields = _registration_form(session, "kill-upload-" + "a" * 24)
    body = _multipart(fields, "rost.wav", content)
    sock = _raw_post(session, port, body)
    half = len(body) // 2
    for start in range(0, half, 64 * 1024):  # slowly: the worker is reading while we send
        sock.sendall(body[start:min(start + 64 * 1024, half)])
        time.sleep(0.001)
    killed = kill_worker(port, master)
    assert _answer(sock) == b""  # no answer: the worker died mid-body
    assert not Path(f"/proc/{killed}").exists()

    assert _register_state(app) == (0, 0, 0, [], [])
    assert [name for name in _store(app) if not name.startswith(".upload-")] == []

    # The browser sends the same form again (same form key) to the new worker.
    retried = _post(session, fields, content)
    assert retried.status == 302, retried.status
    again = _post(session, fields, content)  # and once more, as a double submit would
    assert again.status == 302
    sha256 = hashlib.sha256(content).hexdigest()
    _assert_registered_once(app, sha256)
    _verify_audit(app)
    assert _store(app) == [sha256]


@contextmanager
def registration_held(app):
    """A real write lock from another connection that makes a registration wait inside its
    transaction: SQLite, the whole database (BEGIN IMMEDIATE); PostgreSQL, the item table
    (EXCLUSIVE mode), so the worker has taken its number when it waits."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database, isolation_level=None, timeout=5)
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield lambda: True
            conn.execute("ROLLBACK")
        finally:
            conn.close()
        return
    conn = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False), connect_timeout=5)
    try:
        conn.execute("SET idle_in_transaction_session_timeout = '30s'")  # a bound if this test hangs
        conn.commit()
        conn.execute("LOCK TABLE record_item IN EXCLUSIVE MODE")

        def worker_waits_with_its_number():
            return conn.execute("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                                "WHERE NOT l.granted AND c.relname = 'record_item'").fetchone()[0] > 0

        yield worker_waits_with_its_number
        conn.rollback()
    finally:
        conn.close()


def test_worker_killed_mid_registration_consumes_no_number_and_its_file_is_swept_once_old(app, server):
    port, master = server
    session = Session(port)
    assert session.log_in("anna", "demo-anna")[0].status == 302
    content = wav_bytes(BIG_SECONDS)
    sha256 = hashlib.sha256(content).hexdigest()
    fields = _registration_form(session, "kill-register-" + "b" * 24)
    body = _multipart(fields, "rost.wav", content)
    with registration_held(app) as worker_waits:
        sock = _raw_post(session, port, body)
        sock.sendall(body)  # all of it: the worker stores the file, then waits on the lock
        deadline = time.monotonic() + 8  # well inside the 10 s lock wait
        while not (sha256 in _store(app) and worker_waits()):
            assert time.monotonic() < deadline, _store(app)
            time.sleep(0.02)
        time.sleep(0.2)
        kill_worker(port, master)
    assert _answer(sock) == b""

    # Nothing registered, no number used up; only the stored file is left, and verify-audit is content.
    assert _register_state(app) == (0, 0, 0, [], [])
    assert sha256 in _store(app)
    _verify_audit(app)

    # The scheduler's upkeep leaves a young file alone (a retry may come) and removes it once old.
    scheduler.records_orphan_files(app)
    assert sha256 in _store(app)
    _age(app, sha256, 2 * DAY)
    scheduler.records_orphan_files(app)
    assert _store(app) == []
    with app.app_context():
        removed = db.session.scalars(select(AuditEvent.object_id)
                                     .where(AuditEvent.action == "records.orphan_file_removed")).all()
        db.session.remove()
    assert removed == [sha256]

    # The same form sent again (the browser sends the file again): registered once, number 1.
    assert _post(session, fields, content).status == 302
    assert _post(session, fields, content).status == 302
    _assert_registered_once(app, sha256)
    _verify_audit(app)
    # The file of a completed registration is kept, however old.
    _age(app, sha256, 30 * DAY)
    scheduler.records_orphan_files(app)
    assert _store(app) == [sha256]
    _verify_audit(app)


STORING = """
import sys
from kundweb import create_app
from kundweb.records import services

app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": sys.argv[1], "RECORDS_STORAGE_DIR": sys.argv[2]})
with app.app_context():
    services.receive_upload(sys.stdin.buffer, "rost.wav")
"""


def test_process_killed_while_writing_a_file_leaves_a_temporary_file_the_upkeep_removes_once_old(
        app, tmp_path, monkeypatch):
    """The moment between a worker's first and last byte of the file (too short to hit over HTTP): the
    file's bytes come from a pipe that stops halfway, and the storing process is killed there."""
    store = tmp_path / "records"
    monkeypatch.setitem(app.config, "RECORDS_STORAGE_DIR", str(store))
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen([sys.executable, "-c", STORING, app.config["SQLALCHEMY_DATABASE_URI"], str(store)],
                               cwd=root, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        process.stdin.write(wav_bytes(BIG_SECONDS)[:2 * 1024 * 1024])
        process.stdin.flush()
        deadline = time.monotonic() + 30
        while not [p for p in store.glob(".upload-*") if p.stat().st_size >= 1024 * 1024]:
            assert time.monotonic() < deadline and process.poll() is None, process.stderr.read().decode()
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        process.stdin.close()
        process.stderr.close()
    (temp,) = _store(app)
    assert temp.startswith(".upload-")  # never a half file under a hash name

    scheduler.records_orphan_files(app)
    assert _store(app) == [temp]  # young: it may be a registration still being written
    _age(app, temp, 2 * DAY)
    scheduler.records_orphan_files(app)
    assert _store(app) == []
    with app.app_context():
        removed = db.session.scalars(select(AuditEvent.object_id)
                                     .where(AuditEvent.action == "records.orphan_file_removed")).all()
        db.session.remove()
    assert removed == ["temp"]
    _verify_audit(app)
