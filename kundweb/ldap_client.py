"""The one module that talks LDAP (ldap3): Active Directory, or the in-process demo directory.

Login is "find the account with the service account, then bind as its DN". That
flow works the same on AD, on OpenLDAP and on ldap3's mock server, so demo mode
runs the very code production runs.
"""
import json
import os
import re
import socket
import ssl
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from urllib.parse import urlsplit

from ldap3 import BASE, MOCK_SYNC, NONE, OFFLINE_AD_2012_R2, SIMPLE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPCommunicationError, LDAPException, LDAPSocketOpenError
from ldap3.core.tls import check_hostname
from ldap3.utils.conv import escape_filter_chars

IN_CHAIN = "1.2.840.113556.1.4.1941"  # AD's LDAP_MATCHING_RULE_IN_CHAIN: nested membership
ACCOUNT_ATTRIBUTES = [
    "sAMAccountName", "userPrincipalName", "displayName", "givenName", "sn", "mail",
    "title", "department", "telephoneNumber", "ipPhone", "mobile", "objectGUID",
    "userAccountControl", "lockoutTime", "accountExpires", "memberOf",
    # What refuses a login besides the flags above: AD computes lockout and password expiry
    # from the domain's policies (a lockoutTime alone outlives the lockout), "must change
    # password" is pwdLastSet 0, and logonHours limits the hours of the week.
    "msDS-User-Account-Control-Computed", "pwdLastSet", "logonHours",
]
# What the directory sync reads of every person: no group memberships, which are large,
# and none of the computed login states, which it does not use.
PEOPLE_ATTRIBUTES = [name for name in ACCOUNT_ATTRIBUTES
                     if name not in ("memberOf", "msDS-User-Account-Control-Computed", "pwdLastSet", "logonHours")]
LIVE_SEARCH_ATTRIBUTES = ["displayName", "title", "department", "telephoneNumber", "ipPhone", "mobile"]
UAC_DISABLED = 0x2
UAC_LOCKOUT = 0x10
UAC_PASSWORD_EXPIRED = 0x800000
NEVER_EXPIRES = {0, 0x7FFFFFFFFFFFFFFF}
FILETIME_EPOCH_OFFSET = 116444736000000000  # 100 ns ticks from 1601-01-01 to 1970-01-01
MAX_GROUP_DEPTH = 10
STATUS_CACHE_SECONDS = 10
# How long /healthz waits for a worker's very first check before saying "down" (a healthy
# directory answers a bind in milliseconds); later checks never make it wait.
FIRST_STATUS_WAIT_SECONDS = 1.0

# AD's sub-codes in a failed bind's message ("... data 52e, v4563"); logged, never shown.
AD_REASONS = {
    "525": "user not found",
    "52e": "invalid credentials",
    "530": "not permitted to log on at this time",
    "531": "not permitted to log on at this workstation",
    "532": "password expired",
    "533": "account disabled",
    "701": "account expired",
    "773": "user must reset password",
    "775": "account locked out",
}
_AD_REASON_PATTERN = re.compile(r"\bdata ([0-9a-f]{3,4})\b", re.IGNORECASE)


class DirectoryError(Exception):
    """Base of the errors this module raises."""


class InvalidDirectoryUrl(ValueError):
    """KUNDWEB_LDAP_URL is not `ldaps://host[:port]`, `ldap://host[:port]` or `host[:port]`."""


class DirectoryUnavailable(DirectoryError):
    """The directory server could not be reached or did not answer in time."""


class AuthenticationFailed(DirectoryError):
    """The bind was refused; `reason_code` is AD's sub-code (e.g. "52e", "533") for the log."""

    def __init__(self, reason_code):
        super().__init__(f"authentication failed ({reason_code}: {AD_REASONS.get(reason_code, 'unknown')})")
        self.reason_code = reason_code


