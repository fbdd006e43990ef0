"""Throttling across real gunicorn worker processes: logins counted where it matters (at the real Samba AD),
and wrong tokens for the switchboard file.

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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ATTEMPTS = 40
USER_LIMIT = 5
TOKEN_LIMIT = 5


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

    def __init__(self, database_url, log_path, settings):
        self.port = free_port()
        env = {**os.environ, "KUNDWEB_ENV": "development", "KUNDWEB_DATABASE_URL": database_url,
               "KUNDWEB_SECRET_KEY": secrets.token_hex(16), "KUNDWEB_LDAP_URL": "", **settings}
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
def start_gunicorn(app, tmp_path):
    """Start gunicorn on the test database with these settings; every one started is stopped afterwards."""
    servers = []

    def start(settings):
        server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / f"gunicorn{len(servers)}.log", settings)
        servers.append(server)
        server.wait_until_up()
        return server

    yield start
    for server in servers:
        server.stop()


def _in_parallel(count, attempt):
    """Run attempt(number) in `count` threads released together; their results."""
    start = threading.Barrier(count)
    results = []

    def run(number):
        start.wait(timeout=30)
        results.append(attempt(number))

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return results


def _login_form(server):
    """A fresh visitor: its session cookie and the login form's CSRF token."""
    status, set_cookie, html = server.request("GET", "/login")
    assert status == 200
    token = next(match.group(1) for pattern in CSRF_PATTERNS if (match := pattern.search(html)))
    return set_cookie.split(";", 1)[0], token


@pytest.mark.real_ad
def test_parallel_wrong_passwords_on_two_worker_processes_reach_ad_at_most_the_limit(start_gunicorn, ad_env,
                                                                                      ad_account):
    server = start_gunicorn({
        "KUNDWEB_LDAP_URL": ad_env["KUNDWEB_TEST_AD_URL"], "KUNDWEB_LDAP_BASE_DN": ad_env["KUNDWEB_TEST_AD_BASE_DN"],
        "KUNDWEB_LDAP_BIND_DN": ad_env["KUNDWEB_TEST_AD_BIND_DN"],
        "KUNDWEB_LDAP_BIND_PASSWORD": ad_env["KUNDWEB_TEST_AD_BIND_PASSWORD"],
        "KUNDWEB_LDAP_DOMAIN": ad_env["KUNDWEB_TEST_AD_DOMAIN"],
        "KUNDWEB_LDAP_UPN_SUFFIX": ad_env["KUNDWEB_TEST_AD_UPN_SUFFIX"],
        "KUNDWEB_LDAP_TLS_VALIDATE": "0", "KUNDWEB_LDAP_RECEIVE_TIMEOUT": "10",
        "KUNDWEB_LOGIN_MAX_FAILURES_PER_USER": str(USER_LIMIT)})
    visitors = [_login_form(server) for _ in range(ATTEMPTS)]

    def attempt(number):
        cookie, token = visitors[number]
        body = urlencode({"username": ad_account, "password": f"wrong-{number}", "csrf_token": token})
        return server.request("POST", "/login", body, {
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})[0]

    statuses = _in_parallel(ATTEMPTS, attempt)
    assert len(statuses) == ATTEMPTS, server.output()
    reached_ad = _bad_password_count(ad_env, ad_account)
    assert reached_ad <= USER_LIMIT, (reached_ad, sorted(statuses))
    assert sorted(set(statuses)) == [401, 429], server.output()
    assert statuses.count(401) == reached_ad


def test_parallel_wrong_switchboard_tokens_on_two_worker_processes_get_at_most_the_limit_of_answers(start_gunicorn):
    token = secrets.token_urlsafe(32)
    server = start_gunicorn({"KUNDWEB_SWITCHBOARD_API_TOKEN": token,
                             "KUNDWEB_SWITCHBOARD_TOKEN_MAX_FAILURES": str(TOKEN_LIMIT)})

    def attempt(number):
        return server.request("GET", "/api/v1/directory/switchboard.csv", headers={
            "Authorization": f"Bearer guess-{number}"})[0]

    statuses = _in_parallel(ATTEMPTS, attempt)
    assert len(statuses) == ATTEMPTS, server.output()
    assert statuses.count(401) == TOKEN_LIMIT and statuses.count(429) == ATTEMPTS - TOKEN_LIMIT, sorted(statuses)
    status, _, body = server.request("GET", "/api/v1/directory/switchboard.csv",
                                     headers={"Authorization": f"Bearer {token}"})
    assert status == 429 and token not in body  # the right token too, from this address, until the window passes
