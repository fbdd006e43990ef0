"""Real server processes for tests: gunicorn serving Kundweb on 127.0.0.1, and a small HTTP client for it."""
import http.client
import os
import re
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tests.conftest import CSRF_PATTERNS, free_port

ROOT = Path(__file__).resolve().parent.parent


def wait_until_listening(address, process, log_path, seconds=30):
    """Until `address` (a loopback port, or a unix socket's path) accepts connections; fails with the
    process's log if it died or never listened."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited ({process.returncode}):\n{Path(log_path).read_text()[-3000:]}")
        try:
            if isinstance(address, int):
                socket.create_connection(("127.0.0.1", address), timeout=0.5).close()
            else:
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.settimeout(0.5)
                    sock.connect(str(address))
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{address} not listening within {seconds} s:\n{Path(log_path).read_text()[-3000:]}")


def stop(process):
    """Stop a process this test started, by its PID: TERM, then KILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def kundweb_environment(tmp_path, database_url, **extra):
    """The environment for a Kundweb process on the testing config and the tests' database."""
    return {**os.environ, "KUNDWEB_ENV": "testing", "KUNDWEB_DATABASE_URL": database_url,
            "KUNDWEB_RECORDS_STORAGE_DIR": str(tmp_path / "records"),
            "KUNDWEB_COMPANY_ATTACHMENT_DIR": str(tmp_path / "company-attachments"), **extra}


@contextmanager
def gunicorn_server(tmp_path, database_url):
    """Kundweb's testing config served by a real gunicorn (one sync worker) on a free loopback port."""
    port = free_port()
    with running([sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                  "--timeout", "60", "--access-logfile", "-", "kundweb:create_app('testing')"],
                 kundweb_environment(tmp_path, database_url), tmp_path / "gunicorn.log", port):
        yield port


@contextmanager
def running(command, env, log_path, address):
    """`command` started in the project's folder, until it listens at `address`; stopped by its PID."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_listening(address, process, log_path)
        yield process
    finally:
        stop(process)


@dataclass
class Session:
    """A cookie-keeping client for a real server on 127.0.0.1 (plain HTTP or HTTPS without verification)."""

    port: int
    host: str = "localhost"
    https: bool = False
    cookies: dict = field(default_factory=dict)

    def request(self, method, path, body=None, headers=None):
        if self.https:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30, context=context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        all_headers = {"Host": self.host, **(headers or {})}
        if self.https and method == "POST":
            # As a browser sends it (Referrer-Policy: same-origin); Flask-WTF checks it over HTTPS.
            all_headers.setdefault("Referer", f"https://{self.host}{path}")
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response, data

    def csrf_token(self, path):
        _, data = self.request("GET", path)
        html = data.decode("utf-8", "replace")
        for pattern in CSRF_PATTERNS:
            match = pattern.search(html)
            if match:
                return match.group(1)
        raise AssertionError(f"no CSRF token on {path}")

    def log_in(self, username, password, headers=None):
        token = self.csrf_token("/login")
        return self.request("POST", "/login", body=urlencode(
            {"username": username, "password": password, "csrf_token": token}),
            headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})

    def post_multipart(self, path, fields, files):
        """`files`: {field name: (filename, bytes)}."""
        boundary = "kundweb-test-boundary-7f3a"
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body=body,
                            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


def status_of(raw):
    """The status code of a raw HTTP response's first line, or None."""
    match = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(match.group(1)) if match else None