class _Deadline:
    """The wall-clock bound of one directory operation: when it passes, the operation's sockets are shut.

    ldap3's receive_timeout bounds each recv, not the whole answer: a directory that
    sends a byte every few seconds would hold a web worker until gunicorn kills it.
    Shutting the socket from a timer thread wakes the blocked recv at once, and the
    operation then ends as DirectoryUnavailable.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.expired = False
        self._connections = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def start(self):
        self._timer.start()

    def cancel(self):
        self._timer.cancel()

    def track(self, conn):
        """Shut this connection's socket when the time is up (at once if it already is)."""
        with self._lock:
            self._connections.append(conn)
            if self.expired:
                _shut_socket(conn)

    def shut_if_expired(self, conn):
        """After a connect: the time may have run out while the socket was still connecting."""
        with self._lock:
            if self.expired:
                _shut_socket(conn)

    def _expire(self):
        with self._lock:
            self.expired = True
            for conn in self._connections:
                _shut_socket(conn)


class _NoDeadline:
    """The demo directory runs in-process: nothing to wait on."""

    expired = False

    def track(self, conn):
        pass

    def shut_if_expired(self, conn):
        pass


class _DeadlineTls(Tls):
    """ldap3's Tls, with the handshake done once the TLS socket is on the connection.

    ldap3 handshakes inside ssl.wrap_socket, on a socket object no one else can reach, so
    a server dripping its handshake would run past the deadline; on the connection, the
    deadline can shut it like any other.
    """

    def wrap_socket(self, connection, do_handshake=False):
        super().wrap_socket(connection, do_handshake=False)
        if not do_handshake:
            return
        deadline = getattr(connection, "kundweb_deadline", None)
        if deadline is not None:
            deadline.shut_if_expired(connection)  # the time ran out while the socket was being wrapped
        connection.socket.do_handshake()
        if self.validate in (ssl.CERT_REQUIRED, ssl.CERT_OPTIONAL):
            check_hostname(connection.socket, connection.server.host, self.valid_names)


@dataclass(frozen=True)
class DirectoryAccount:
    """What the app needs to know about one AD account."""

    dn: str
    username: str
    display_name: str
    given_name: str = ""
    surname: str = ""
    email: str = ""
    title: str = ""
    department: str = ""
    phone: str = ""
    ip_phone: str = ""
    mobile: str = ""
    guid: str = ""
    disabled: bool = False
    locked: bool = False
    expired: bool = False
    password_expired: bool = False
    must_change_password: bool = False
    outside_logon_hours: bool = False
    group_dns: frozenset = field(default_factory=frozenset)

    @property
    def refusal_code(self):
        """The AD sub-code that should refuse a login for this account, or None."""
        if self.disabled:
            return "533"
        if self.expired:
            return "701"
        if self.locked:
            return "775"
        if self.must_change_password:
            return "773"
        if self.password_expired:
            return "532"
        if self.outside_logon_hours:
            return "530"
        return None


@dataclass(frozen=True)
class DirectoryAddress:
    """Where the directory server is, and whether the connection is LDAPS from the first byte."""

    host: str
    port: int
    use_ssl: bool


_HOST_PATTERN = re.compile(r"^(?:[A-Za-z0-9_.-]+|[0-9A-Fa-f:.]+)$")  # a DNS name, IPv4 or IPv6 address


def parse_directory_url(url):
    """KUNDWEB_LDAP_URL as a DirectoryAddress; the production check and the connection both use it.

    The scheme is case-insensitive and a value without one is plain LDAP, so that no
    spelling of plain LDAP looks like LDAPS. Raises InvalidDirectoryUrl for any other
    scheme, a user, a path beyond "/", a query or a bad port; its message never holds the value.
    """
    value = (url or "").strip()
    scheme, separator, rest = value.partition("://")
    if not separator:
        scheme, rest = "ldap", value
    scheme = scheme.lower()
    if scheme not in ("ldap", "ldaps"):
        raise InvalidDirectoryUrl("KUNDWEB_LDAP_URL must use ldaps:// or ldap:// (another scheme was given)")
    parts = urlsplit("//" + rest)
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidDirectoryUrl("KUNDWEB_LDAP_URL has a port that is not a number from 0 to 65535") from exc
    if (not parts.hostname or not _HOST_PATTERN.match(parts.hostname) or "@" in parts.netloc
            or parts.path not in ("", "/") or parts.query or parts.fragment or rest != rest.strip()
            or any(character.isspace() for character in rest)):
        raise InvalidDirectoryUrl("KUNDWEB_LDAP_URL must be only a scheme, a host and a port "
                                  "(no user, password, path or spaces)")
    use_ssl = scheme == "ldaps"
    return DirectoryAddress(parts.hostname, port or (636 if use_ssl else 389), use_ssl)


