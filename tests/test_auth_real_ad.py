"""Login, roles and session re-checks against the real Samba AD DC that `make test` starts."""
import os
import signal
import ssl
import subprocess
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from ldap3 import MODIFY_REPLACE, Connection, Server, Tls

from kundweb import create_app, ldap_client
from kundweb.audit.models import AuditEvent
from kundweb.auth import services
from kundweb.auth.models import UserSession
from kundweb.extensions import db
from tests.conftest import post_login, require_env

pytestmark = pytest.mark.real_ad
GROUPS = "CN=Users,DC=kundweb,DC=test"
# This file's own account, group and password settings object: made and removed by the tests.
# No given name or surname, so the directory sync's people filter never sees the account.
STATE_ACCOUNT, STATE_PASSWORD = "seclogin-state", "Seclogin-pw-1"
STATE_GROUP = "seclogin-agents"
STATE_PSO = "seclogin-lockout"
PAST_FILETIME = str(ldap_client.FILETIME_EPOCH_OFFSET + 1_600_000_000 * 10_000_000)  # 2020-09-13


@pytest.fixture(scope="module")
def ad_env():
    names = ["KUNDWEB_TEST_AD_URL", "KUNDWEB_TEST_AD_BASE_DN", "KUNDWEB_TEST_AD_BIND_DN",
             "KUNDWEB_TEST_AD_BIND_PASSWORD", "KUNDWEB_TEST_AD_DOMAIN", "KUNDWEB_TEST_AD_UPN_SUFFIX",
             "KUNDWEB_TEST_SAMBA_CONF"]
    return dict(zip(names, require_env(*names), strict=True))


@pytest.fixture
def ad_app(app, ad_env):
    """The app against real AD, on the same test database as `app` (so it is cleaned alike)."""
    return make_ad_app(app, ad_env)


def make_ad_app(app, ad_env, **overrides):
    return create_app({
        "ENV_NAME": "testing",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "LDAP_URL": ad_env["KUNDWEB_TEST_AD_URL"],
        "LDAP_BASE_DN": ad_env["KUNDWEB_TEST_AD_BASE_DN"],
        "LDAP_BIND_DN": ad_env["KUNDWEB_TEST_AD_BIND_DN"],
        "LDAP_BIND_PASSWORD": ad_env["KUNDWEB_TEST_AD_BIND_PASSWORD"],
        "LDAP_DOMAIN": ad_env["KUNDWEB_TEST_AD_DOMAIN"],
        "LDAP_UPN_SUFFIX": ad_env["KUNDWEB_TEST_AD_UPN_SUFFIX"],
        "LDAP_NESTED_GROUPS": "matching-rule",
        "LDAP_CONNECT_TIMEOUT": 2.0,
        "LDAP_RECEIVE_TIMEOUT": 2,
        "LDAP_GROUP_ROLES": {
            f"CN=KW-Kundtjanst,{GROUPS}": "agent",
            f"CN=KW-Kommunikation,{GROUPS}": "communicator",
            f"CN=KW-Kundcenterledning,{GROUPS}": "admin",
        },
        **overrides,
    })


@pytest.fixture
def directory(ad_app):
    return ldap_client.get_directory(ad_app)


def samba_tool(ad_env, *args, check=True):
    subprocess.run(["samba-tool", *args, "-s", ad_env["KUNDWEB_TEST_SAMBA_CONF"]],
                   check=check, capture_output=True, timeout=60)


@contextmanager
def ad_admin(ad_env):
    """An LDAPS connection as the domain's Administrator, for attributes samba-tool cannot set."""
    (admin_dn, admin_password) = require_env("KUNDWEB_TEST_AD_ADMIN_DN", "KUNDWEB_TEST_AD_ADMIN_PASSWORD")
    server = Server("127.0.0.1", port=636, use_ssl=True, tls=Tls(validate=ssl.CERT_NONE), connect_timeout=5)
    conn = Connection(server, admin_dn, admin_password, auto_bind=True, receive_timeout=10)
    try:
        yield conn
    finally:
        conn.unbind()


