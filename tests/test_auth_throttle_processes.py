"""The login throttle across real gunicorn worker processes, counted where it matters: at the real Samba AD.

Forty wrong passwords for one account are sent at once to two threaded gunicorn workers
on the test database. The account has its own password settings object (a PSO with a
lockout threshold no test reaches), so Samba counts every wrong password that reaches it
in the account's `badPwdCount`; the domain's own settings are left as they are.
"""
import http.client
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

import ldap3
import pytest

from kundweb import ldap_client
from tests.conftest import CSRF_PATTERNS, free_port, require_env

pytestmark = pytest.mark.real_ad
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ATTEMPTS = 40
USER_LIMIT = 5


@pytest.fixture
def ad_env():
    names = ["KUNDWEB_TEST_AD_URL", "KUNDWEB_TEST_AD_BASE_DN", "KUNDWEB_TEST_AD_BIND_DN",
             "KUNDWEB_TEST_AD_BIND_PASSWORD", "KUNDWEB_TEST_AD_DOMAIN", "KUNDWEB_TEST_AD_UPN_SUFFIX",
             "KUNDWEB_TEST_AD_ADMIN_DN", "KUNDWEB_TEST_AD_ADMIN_PASSWORD", "KUNDWEB_TEST_SAMBA_CONF"]
    return dict(zip(names, require_env(*names), strict=True))


def _samba_tool(ad_env, *args):
    subprocess.run(["samba-tool", *args, "-s", ad_env["KUNDWEB_TEST_SAMBA_CONF"]],
                   check=True, capture_output=True, timeout=60)


@pytest.fixture
def ad_account(ad_env):
    """A throwaway AD account (prefix secthr-) whose wrong passwords Samba counts; removed afterwards."""
    name = f"secthr-{secrets.token_hex(4)}"
    pso = f"{name}-pso"
    _samba_tool(ad_env, "user", "create", name, f"Right-{secrets.token_hex(6)}")
    try:
        _samba_tool(ad_env, "domain", "passwordsettings", "pso", "create", pso, "1",
                    "--account-lockout-threshold=1000")
        try:
            _samba_tool(ad_env, "domain", "passwordsettings", "pso", "apply", pso, name)
            yield name
        finally:
            _samba_tool(ad_env, "domain", "passwordsettings", "pso", "delete", pso)
    finally:
        _samba_tool(ad_env, "user", "delete", name)


def _bad_password_count(ad_env, name):
    server = ldap3.Server(ad_env["KUNDWEB_TEST_AD_URL"], connect_timeout=5)
    with ldap3.Connection(server, ad_env["KUNDWEB_TEST_AD_ADMIN_DN"], ad_env["KUNDWEB_TEST_AD_ADMIN_PASSWORD"],
                          auto_bind=True, receive_timeout=10) as conn:
        conn.search(ad_env["KUNDWEB_TEST_AD_BASE_DN"], f"(sAMAccountName={ldap_client.escape(name)})",
                    attributes=["badPwdCount"])
        (entry,) = conn.entries
        return int(entry.badPwdCount.value or 0)


class Gunicorn:
    """`gunicorn -w 2 --threads 16` serving Kundweb on a free loopback port; stopped by its PID."""

    def __init__(self, database_url, ad_env, log_path):
        self.port = free_port()
        env = {**os.environ, "KUNDWEB_ENV": "development", "KUNDWEB_DATABASE_URL": database_url,
               "KUNDWEB_SECRET_KEY": secrets.token_hex(16),
               "KUNDWEB_LDAP_URL": ad_env["KUNDWEB_TEST_AD_URL"],
               "KUNDWEB_LDAP_BASE_DN": ad_env["KUNDWEB_TEST_AD_BASE_DN"],
               "KUNDWEB_LDAP_BIND_DN": ad_env["KUNDWEB_TEST_AD_BIND_DN"],
               "KUNDWEB_LDAP_BIND_PASSWORD": ad_env["KUNDWEB_TEST_AD_BIND_PASSWORD"],
               "KUNDWEB_LDAP_DOMAIN": ad_env["KUNDWEB_TEST_AD_DOMAIN"],
               "KUNDWEB_LDAP_UPN_SUFFIX": ad_env["KUNDWEB_TEST_AD_UPN_SUFFIX"],
               "KUNDWEB_LDAP_TLS_VALIDATE": "0", "KUNDWEB_LOGIN_MAX_FAILURES_PER_USER": str(USER_LIMIT),
               "KUNDWEB_LDAP_RECEIVE_TIMEOUT": "10"}
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "16", "-b", f"127.0.0.1:{self.port}",
             "--timeout", "60", "app:app"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_until_up(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if self.request("GET", "/livez")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not come up:\n{self.output()}")

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.getheader("Set-Cookie") or "", response.read().decode()
        finally:
            conn.close()

    def output(self):
        with open(self.log_path) as handle:
            return handle.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def gunicorn(app, ad_env, tmp_path):
    server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], ad_env, tmp_path / "gunicorn.log")
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


def _login_form(server):
    """A fresh visitor: its session cookie and the login form's CSRF token."""
    status, set_cookie, html = server.request("GET", "/login")
    assert status == 200
    token = next(match.group(1) for pattern in CSRF_PATTERNS if (match := pattern.search(html)))
    return set_cookie.split(";", 1)[0], token


def test_parallel_wrong_passwords_on_two_worker_processes_reach_ad_at_most_the_limit(gunicorn, ad_env, ad_account):
    visitors = [_login_form(gunicorn) for _ in range(ATTEMPTS)]
    start = threading.Barrier(ATTEMPTS)
    statuses = []

    def attempt(cookie, token, number):
        body = urlencode({"username": ad_account, "password": f"wrong-{number}", "csrf_token": token})
        start.wait(timeout=30)
        status, _, _ = gunicorn.request("POST", "/login", body, {
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        statuses.append(status)

    threads = [threading.Thread(target=attempt, args=(*visitor, n)) for n, visitor in enumerate(visitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert len(statuses) == ATTEMPTS, gunicorn.output()
    reached_ad = _bad_password_count(ad_env, ad_account)
    assert reached_ad <= USER_LIMIT, (reached_ad, sorted(statuses))
    assert sorted(set(statuses)) == [401, 429], gunicorn.output()
    assert statuses.count(401) == reached_ad