def escape(value):
    """Escape a value for an LDAP filter (RFC 4515); never rely on ldap3's auto-escaping."""
    return escape_filter_chars(value)


def _can_match(value):
    # Samba reads an escaped NUL (\00) as the end of the value: "bertil\x00" would find bertil.
    # No name or number in AD holds a NUL, so such a value matches nobody, without asking.
    return "\x00" not in value


class Directory:
    """Connection settings for one directory server; a new connection per operation."""

    def __init__(self, config, server, mock=False):
        self.config = config
        self.server = server
        self.mock = mock
        self.base_dn = config["LDAP_BASE_DN"]
        self._status_lock = threading.Lock()
        self._status_cache = (0.0, None)
        self._status_check = None  # the background check in flight, if any

    @property
    def mode(self):
        return "demo" if self.mock else "ldap"

    @contextmanager
    def _bounded(self, seconds=None):
        """Run one directory operation within `seconds` (LDAP_DEADLINE_SECONDS); yields its deadline.

        Whatever ldap3 made of a socket shut at the deadline, the caller gets
        DirectoryUnavailable. The outcome is remembered as the directory's status.
        """
        if self.mock:
            yield _NoDeadline()
            return
        deadline = _Deadline(seconds or float(self.config["LDAP_DEADLINE_SECONDS"]))
        deadline.start()
        try:
            yield deadline
        except DirectoryUnavailable as exc:
            self._remember_status("down")
            if deadline.expired:
                raise DirectoryUnavailable(f"no complete answer within {deadline.seconds:g} s") from exc
            raise
        except Exception as exc:
            if deadline.expired:
                self._remember_status("down")
                raise DirectoryUnavailable(f"no complete answer within {deadline.seconds:g} s") from exc
            if isinstance(exc, AuthenticationFailed):
                self._remember_status("ok")
            raise
        finally:
            deadline.cancel()
        if deadline.expired:  # the answer was cut off; what ldap3 returned is not to be trusted
            self._remember_status("down")
            raise DirectoryUnavailable(f"no complete answer within {deadline.seconds:g} s")
        self._remember_status("ok")

    def _connect(self, user, password, deadline):
        """Open and bind; returns (connection, bound). Raises DirectoryUnavailable."""
        options = dict(user=user, password=password, authentication=SIMPLE, read_only=True,
                       raise_exceptions=False, auto_referrals=False,
                       receive_timeout=int(self.config["LDAP_RECEIVE_TIMEOUT"]))
        if self.mock:
            options["client_strategy"] = MOCK_SYNC
        conn = Connection(self.server, **options)
        conn.kundweb_deadline = deadline  # for _DeadlineTls
        deadline.track(conn)
        try:
            if not self.mock:
                conn.open()
                deadline.shut_if_expired(conn)
                if self.config["LDAP_START_TLS"]:
                    conn.start_tls()
            bound = conn.bind()
        except (LDAPSocketOpenError, LDAPCommunicationError, OSError) as exc:
            _safe_unbind(conn)
            raise DirectoryUnavailable(str(exc)) from exc
        except LDAPException as exc:
            _safe_unbind(conn)
            raise DirectoryUnavailable(str(exc)) from exc
        return conn, bound

    def _service_connection(self, deadline):
        conn, bound = self._connect(self.config["LDAP_BIND_DN"], self.config["LDAP_BIND_PASSWORD"], deadline)
        if not bound:
            _safe_unbind(conn)
            raise DirectoryUnavailable(f"service bind refused: {conn.result.get('message', '')}")
        return conn

    @contextmanager
    def _service_session(self, seconds=None):
        """A connection bound as the service account, closed afterwards, all within the deadline.

        A broken network or a passed deadline is DirectoryUnavailable.
        """
        with self._bounded(seconds) as deadline:
            conn = self._service_connection(deadline)
            try:
                yield conn
            except (LDAPCommunicationError, OSError) as exc:
                raise DirectoryUnavailable(str(exc)) from exc
            finally:
                _safe_unbind(conn)

    def authenticate(self, username, password, upn=None):
        """Check a password and return the account with its transitive groups.

        `username` is a validated sAMAccountName, or `upn` a validated UPN.
        Raises AuthenticationFailed (with AD's reason code) or DirectoryUnavailable.
        """
        if not password or not (username or upn):
            raise AuthenticationFailed("52e")  # an empty password would be an anonymous bind
        with self._bounded() as deadline:  # one deadline for the search, the user's bind and the groups
            conn = self._service_connection(deadline)
            try:
                account = self._find(conn, username=username, upn=upn)
                if account is None:
                    raise AuthenticationFailed("525")
                user_conn, bound = self._connect(account.dn, password, deadline)
                result = user_conn.result or {}
                _safe_unbind(user_conn)
                if not bound:
                    raise AuthenticationFailed(_reason_code(result))
                # The mock server and OpenLDAP do not enforce AD's account flags on bind.
                if account.refusal_code:
                    raise AuthenticationFailed(account.refusal_code)
                return self._with_groups(conn, account)
            except (LDAPCommunicationError, OSError) as exc:
                raise DirectoryUnavailable(str(exc)) from exc
            finally:
                _safe_unbind(conn)

    def find_account(self, username):
        """The account with this sAMAccountName and its transitive groups, or None if gone.

        Raises DirectoryUnavailable, at once if this process saw the directory fail within
        the last STATUS_CACHE_SECONDS: the session re-checks that call this on page loads
        must not each wait out the deadline of a directory known to be down.
        """
        if self.seen_down():
            raise DirectoryUnavailable("the directory failed moments ago")
        with self._service_session() as conn:
            account = self._find(conn, username=username)
            return self._with_groups(conn, account) if account else None

    def list_people(self):
        """Every account the people filter selects (DIRECTORY_PEOPLE_FILTER), read page by page.

        All or nothing: a search that fails or stops half-way raises
        DirectoryUnavailable instead of returning a partial list, because the sync
        would take the missing accounts for leavers.
        """
        with self._service_session(float(self.config["LDAP_SYNC_DEADLINE_SECONDS"])) as conn:
            try:
                entries = conn.extend.standard.paged_search(
                    self.base_dn, self.config["DIRECTORY_PEOPLE_FILTER"], SUBTREE,
                    attributes=PEOPLE_ATTRIBUTES, paged_size=int(self.config["DIRECTORY_PAGE_SIZE"]),
                    generator=True)
                # A search from the domain root also returns referrals (searchResRef): not people.
                accounts = [_account_from_entry(entry) for entry in entries
                            if entry.get("type") == "searchResEntry"]
            except LDAPException as exc:
                raise DirectoryUnavailable(str(exc)) from exc
            result = conn.result or {}
            if result.get("result") != 0:
                raise DirectoryUnavailable(f"people search failed: {result.get('description')} "
                                           f"{result.get('message', '')}".strip())
            return accounts

    def find_person(self, username):
        """The account with this sAMAccountName if the people filter selects it, else None.

        Raises DirectoryUnavailable.
        """
        if not _can_match(username):
            return None
        with self._service_session() as conn:
            search_filter = f"(&{self.config['DIRECTORY_PEOPLE_FILTER']}(sAMAccountName={escape(username)}))"
            conn.search(self.base_dn, search_filter, SUBTREE, attributes=PEOPLE_ATTRIBUTES, size_limit=2)
            _raise_if_timed_out(conn)
            entries = [entry for entry in conn.response or [] if entry.get("type") == "searchResEntry"]
            return _account_from_entry(entries[0]) if len(entries) == 1 else None

    def search_people(self, text, limit=16):
        """People whose name, title, department or numbers contain every typed word, read live from AD.

        What each keystroke would cost without Kundweb's own index: the benchmark
        compares the two (scripts/bench.py, directory_search_vs_ad). AD cannot ignore
        accents or number formats, so this finds less, never more. Raises DirectoryUnavailable.
        """
        words = text.split()[:6]
        if not words or not _can_match(text):
            return []
        clauses = "".join("(|" + "".join(f"({name}=*{escape(word)}*)" for name in LIVE_SEARCH_ATTRIBUTES) + ")"
                          for word in words)
        with self._service_session() as conn:
            conn.search(self.base_dn, f"(&{self.config['DIRECTORY_PEOPLE_FILTER']}{clauses})", SUBTREE,
                        attributes=PEOPLE_ATTRIBUTES, size_limit=limit)
            _raise_if_timed_out(conn)
            return [_account_from_entry(entry) for entry in conn.response or []
                    if entry.get("type") == "searchResEntry"]

    def _find(self, conn, username=None, upn=None):
        if not _can_match(upn or username or ""):
            return None
        if upn:
            search_filter = f"(&(objectClass=user)(userPrincipalName={escape(upn)}))"
        else:
            search_filter = f"(&(objectClass=user)(sAMAccountName={escape(username)}))"
        conn.search(self.base_dn, search_filter, SUBTREE, attributes=ACCOUNT_ATTRIBUTES, size_limit=2)
        _raise_if_timed_out(conn)
        entries = [entry for entry in conn.response or [] if entry.get("type") == "searchResEntry"]
        if len(entries) != 1:
            return None
        return _account_from_entry(entries[0])

    def _with_groups(self, conn, account):
        if self.config["LDAP_NESTED_GROUPS"] == "matching-rule" and not self.mock:
            groups = self._groups_in_chain(conn, account.dn)
        else:
            groups = self._groups_by_walking(conn, account)
        return replace(account, group_dns=frozenset(groups))

    def _groups_in_chain(self, conn, user_dn):
        search_filter = f"(&(objectClass=group)(member:{IN_CHAIN}:={escape(user_dn)}))"
        conn.search(self.base_dn, search_filter, SUBTREE, attributes=["distinguishedName"])
        _raise_if_timed_out(conn)
        return {entry["dn"] for entry in conn.response or [] if entry.get("type") == "searchResEntry"}

    def _groups_by_walking(self, conn, account):
        found = set()
        frontier = set(account.group_dns)  # the direct groups, from memberOf
        for _ in range(MAX_GROUP_DEPTH):
            frontier = {dn for dn in frontier if dn.lower() not in {f.lower() for f in found}}
            if not frontier:
                break
            found |= frontier
            parents = set()
            for group_dn in frontier:
                conn.search(group_dn, "(objectClass=*)", BASE, attributes=["memberOf"])
                for entry in conn.response or []:
                    parents.update(_text_values(entry.get("raw_attributes", {}), "memberOf"))
            frontier = parents
        return found

    def status(self, deep=False):
        """"demo", "ok" or "down": as last seen in this process, without waiting on the directory.

        The last operation's outcome or background check answers; a value older than
        STATUS_CACHE_SECONDS starts a new check in a background thread (one at a time),
        so a slow directory never holds the caller. Only a process's very first call
        waits, at most FIRST_STATUS_WAIT_SECONDS. `deep` checks now, within the deadline.
        """
        if self.mock:
            return "demo"
        if deep:
            return self._check_status()
        with self._status_lock:
            checked_at, value = self._status_cache
            fresh = value is not None and time.monotonic() - checked_at < STATUS_CACHE_SECONDS
            check = self._status_check
            if not fresh and (check is None or not check.is_alive()):
                check = self._status_check = threading.Thread(
                    target=self._check_status, name="kundweb-directory-status", daemon=True)
                check.start()
        if value is None:
            check.join(FIRST_STATUS_WAIT_SECONDS)
            value = self._status_cache[1] or "down"
        return value

    def seen_down(self):
        """True if this process saw the directory fail within the last STATUS_CACHE_SECONDS."""
        if self.mock:
            return False
        checked_at, value = self._status_cache
        return value == "down" and time.monotonic() - checked_at < STATUS_CACHE_SECONDS

    def _check_status(self):
        """Bind as the service account (within the deadline); "ok" or "down", remembered."""
        try:
            with self._bounded() as deadline:
                _safe_unbind(self._service_connection(deadline))
            return "ok"
        except DirectoryUnavailable:
            return "down"

    def _remember_status(self, value):
        with self._status_lock:
            self._status_cache = (time.monotonic(), value)


