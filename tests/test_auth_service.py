"""The auth service without HTTP: names, injection, blank input, AD reason codes, throttling."""
from datetime import timedelta

import pytest

from kundweb import ldap_client
from kundweb.audit.models import AuditEvent
from kundweb.auth import services
from kundweb.auth.models import LoginFailure, UserSession
from kundweb.database import utcnow
from kundweb.extensions import db


class RecordingDirectory:
    """A fake directory that records calls; used only to prove no LDAP call happens."""

    def __init__(self, error=None):
        self.calls = []
        self.error = error

    def authenticate(self, username, password, upn=None):
        self.calls.append((username, upn))
        raise self.error or ldap_client.AuthenticationFailed("52e")


@pytest.mark.parametrize("raw, expected", [
    ("anna", services.LoginName(username="anna")),
    ("  anna  ", services.LoginName(username="anna")),
    ("KUNDWEB\\anna", services.LoginName(username="anna")),
    ("kundweb\\anna", services.LoginName(username="anna")),
    ("anna@kundweb.demo", services.LoginName(username="anna")),
    ("anna@ANNAN.example", services.LoginName(upn="anna@ANNAN.example")),
    ("first.last-2", services.LoginName(username="first.last-2")),
])
def test_login_names_accepted_in_all_three_forms(raw, expected):
    assert services.parse_login_name(raw, "KUNDWEB", "kundweb.demo") == expected


@pytest.mark.parametrize("raw", [
    "*)(sAMAccountName=*", "admin)(|(x=*", "*", "anna*", "an(na", "anna\\", "\\anna",
    "OTHER\\anna", "anna@", "@kundweb.demo", "anna@evil)(x=*", "anna bertil", "anna\x00",
    "ånna", "", "   ", "a" * 65,
])
def test_suspicious_login_names_are_refused(raw):
    with pytest.raises(services.InvalidLogin):
        services.parse_login_name(raw, "KUNDWEB", "kundweb.demo")


def test_filter_values_are_escaped():
    assert ldap_client.escape("*)(sAMAccountName=*") == "\\2a\\29\\28sAMAccountName=\\2a"
    assert ldap_client.escape("a\\b\x00") == "a\\5cb\\00"


@pytest.mark.parametrize("username, password", [
    ("", "secret"), ("   ", "secret"), ("anna", ""), ("anna", "   "), ("anna", "\t\n"), (None, None),
])
def test_blank_credentials_are_refused_before_any_directory_call(app_context, username, password):
    directory = RecordingDirectory()
    with pytest.raises(services.MissingCredentials):
        services.log_in(username, password, "10.0.0.1", directory)
    assert directory.calls == []


@pytest.mark.parametrize("username", ["*)(sAMAccountName=*", "admin)(|(x=*", "*"])
def test_injection_attempts_never_reach_the_directory(app_context, username):
    directory = RecordingDirectory()
    with pytest.raises(services.InvalidLogin):
        services.log_in(username, "whatever", "10.0.0.1", directory)
    assert directory.calls == []
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginFailure)) == 1


@pytest.mark.parametrize("code", ["52e", "525", "530", "531", "532", "533", "701", "773", "775"])
def test_every_ad_refusal_gives_one_generic_message_and_logs_the_code(app_context, caplog, code):
    directory = RecordingDirectory(ldap_client.AuthenticationFailed(code))
    with pytest.raises(services.InvalidLogin) as excinfo:
        services.log_in("anna", "pw", "10.0.0.1", directory)
    assert excinfo.value.message == services.InvalidLogin.message
    assert f"AD code {code}" in caplog.text
    event = db.session.scalars(db.select(AuditEvent)).one()
    assert (event.action, event.details["reason_code"]) == ("auth.login_failed", code)


def test_reason_code_is_read_from_ad_bind_message():
    message = "80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 775, v3839"
    assert ldap_client._reason_code({"result": 49, "message": message}) == "775"
    assert ldap_client._reason_code({"result": 49, "message": ""}) == "52e"


def test_demo_directory_refuses_disabled_account_with_code_533(app, app_context, caplog):
    directory = ldap_client.get_directory(app)
    with pytest.raises(services.InvalidLogin):
        services.log_in("helena", "demo-helena", "10.0.0.1", directory)
    assert "AD code 533" in caplog.text


def test_throttling_per_user_stops_before_the_directory_is_asked(app, app_context):
    limit = app.config["LOGIN_MAX_FAILURES_PER_USER"]
    directory = RecordingDirectory()
    for attempt in range(limit):
        with pytest.raises(services.InvalidLogin):
            services.log_in("anna", "wrong", f"10.0.0.{attempt}", directory)
    with pytest.raises(services.LoginThrottled) as excinfo:
        services.log_in("KUNDWEB\\anna", "right-or-wrong", "10.9.9.9", directory)
    assert len(directory.calls) == limit
    assert "15 minuter" in excinfo.value.message
    later = utcnow() + timedelta(minutes=16)
    with pytest.raises(services.InvalidLogin):  # the window has passed: asked again
        services.log_in("anna", "wrong", "10.0.0.1", directory, now=later)