@pytest.fixture
def state_account(ad_env):
    """A fresh account of this file's own; a password settings object locks only it after two bad passwords
    (the domain's own lockout policy, shared with everyone, stays as it is). Yields its DN."""
    samba_tool(ad_env, "user", "delete", STATE_ACCOUNT, check=False)  # left over from an interrupted run
    samba_tool(ad_env, "domain", "passwordsettings", "pso", "delete", STATE_PSO, check=False)
    samba_tool(ad_env, "user", "create", STATE_ACCOUNT, STATE_PASSWORD)
    try:
        samba_tool(ad_env, "domain", "passwordsettings", "pso", "create", STATE_PSO, "50",
                   "--account-lockout-threshold=2", "--account-lockout-duration=30",
                   "--reset-account-lockout-after=30")
        samba_tool(ad_env, "domain", "passwordsettings", "pso", "apply", STATE_PSO, STATE_ACCOUNT)
        yield f"CN={STATE_ACCOUNT},{GROUPS}"
    finally:
        samba_tool(ad_env, "user", "delete", STATE_ACCOUNT, check=False)
        samba_tool(ad_env, "domain", "passwordsettings", "pso", "delete", STATE_PSO, check=False)


@contextmanager
def samba_paused():
    """Freeze the real Samba process (the kernel still accepts TCP, nothing answers), then thaw it."""
    (pid_file,) = require_env("KUNDWEB_TEST_SAMBA_PIDFILE")
    with open(pid_file) as handle:
        pid = int(handle.read().strip())
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@pytest.mark.parametrize("login_name, roles", [
    ("anna", ["employee"]),
    ("bertil", ["employee", "agent"]),
    ("KUNDWEB\\bertil", ["employee", "agent"]),
    ("bertil@kundweb.test", ["employee", "agent"]),
    ("erik", ["employee", "agent"]),  # KW-Kvall-Vikarier ⊂ KW-Kundtjanst-Kvall ⊂ KW-Kundtjanst
    ("cecilia", ["employee", "communicator"]),
    ("david", ["employee", "admin"]),
    ("frida", ["employee", "agent", "communicator"]),
])
def test_roles_come_from_direct_and_nested_groups(ad_app, directory, login_name, roles):
    password = login_name.split("\\")[-1].split("@")[0].capitalize() + "-pw-1"
    with ad_app.app_context():
        _, session = services.log_in(login_name, password, "127.0.0.1", directory)
        assert session.roles.split(",") == roles


def test_display_name_with_swedish_letters_round_trips(ad_app, directory):
    with ad_app.app_context():
        _, session = services.log_in("bertil", "Bertil-pw-1", "127.0.0.1", directory)
        assert session.display_name == "Bertil Öberg"


@pytest.mark.parametrize("username, password, code", [
    ("bertil", "wrong-password", "52e"),
    ("helena", "Helena-pw-1", "533"),  # disabled
    ("ivar", "Ivar-pw-1", "701"),  # account expired
    ("nobody-here", "whatever", "525"),
])
def test_refusals_are_generic_but_the_log_has_ad_reason(ad_app, directory, caplog, username, password, code):
    with ad_app.app_context(), pytest.raises(services.InvalidLogin):
        services.log_in(username, password, "127.0.0.1", directory)
    assert f"AD code {code}" in caplog.text


def test_injection_string_finds_nobody(directory):
    with pytest.raises(ldap_client.AuthenticationFailed):
        directory.authenticate("*", "Bertil-pw-1")
    assert directory.find_account("*)(sAMAccountName=*") is None