def init_app(app):
    """Attach the configured directory, or the demo directory when none is configured."""
    config = app.config
    if config.get("LDAP_URL"):
        directory = Directory(config, _real_server(config))
    else:
        demo = load_demo_directory(config.get("DEMO_DIRECTORY_FILE") or default_demo_file())
        for key in ("LDAP_BASE_DN", "LDAP_BIND_DN", "LDAP_BIND_PASSWORD", "LDAP_DOMAIN", "LDAP_UPN_SUFFIX"):
            config[key] = demo[key.removeprefix("LDAP_").lower()]
        config["LDAP_GROUP_ROLES"] = demo["group_roles"]
        config["DEMO_LOGIN_HINTS"] = demo["login_hints"]
        directory = Directory(config, _demo_server(demo), mock=True)
    app.extensions["kundweb_directory"] = directory
    config["DIRECTORY_MODE"] = directory.mode


def get_directory(app):
    return app.extensions["kundweb_directory"]


def _real_server(config):
    # The same parse the production check approved: host, port and LDAPS are handed over
    # separately, so ldap3 never re-reads the URL in its own way.
    address = parse_directory_url(config["LDAP_URL"])
    tls = None
    if address.use_ssl or config["LDAP_START_TLS"]:
        tls = _DeadlineTls(
            validate=ssl.CERT_REQUIRED if config["LDAP_TLS_VALIDATE"] else ssl.CERT_NONE,
            ca_certs_file=config.get("LDAP_CA_CERTS_FILE"),
            version=ssl.PROTOCOL_TLS_CLIENT if config["LDAP_TLS_VALIDATE"] else None,
        )
    return Server(address.host, port=address.port, use_ssl=address.use_ssl, tls=tls, get_info=NONE,
                  connect_timeout=config["LDAP_CONNECT_TIMEOUT"])