def test_throttling_per_address_covers_many_user_names(app, app_context):
    directory = RecordingDirectory()
    for number in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        with pytest.raises(services.InvalidLogin):
            services.log_in(f"user{number}", "wrong", "10.1.1.1", directory)
    with pytest.raises(services.LoginThrottled):
        services.log_in("someone-else", "pw", "10.1.1.1", directory)


def test_a_directory_outage_is_not_counted_as_a_failed_login(app, app_context):
    down = RecordingDirectory(ldap_client.DirectoryUnavailable("connection refused"))
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_USER"] + 2):
        with pytest.raises(services.DirectoryDown):
            services.log_in("anna", "pw", "10.0.0.1", down)
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginFailure)) == 0
    _, session = services.log_in("anna", "demo-anna", "10.0.0.1", ldap_client.get_directory(app))
    assert session.username == "anna"


def test_a_successful_login_leaves_no_failure_counted(app, app_context):
    directory = RecordingDirectory()
    with pytest.raises(services.InvalidLogin):
        services.log_in("anna", "wrong", "10.0.0.1", directory)
    services.log_in("anna", "demo-anna", "10.0.0.1", ldap_client.get_directory(app))
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginFailure)) == 0


def test_throttle_limit_is_below_a_typical_ad_lockout_threshold(app):
    assert app.config["LOGIN_MAX_FAILURES_PER_USER"] < 10


def test_unreachable_directory_gives_directory_down(app_context):
    directory = RecordingDirectory(ldap_client.DirectoryUnavailable("connection refused"))
    with pytest.raises(services.DirectoryDown):
        services.log_in("anna", "pw", "10.0.0.1", directory)


def test_roles_from_nested_groups_in_demo_directory(app, app_context):
    directory = ldap_client.get_directory(app)
    _, session = services.log_in("erik", "demo-erik", "10.0.0.1", directory)
    assert session.role_set == {"employee", "agent"}  # KW-Kundtjanst-Kvall is inside KW-Kundtjanst
    assert db.session.get(UserSession, session.token_hash).username == "erik"


def test_session_token_is_stored_only_as_a_hash(app, app_context):
    token, session = services.log_in("anna", "demo-anna", "10.0.0.1", ldap_client.get_directory(app))
    assert token not in session.token_hash
    assert services.load_session(token, ldap_client.get_directory(app)).token_hash == session.token_hash
    assert services.load_session(token + "x", ldap_client.get_directory(app)) is None


def test_role_recheck_ends_session_of_an_account_that_was_disabled(app, app_context):
    directory = ldap_client.get_directory(app)
    token, session = services.log_in("anna", "demo-anna", "10.0.0.1", directory)
    dn = directory.find_account("anna").dn
    entry = directory.server.dit[dn]
    original = entry["userAccountControl"]
    entry["userAccountControl"] = [b"514"]
    try:
        due = utcnow() + timedelta(seconds=app.config["ROLE_RECHECK_SECONDS"] + 1)
        assert services.load_session(token, directory, now=due) is None
        assert session.end_reason == "account-disabled"
    finally:
        entry["userAccountControl"] = original


PAST = str(ldap_client.FILETIME_EPOCH_OFFSET + 1_600_000_000 * 10_000_000)  # 2020-09-13, as a FILETIME
RECENT = str(ldap_client.FILETIME_EPOCH_OFFSET + 1_780_000_000 * 10_000_000)


@pytest.mark.parametrize("attributes, reason", [
    ({"userAccountControl": [b"514"]}, "account-disabled"),  # 533
    ({"accountExpires": [PAST.encode()]}, "account-expired"),  # 701
    ({"userAccountControl": [b"528"]}, "account-locked"),  # 775, the flag in userAccountControl
    ({"msDS-User-Account-Control-Computed": [b"16"]}, "account-locked"),  # 775, as AD computes it
    ({"lockoutTime": [RECENT.encode()]}, "account-locked"),  # 775, a server without the computed flags
    ({"msDS-User-Account-Control-Computed": [b"8388608"], "pwdLastSet": [RECENT.encode()]},
     "password-expired"),  # 532
    ({"userAccountControl": [b"8389120"]}, "password-expired"),  # 532, the old flag
    ({"pwdLastSet": [b"0"], "msDS-User-Account-Control-Computed": [b"8388608"]}, "password-must-change"),  # 773
    ({"logonHours": [bytes(21)]}, "outside-logon-hours"),  # 530
])
def test_every_state_that_refuses_a_login_ends_an_open_session_at_the_recheck(app, app_context, attributes,
                                                                               reason):
    """The demo directory's entry gets the attributes AD reports for the state (see test_auth_real_ad for Samba)."""
    directory = ldap_client.get_directory(app)
    token, session = services.log_in("anna", "demo-anna", "10.0.0.1", directory)
    entry = directory.server.dit[directory.find_account("anna").dn]
    original = {name: entry.get(name) for name in attributes}
    entry.update(attributes)
    try:
        due = utcnow() + timedelta(seconds=app.config["ROLE_RECHECK_SECONDS"] + 1)
        assert services.load_session(token, directory, now=due) is None
        assert session.end_reason == reason
        ended = db.session.scalars(db.select(AuditEvent).filter_by(action="auth.session_ended")).one()
        assert ended.details["reason"] == reason
        with pytest.raises(services.InvalidLogin):
            services.log_in("anna", "demo-anna", "10.0.0.1", directory)
    finally:
        for name, value in original.items():
            if value is None:
                entry.pop(name, None)
            else:
                entry[name] = value


