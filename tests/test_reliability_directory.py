"""A slow, silent or down directory against real gunicorn workers: login gives up in time, the rest keeps answering.

The directory here is a real TCP server on 127.0.0.1 that accepts LDAP connections and
then drips one byte every two seconds (never a whole answer), says nothing at all, or
is not there (connection refused). ldap3's receive timeout bounds each recv, not the
whole answer, so only an overall deadline stops the drip.
"""
import http.client
import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from kundweb import create_app, ldap_client
from kundweb.auth.models import UserSession
from kundweb.auth.services import hash_token
from kundweb.database import utcnow
from kundweb.extensions import db
from tests.conftest import free_port, require_env

ROOT = Path(__file__).resolve().parent.parent
DEADLINE_SECONDS = 3
# What a loaded, shared test machine may add to an answer that should be immediate.
MARGIN_SECONDS = 1.5
FAST_SECONDS = 1.5
DRIP_INTERVAL_SECONDS = 2  # below ldap3's receive timeout: each recv gets its byte in time
SECRET_KEY = secrets.token_hex(16)
SLOW_MESSAGE = "Katalogtjänsten (Active Directory) svarar inte"


class FakeDirectory:
    """A TCP server posing as a directory: "drip" (a byte every few seconds) or "silent"."""

    # The start of an LDAP message that announces 4 kB to come: the client keeps reading.
    DRIP_BYTES = b"\x30\x84\x00\x00\x10\x00" + b"\x02" * 4096

    def __init__(self, mode):
        self.mode = mode
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            self.accepted += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn):
        with conn:
            for byte in self.DRIP_BYTES:
                if self._stop.wait(DRIP_INTERVAL_SECONDS):
                    return
                if self.mode == "drip":
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        return

    def close(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(DRIP_INTERVAL_SECONDS + 1)
        self.listener.close()


class Gunicorn:
    """`gunicorn -w 2` serving the app, in its own process group, stopped by PID."""

    def __init__(self, environ, log_path):
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "ab")
        # A worker timeout well below the old 31 s hang, so a stuck worker is seen killed.
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{self.port}",
             "--timeout", "12", "--graceful-timeout", "2", "--no-control-socket", "app:app"],
            cwd=ROOT, env=environ, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        started = time.monotonic()
        while time.monotonic() - started < 20:
            assert self.proc.poll() is None, self.log_text()
            try:
                if request(self.port, "GET", "/livez", timeout=1)[0] == 200 and len(self.workers()) == 2:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("gunicorn did not start:\n" + self.log_text())

    def workers(self):
        pids = set()
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            pids.update(int(pid) for pid in (task / "children").read_text().split())
        return pids

    def log_text(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the group this test created
                self.proc.wait(timeout=10)
        self._log.close()


def request(port, method, path, body=None, headers=None, timeout=DEADLINE_SECONDS + 10):
    """(status, headers, text, seconds taken) of one HTTP request."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, response.headers, text, time.monotonic() - started
    finally:
        conn.close()


def log_in(port, username="relkatalog-anna", password="pw"):
    """Fetch the login form and post it; the answer's (status, text, seconds)."""
    status, headers, html, _ = request(port, "GET", "/login")
    assert status == 200
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    status, _, text, seconds = request(
        port, "POST", "/login", body=urlencode({"username": username, "password": password, "csrf_token": token}),
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    return status, text, seconds


@contextmanager
def in_background(function):
    """Run `function` in a thread; yields a dict that gets its "result" (or "error")."""
    outcome = {}

    def run():
        try:
            outcome["result"] = function()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield outcome
    finally:
        thread.join(DEADLINE_SECONDS + 15)


def session_cookie(username, roles_checked_ago):
    """A logged-in browser's cookie, for a session opened straight in the database."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(
        token_hash=hash_token(token), username=username, display_name="Relkatalog Test",
        email="", directory_guid="", roles="employee", created_at=now, last_seen_at=now,
        roles_checked_at=now - roles_checked_ago, remote_addr="127.0.0.1"))
    db.session.commit()
    signer = create_app({"ENV_NAME": "development", "SECRET_KEY": SECRET_KEY,
                         "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    value = signer.session_interface.get_signing_serializer(signer).dumps({"_user_id": token, "_fresh": True})
    return {"Cookie": f"kundweb_session={value}"}


@pytest.fixture(params=["drip", "silent", "down"])
def slow_directory(request):
    if request.param == "down":
        yield request.param, free_port()  # nothing listens there: connection refused
        return
    server = FakeDirectory(request.param)
    try:
        yield request.param, server.port
    finally:
        server.close()


@pytest.fixture
def server(app, slow_directory, tmp_path):
    _, ldap_port = slow_directory
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("KUNDWEB_", "FLASK_"))}
    environ.update({
        "KUNDWEB_ENV": "development", "KUNDWEB_SECRET_KEY": SECRET_KEY,
        "KUNDWEB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "KUNDWEB_LDAP_URL": f"ldap://127.0.0.1:{ldap_port}", "KUNDWEB_LDAP_BASE_DN": "DC=kundweb,DC=test",
        "KUNDWEB_LDAP_BIND_DN": "CN=svc,DC=kundweb,DC=test", "KUNDWEB_LDAP_BIND_PASSWORD": "x",
        "KUNDWEB_LDAP_DOMAIN": "KUNDWEB", "KUNDWEB_LDAP_UPN_SUFFIX": "kundweb.test",
        "KUNDWEB_LDAP_CONNECT_TIMEOUT": "1",
        # Longer than the deadline on purpose: the deadline alone must end the wait.
        "KUNDWEB_LDAP_RECEIVE_TIMEOUT": "10",
        "KUNDWEB_LDAP_DEADLINE_SECONDS": str(DEADLINE_SECONDS),
    })
    gunicorn = Gunicorn(environ, tmp_path / "gunicorn.log")
    try:
        yield gunicorn
    finally:
        gunicorn.stop()


def test_a_slow_directory_stops_login_at_the_deadline_and_nothing_else_waits(app, server, slow_directory):
    mode, _ = slow_directory
    workers = server.workers()
    with app.app_context():
        working = session_cookie("relkatalog-bertil", roles_checked_ago=timedelta(seconds=0))
        due = session_cookie("relkatalog-cecilia", roles_checked_ago=timedelta(days=1))

    with in_background(lambda: log_in(server.port)) as login:
        time.sleep(0.5)  # the login is now waiting on the directory in one worker
        for path, headers in (("/livez", {}), ("/healthz", {}), ("/start/employee", working)):
            status, _, text, seconds = request(server.port, "GET", path, headers=headers)
            assert status == 200 and seconds < FAST_SECONDS, (mode, path, status, seconds, text[:300])
            if path == "/healthz":
                assert set(json.loads(text)) == {"status", "db", "directory"}
    assert "error" not in login, login
    status, text, seconds = login["result"]
    assert status == 503 and SLOW_MESSAGE in text, (mode, status, text[:500])
    assert seconds < DEADLINE_SECONDS + MARGIN_SECONDS, (mode, seconds)

    # A session due for its role re-check waits at most the deadline, keeps its roles and works on.
    for _ in range(2):
        status, _, text, seconds = request(server.port, "GET", "/start/employee", headers=due)
        assert status == 200 and "Relkatalog Test" in text, (mode, status, text[:300])
        assert seconds < DEADLINE_SECONDS + MARGIN_SECONDS, (mode, seconds)

    # The deep check asks the directory itself, also within the deadline.
    status, _, text, seconds = request(server.port, "GET", "/healthz?deep=1")
    assert (status, json.loads(text)) == (200, {"status": "ok", "db": "ok", "directory": "down"}), text
    assert seconds < DEADLINE_SECONDS + MARGIN_SECONDS, (mode, seconds)
    # Every worker soon reports the directory down from its own background check, without waiting.
    reports = []
    for _ in range(int(DEADLINE_SECONDS / 0.25) + 20):
        status, _, text, seconds = request(server.port, "GET", "/healthz")
        assert seconds < FAST_SECONDS, (mode, seconds)
        reports.append(json.loads(text)["directory"])
        if reports[-4:] == ["down"] * 4:
            break
        time.sleep(0.25)
    assert reports[-4:] == ["down"] * 4, reports

    assert "WORKER TIMEOUT" not in server.log_text()
    assert server.workers() == workers, server.log_text()


@pytest.mark.parametrize("transport", ["plain", "ldaps", "starttls"])
def test_healthz_reports_a_real_directory_ok_from_its_background_check(app, transport):
    """Against the real Samba AD, in the clear and over TLS (the handshake is done under the deadline):
    the first /healthz of a process waits briefly for its first check, ?deep=1 asks now, a login works."""
    names = ["KUNDWEB_TEST_AD_URL", "KUNDWEB_TEST_AD_BASE_DN", "KUNDWEB_TEST_AD_BIND_DN", "KUNDWEB_TEST_AD_BIND_PASSWORD"]
    url, base_dn, bind_dn, bind_password = require_env(*names)
    if transport == "ldaps":
        url = "ldaps://127.0.0.1:636"  # Samba's self-signed certificate
    ad_app = create_app({
        "ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "LDAP_URL": url, "LDAP_BASE_DN": base_dn, "LDAP_BIND_DN": bind_dn, "LDAP_BIND_PASSWORD": bind_password,
        "LDAP_DOMAIN": "KUNDWEB", "LDAP_UPN_SUFFIX": "kundweb.test", "LDAP_GROUP_ROLES": {},
        "LDAP_START_TLS": transport == "starttls", "LDAP_TLS_VALIDATE": False,
    })
    client = ad_app.test_client()
    for path in ("/healthz", "/healthz", "/healthz?deep=1"):
        response = client.get(path)
        assert (response.status_code, response.json) == (200, {"status": "ok", "db": "ok", "directory": "ok"}), path
    assert ldap_client.get_directory(ad_app).authenticate("anna", "Anna-pw-1").username == "anna"


class TlsDrippingDirectory(FakeDirectory):
    """LDAPS that drips: "tls-handshake" drips a TLS record during the handshake, "tls-drip" completes
    the handshake (a throwaway self-signed certificate) and then drips the LDAP answer."""

    TLS_RECORD_BYTES = b"\x16\x03\x03\x40\x00" + b"\x02" * 4096

    def __init__(self, mode, tmp_path):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-keyout", str(tmp_path / "key.pem"),
                        "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True, timeout=60)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
        super().__init__(mode)

    def _serve(self, conn):
        with conn:
            payload = self.TLS_RECORD_BYTES
            if self.mode == "tls-drip":
                conn.settimeout(5)
                try:
                    conn = self.context.wrap_socket(conn, server_side=True)
                except (OSError, ssl.SSLError):
                    return
                payload = self.DRIP_BYTES
            for byte in payload:
                if self._stop.wait(DRIP_INTERVAL_SECONDS):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return


@pytest.mark.parametrize("mode", ["tls-handshake", "tls-drip"])
def test_the_deadline_also_cuts_a_directory_that_drips_over_tls(app, tmp_path, mode):
    server = TlsDrippingDirectory(mode, tmp_path)
    try:
        ldaps_app = create_app({
            "ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "LDAP_URL": f"ldaps://127.0.0.1:{server.port}", "LDAP_BASE_DN": "DC=kundweb,DC=test",
            "LDAP_BIND_DN": "CN=svc,DC=kundweb,DC=test", "LDAP_BIND_PASSWORD": "x", "LDAP_GROUP_ROLES": {},
            "LDAP_TLS_VALIDATE": False, "LDAP_CONNECT_TIMEOUT": 1.0, "LDAP_RECEIVE_TIMEOUT": 10,
            "LDAP_DEADLINE_SECONDS": DEADLINE_SECONDS,
        })
        directory = ldap_client.get_directory(ldaps_app)
        started = time.monotonic()
        with pytest.raises(ldap_client.DirectoryUnavailable):
            directory.authenticate("anna", "pw")
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert server.accepted
    assert DEADLINE_SECONDS - 0.5 < elapsed < DEADLINE_SECONDS + MARGIN_SECONDS, f"{elapsed:.1f} s"