def default_demo_file():
    return os.path.join(os.path.dirname(__file__), "demo", "directory.json")


def load_demo_directory(path):
    """The demo directory file, plus the generated staff it asks for ("generated_people")."""
    with open(path, encoding="utf-8") as handle:
        demo = json.load(handle)
    generated = demo.get("generated_people")
    if generated:
        from kundweb.demo import people

        demo["entries"].extend(people.directory_entries(demo["base_dn"], **generated))
    return demo


def _demo_server(demo):
    """An ldap3 mock server holding the demo directory's entries."""
    server = Server("kundweb-demo", get_info=OFFLINE_AD_2012_R2)
    loader = Connection(server, client_strategy=MOCK_SYNC)
    for entry in demo["entries"]:
        attributes = dict(entry["attributes"])
        if "objectGUID" in attributes:
            attributes["objectGUID"] = uuid.UUID(attributes["objectGUID"]).bytes_le
        loader.strategy.add_entry(entry["dn"], attributes)
    return server


def _account_from_entry(entry):
    raw = entry.get("raw_attributes", {})

    def text(name):
        values = _text_values(raw, name)
        return values[0] if values else ""

    now = datetime.now(timezone.utc)
    uac = _int(text("userAccountControl"))
    computed_values = _text_values(raw, "msDS-User-Account-Control-Computed")
    computed = _int(computed_values[0]) if computed_values else 0
    if computed_values:
        locked = bool((uac | computed) & UAC_LOCKOUT)
    else:  # the demo directory and OpenLDAP compute nothing: a lockout time is all there is
        locked = bool(uac & UAC_LOCKOUT) or _int(text("lockoutTime")) > 0
    must_change_password = text("pwdLastSet") == "0"
    hours = _raw_values(raw, "logonHours")
    expires = _int(text("accountExpires"))
    guid_raw = raw.get("objectGUID") or []
    guid = str(uuid.UUID(bytes_le=bytes(guid_raw[0]))) if guid_raw and len(guid_raw[0]) == 16 else ""
    return DirectoryAccount(
        dn=entry["dn"],
        username=text("sAMAccountName"),
        display_name=text("displayName") or " ".join(filter(None, [text("givenName"), text("sn")]))
        or text("sAMAccountName"),
        given_name=text("givenName"),
        surname=text("sn"),
        email=text("mail"),
        title=text("title"),
        department=text("department"),
        phone=text("telephoneNumber"),
        ip_phone=text("ipPhone"),
        mobile=text("mobile"),
        guid=guid,
        disabled=bool(uac & UAC_DISABLED),
        locked=locked,
        expired=expires not in NEVER_EXPIRES and filetime_to_datetime(expires) <= now,
        password_expired=bool((uac | computed) & UAC_PASSWORD_EXPIRED) and not must_change_password,
        must_change_password=must_change_password,
        outside_logon_hours=not within_logon_hours(bytes(hours[0]) if hours else None, now),
        group_dns=frozenset(_member_of_raw(raw)),
    )