def _week_bitmap(*utc_hours):
    """AD's logonHours: 168 bits, one per hour of the week in UTC from Sunday 00:00, lowest bit first."""
    bitmap = bytearray(21)
    for hour in utc_hours:
        bitmap[hour // 8] |= 1 << (hour % 8)
    return bytes(bitmap)


@pytest.mark.parametrize("bitmap, at, allowed", [
    (b"\xff" * 21, "2026-12-04 03:00", True),
    (bytes(21), "2026-12-04 03:00", False),
    (None, "2026-12-04 03:00", True),  # no attribute: no restriction
    (_week_bitmap(5 * 24 + 3), "2026-12-04 03:59", True),  # Friday 03 UTC is hour 123 of the week
    (_week_bitmap(5 * 24 + 3), "2026-12-04 04:00", False),
    (_week_bitmap(0), "2026-12-06 00:30", True),  # Sunday 00 UTC is the very first bit
    (_week_bitmap(0), "2026-12-05 23:30", False),
    (_week_bitmap(167), "2026-12-05 23:30", True),  # Saturday 23 UTC, the last bit
])
def test_logon_hours_are_read_as_ad_stores_them(bitmap, at, allowed):
    from datetime import datetime, timezone

    now = datetime.fromisoformat(at).replace(tzinfo=timezone.utc)
    assert ldap_client.within_logon_hours(bitmap, now) is allowed


def test_recheck_with_directory_down_keeps_the_session(app, app_context):
    directory = ldap_client.get_directory(app)
    token, session = services.log_in("bertil", "demo-bertil", "10.0.0.1", directory)

    class DownDirectory:
        def find_account(self, username):
            raise ldap_client.DirectoryUnavailable("timed out")

    due = utcnow() + timedelta(seconds=app.config["ROLE_RECHECK_SECONDS"] + 1)
    loaded = services.load_session(token, DownDirectory(), now=due)
    assert loaded.token_hash == session.token_hash and "agent" in loaded.role_set
    assert session.ended_at is None


def test_a_session_ended_elsewhere_is_refused_at_the_next_load(app, app_context):
    """Another worker's logout (or a disabled account) is seen at once: nothing is cached between loads."""
    directory = ldap_client.get_directory(app)
    token, session = services.log_in("bertil", "demo-bertil", "10.0.0.1", directory)
    assert services.load_session(token, directory) is not None
    with db.engine.begin() as other_process:
        other_process.execute(db.update(UserSession).where(UserSession.token_hash == session.token_hash)
                              .values(ended_at=utcnow(), end_reason="logout"))
    assert services.load_session(token, directory) is None


def test_idle_session_is_ended_and_refused(app, app_context):
    directory = ldap_client.get_directory(app)
    token, session = services.log_in("bertil", "demo-bertil", "10.0.0.1", directory)
    later = utcnow() + timedelta(hours=app.config["SESSION_IDLE_HOURS"], minutes=1)
    assert services.load_session(token, directory, now=later) is None
    assert db.session.get(UserSession, session.token_hash).end_reason == "idle-timeout"
    assert services.load_session(token, directory) is None


def test_last_seen_is_written_at_most_once_a_minute(app, app_context):
    directory = ldap_client.get_directory(app)
    token, session = services.log_in("bertil", "demo-bertil", "10.0.0.1", directory)
    logged_in_at = session.last_seen_at

    def stored_last_seen():
        return db.session.scalar(db.select(UserSession.last_seen_at)
                                 .where(UserSession.token_hash == session.token_hash))

    assert services.load_session(token, directory, now=logged_in_at + timedelta(seconds=30)) is not None
    assert stored_last_seen() == logged_in_at
    two_minutes = logged_in_at + timedelta(minutes=2)
    assert services.load_session(token, directory, now=two_minutes).last_seen_at == two_minutes
    assert stored_last_seen() == two_minutes