HOSTILE_NAMES = ["*", "b*", "*)(uid=*", "*)(sAMAccountName=*", "admin)(|(a=*", "bertil)(|(objectClass=*",
                 "bertil\x00", "\x00*", "bertil\\2a", "*)(&", "bertil)(!(cn=x)", "(", ")"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_refused_before_ad_and_escaped_when_they_reach_it(ad_app, directory, caplog, name):
    """Two layers: the login refuses the name unasked (allow-list); and even a name that reached
    the real AD would be matched literally (escaping), so it finds nobody and binds as nobody."""
    with ad_app.app_context(), pytest.raises(services.InvalidLogin):
        services.log_in(name, "Bertil-pw-1", "127.0.0.1", directory)
    assert "AD code" not in caplog.text  # refused before any LDAP call
    with pytest.raises(ldap_client.AuthenticationFailed) as refused:
        directory.authenticate(name, "Bertil-pw-1")
    assert refused.value.reason_code == "525"
    assert directory.find_account(name) is None
    assert directory.find_person(name) is None
    assert directory.search_people(name) == []


def test_login_and_logout_over_http(ad_app):
    client = ad_app.test_client()
    response = post_login(client, "KUNDWEB\\frida", "Frida-pw-1")
    assert response.status_code == 302
    page = client.get("/", follow_redirects=True)
    assert page.status_code == 200 and "Frida Holm" in page.get_data(as_text=True)
    assert "DEMO" not in page.get_data(as_text=True)


def test_disabled_user_loses_open_session_at_the_recheck(ad_app, ad_env):
    client = ad_app.test_client()
    assert post_login(client, "gustav", "Gustav-pw-1").status_code == 302
    assert client.get("/start/agent").status_code == 200
    samba_tool(ad_env, "user", "disable", "gustav")
    try:
        assert client.get("/start/agent").status_code == 200  # not yet due for a re-check
        _make_recheck_due(ad_app, "gustav")
        response = client.get("/start/agent")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        with ad_app.app_context():
            session = db.session.scalars(db.select(UserSession).filter_by(username="gustav")).one()
            assert session.end_reason == "account-disabled"
        assert post_login(client, "gustav", "Gustav-pw-1").status_code == 401
    finally:
        samba_tool(ad_env, "user", "enable", "gustav")


def test_frozen_directory_gives_clear_error_in_time_and_logged_in_users_keep_working(ad_app):
    client_in = ad_app.test_client()
    assert post_login(client_in, "bertil", "Bertil-pw-1").status_code == 302
    with samba_paused():
        _make_recheck_due(ad_app, "bertil")
        started = time.monotonic()
        assert client_in.get("/start/agent").status_code == 200  # re-check postponed, not fatal
        client_new = ad_app.test_client()
        response = post_login(client_new, "anna", "Anna-pw-1")
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert "svarar inte" in response.get_data(as_text=True)
        assert elapsed < 12, f"took {elapsed:.1f}s"
        assert client_in.get("/start/agent").status_code == 200  # and no second wait: retry later


def _make_recheck_due(app, username):
    with app.app_context():
        for session in db.session.scalars(db.select(UserSession).filter_by(username=username, ended_at=None)):
            session.roles_checked_at -= timedelta(seconds=app.config["ROLE_RECHECK_SECONDS"] + 1)
        db.session.commit()


@pytest.mark.parametrize("url, start_tls, encrypted", [
    ("127.0.0.1", False, False),  # no scheme: plain LDAP, what the production check refuses
    ("LDAP://127.0.0.1:389", False, False),
    ("Ldap://127.0.0.1", True, True),
    ("LDAPS://127.0.0.1:636", False, True),
    ("ldaps://127.0.0.1", False, True),
])
def test_every_url_form_reaches_the_real_directory_as_the_check_reads_it(app, ad_env, url, start_tls, encrypted):
    """Plain forms travel in clear text, LDAPS and StartTLS encrypted: just what check_production_config assumes."""
    ad_app = make_ad_app(app, ad_env, LDAP_URL=url, LDAP_START_TLS=start_tls)
    directory = ldap_client.get_directory(ad_app)
    with directory._service_session() as conn:
        assert isinstance(conn.socket, ssl.SSLSocket) is encrypted
    with ad_app.app_context():
        _, session = services.log_in("bertil", "Bertil-pw-1", "127.0.0.1", directory)
        assert session.roles.split(",") == ["employee", "agent"]


def _disable(ad_env, ad_app, dn):
    samba_tool(ad_env, "user", "disable", STATE_ACCOUNT)


def _expire(ad_env, ad_app, dn):
    with ad_admin(ad_env) as admin:
        assert admin.modify(dn, {"accountExpires": [(MODIFY_REPLACE, [PAST_FILETIME])]}), admin.result


def _lock_out(ad_env, ad_app, dn):
    """Two wrong passwords through Kundweb's own login: the PSO's threshold, still below Kundweb's throttle."""
    with ad_app.app_context():
        for _ in range(2):
            with pytest.raises(services.InvalidLogin):
                services.log_in(STATE_ACCOUNT, "wrong-password", "127.0.0.1", ldap_client.get_directory(ad_app))


def _require_new_password(ad_env, ad_app, dn):
    with ad_admin(ad_env) as admin:
        assert admin.modify(dn, {"pwdLastSet": [(MODIFY_REPLACE, ["0"])]}), admin.result


def _forbid_every_hour(ad_env, ad_app, dn):
    with ad_admin(ad_env) as admin:
        assert admin.modify(dn, {"logonHours": [(MODIFY_REPLACE, [bytes(21)])]}), admin.result


@pytest.mark.parametrize("make_state, reason, code", [
    (_disable, "account-disabled", "533"),
    (_expire, "account-expired", "701"),
    (_lock_out, "account-locked", "775"),
    (_require_new_password, "password-must-change", "773"),
    (_forbid_every_hour, "outside-logon-hours", "530"),
], ids=["disabled", "account-expired", "locked", "must-change-password", "outside-logon-hours"])
def test_every_account_state_refuses_login_and_ends_the_open_session(ad_app, ad_env, state_account, caplog,
                                                                   make_state, reason, code):
    """Samba sets each state on one account; a password that expired by age needs the domain's
    policy changed, so that state is tested on the directory's data in test_auth_service."""
    client = ad_app.test_client()
    assert post_login(client, STATE_ACCOUNT, STATE_PASSWORD).status_code == 302
    assert client.get("/start/employee").status_code == 200
    make_state(ad_env, ad_app, state_account)
    assert client.get("/start/employee").status_code == 200  # not yet due for a re-check
    _make_recheck_due(ad_app, STATE_ACCOUNT)
    response = client.get("/start/employee")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with ad_app.app_context():
        session = db.session.scalars(db.select(UserSession).filter_by(username=STATE_ACCOUNT)).one()
        assert session.end_reason == reason
    caplog.clear()
    response = post_login(ad_app.test_client(), STATE_ACCOUNT, STATE_PASSWORD)
    assert response.status_code == 401
    assert "Fel användarnamn eller lösenord, eller så är kontot spärrat." in response.get_data(as_text=True)
    assert f"AD code {code}" in caplog.text


def test_role_given_and_taken_away_in_ad_takes_effect_in_the_open_session(app, ad_env, state_account):
    samba_tool(ad_env, "group", "delete", STATE_GROUP, check=False)
    samba_tool(ad_env, "group", "add", STATE_GROUP)
    try:
        ad_app = make_ad_app(app, ad_env, LDAP_GROUP_ROLES={f"CN={STATE_GROUP},{GROUPS}": "agent"})
        client = ad_app.test_client()
        assert post_login(client, STATE_ACCOUNT, STATE_PASSWORD).status_code == 302
        assert client.get("/start/agent").status_code == 403
        samba_tool(ad_env, "group", "addmembers", STATE_GROUP, STATE_ACCOUNT)
        _make_recheck_due(ad_app, STATE_ACCOUNT)
        assert client.get("/start/agent").status_code == 200
        samba_tool(ad_env, "group", "removemembers", STATE_GROUP, STATE_ACCOUNT)
        assert client.get("/start/agent").status_code == 200  # not yet due for a re-check
        _make_recheck_due(ad_app, STATE_ACCOUNT)
        assert client.get("/start/agent").status_code == 403
        with ad_app.app_context():
            changes = db.session.scalars(db.select(AuditEvent).filter_by(action="auth.roles_changed")
                                         .order_by(AuditEvent.id)).all()
            assert [event.details["after"] for event in changes] == [["employee", "agent"], ["employee"]]
    finally:
        samba_tool(ad_env, "group", "delete", STATE_GROUP, check=False)