def within_logon_hours(bitmap, now):
    """Whether AD's logonHours (21 bytes, one bit per hour of the week in UTC from Sunday 00:00,
    lowest bit first) allow `now`; no bitmap means no restriction."""
    if not bitmap or len(bitmap) != 21:
        return True
    utc = now.astimezone(timezone.utc)
    hour_of_week = (utc.isoweekday() % 7) * 24 + utc.hour
    return bool(bitmap[hour_of_week // 8] & (1 << (hour_of_week % 8)))


def filetime_to_datetime(value):
    """AD's 100-ns FILETIME as an aware UTC datetime."""
    return datetime.fromtimestamp((value - FILETIME_EPOCH_OFFSET) / 10_000_000, tz=timezone.utc)


def _member_of_raw(raw):
    return _text_values(raw, "memberOf")


def _raw_values(raw, name):
    """An attribute's values as the server sent them (bytes), whatever the case of its name."""
    for key, values in raw.items():
        if key.lower() == name.lower():
            return list(values)
    return []


def _text_values(raw, name):
    for key, values in raw.items():
        if key.lower() == name.lower():
            return [v.decode("utf-8", "replace") if isinstance(v, (bytes, bytearray)) else str(v)
                    for v in values]
    return []


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _reason_code(result):
    match = _AD_REASON_PATTERN.search(result.get("message") or "")
    if match:
        return match.group(1).lower()
    return "52e" if result.get("result") == 49 else f"ldap-{result.get('result')}"


def _raise_if_timed_out(conn):
    if conn.result and conn.result.get("result") in (51, 52, 81):  # busy, unavailable, down
        raise DirectoryUnavailable(conn.result.get("message") or conn.result.get("description"))


def _shut_socket(conn):
    """Shut a connection's socket, waking a recv blocked on it in another thread."""
    sock = getattr(conn, "socket", None)
    if sock is None:
        return
    try:
        # socket.socket's own shutdown, also for a TLS socket: SSLSocket.shutdown would
        # drop its TLS state under the feet of the thread still reading it.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # not connected yet (the connect timeout bounds that) or already closed


def _safe_unbind(conn):
    try:
        conn.unbind()
    except Exception:  # noqa: BLE001 - closing a broken socket must never mask the real error
        pass
