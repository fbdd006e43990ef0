"""Login, logout, role mapping and the periodic re-check of a session against AD."""
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app

from kundweb import ldap_client
from kundweb.audit import services as audit
from kundweb.auth.models import LoginFailure, UserSession
from kundweb.database import DriverStatement, read_time, stored_time, utcnow
from kundweb.extensions import db

log = logging.getLogger(__name__)

ROLES = ("employee", "agent", "editor", "communicator", "admin")
ROLE_LABELS = {
    "employee": "Medarbetare",
    "agent": "Kundtjänst",
    "editor": "Redaktör (Kunskapsbanken)",
    "communicator": "Kommunikatör",
    "admin": "Administratör",
}
# sAMAccountName is at most 20 characters in AD; allow a little slack, nothing exotic.
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DOMAIN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$")
# Seconds to wait before retrying a re-check after the directory did not answer.
RECHECK_RETRY_SECONDS = 60
# A refused name that is no account is logged as this prefix and the start of its keyed hash.
UNKNOWN_NAME_PREFIX = "okänt:"
UNKNOWN_NAME_HASH_CHARS = 12
# Taken in this order: 1 is the lock class of user names, 2 that of addresses.
_ADVISORY_LOCKS = db.text("SELECT pg_advisory_xact_lock(1, :user_key), pg_advisory_xact_lock(2, :address_key)")


class LoginError(Exception):
    """Base of the login errors; `message` is Swedish and safe to show."""

    message = "Inloggningen misslyckades."


class InvalidLogin(LoginError):
    """Wrong user name, password, or an account that may not log in (one message for all)."""

    message = "Fel användarnamn eller lösenord, eller så är kontot spärrat."


class MissingCredentials(LoginError):
    message = "Fyll i både användarnamn och lösenord."


class LoginThrottled(LoginError):
    def __init__(self, minutes):
        super().__init__()
        self.message = (
            "För många misslyckade inloggningsförsök. "
            f"Vänta {minutes} minut{'er' if minutes != 1 else ''} och försök igen."
        )


class DirectoryDown(LoginError):
    message = (
        "Katalogtjänsten (Active Directory) svarar inte just nu, så ingen kan logga in. "
        "Försök igen om en stund. Du som redan är inloggad kan fortsätta arbeta."
    )


@dataclass(frozen=True)
class LoginName:
    """A validated login name: a sAMAccountName, or a UPN."""

    username: str | None = None
    upn: str | None = None

    @property
    def key(self):
        """The name throttling counts against, whatever form was typed."""
        return (self.username or self.upn.split("@", 1)[0]).lower()


def parse_login_name(raw, domain, upn_suffix):
    """Accept `user`, `DOMAIN\\user` or `user@domain`; raise InvalidLogin for anything else."""
    value = (raw or "").strip()
    if "\\" in value:
        given_domain, _, user = value.partition("\\")
        if not domain or given_domain.lower() != domain.lower():
            raise InvalidLogin()
        value = user
    elif "@" in value:
        user, _, given_suffix = value.partition("@")
        if not DOMAIN_PATTERN.match(given_suffix) or not USERNAME_PATTERN.match(user):
            raise InvalidLogin()
        if upn_suffix and given_suffix.lower() == upn_suffix.lower():
            return LoginName(username=user)
        return LoginName(upn=f"{user}@{given_suffix}")
    if not USERNAME_PATTERN.match(value):
        raise InvalidLogin()
    return LoginName(username=value)


def printable_name(raw):
    """A typed name with each NUL, control or direction character as "?", so it is refused like any
    other odd character and can be counted and audited: PostgreSQL cannot store a NUL, and the
    others would only confuse whoever reads the log. Surrounding whitespace goes first, as always."""
    return "".join(character if character.isprintable() else "?" for character in raw.strip())


def roles_for(account, group_roles):
    """Every login is an employee; AD groups (nested ones included) add the other roles."""
    by_dn = {dn.lower(): role for dn, role in group_roles.items()}
    roles = {"employee"}
    roles.update(by_dn[dn.lower()] for dn in account.group_dns if dn.lower() in by_dn)
    return [role for role in ROLES if role in roles]


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def log_in(raw_username, password, remote_addr, directory, now=None):
    """Authenticate against the directory and open a server-side session.

    Returns (token, UserSession). Raises MissingCredentials, InvalidLogin,
    LoginThrottled or DirectoryDown; every outcome but a throttled one is audited (a
    throttled attempt writes nothing, so a flood cannot grow the audit log).
    """
    now = now or utcnow()
    config = current_app.config
    actor = audit.Actor(username=None, remote_addr=remote_addr)
    # AD treats a bind with an empty password as anonymous and "succeeds".
    if not raw_username or not raw_username.strip() or not password or not password.strip():
        raise MissingCredentials()
    raw_username = printable_name(raw_username)
    try:
        name = parse_login_name(raw_username, config["LDAP_DOMAIN"], config["LDAP_UPN_SUFFIX"])
    except InvalidLogin:
        # Never a real account: it counts against the address only, and is kept only as a hash.
        typed = raw_username.strip().lower()
        _reserve_attempt(_keyed_hash(typed), remote_addr, now, per_user=False)
        _record_refusal("invalid-username", unknown_name_label(typed), actor, now)
        raise
    throttle_key = _keyed_hash(name.key)
    attempt_id = _reserve_attempt(throttle_key, remote_addr, now)
    try:
        account = directory.authenticate(name.username, password, upn=name.upn)
    except ldap_client.AuthenticationFailed as exc:
        shown = recorded_name(name.key)
        log.warning("login refused for %r from %s: AD code %s (%s)", shown, remote_addr,
                    exc.reason_code, ldap_client.AD_REASONS.get(exc.reason_code, "unknown"))
        _record_refusal(exc.reason_code, shown, actor, now)  # the reserved attempt stays, as this failure
        raise InvalidLogin() from exc
    except ldap_client.DirectoryUnavailable as exc:
        shown = recorded_name(name.key)
        log.error("directory unavailable at login for %r: %s", shown, exc)
        # Not the user's failure: the attempt reserved for it is given back.
        db.session.execute(db.delete(LoginFailure).where(LoginFailure.id == attempt_id))
        audit.record("auth.login_unavailable", actor, "user", shown, {"error": str(exc)[:200]}, now)
        db.session.commit()
        raise DirectoryDown() from exc

    token = secrets.token_urlsafe(32)
    session = UserSession(
        token_hash=hash_token(token), username=account.username, display_name=account.display_name,
        email=account.email, directory_guid=account.guid,
        roles=",".join(roles_for(account, config["LDAP_GROUP_ROLES"])),
        created_at=now, last_seen_at=now, roles_checked_at=now, remote_addr=remote_addr,
    )
    db.session.add(session)
    # A successful login clears the name's failures, the attempt reserved for this one included.
    db.session.execute(db.delete(LoginFailure).where(LoginFailure.username == throttle_key))
    audit.record("auth.login", audit.Actor(account.username, session.role_set, remote_addr),
                 "user", account.username, {"roles": session.roles.split(",")}, now)
    db.session.commit()
    return token, session


def _record_refusal(reason_code, shown_name, actor, now):
    audit.record("auth.login_failed", actor, "user", shown_name, {"reason_code": reason_code}, now)
    db.session.commit()


def _keyed_hash(value):
    """HMAC-SHA-256 of a typed name under the app's secret key: the same name gives the same
    hash (so throttling still counts it), but the name cannot be read back, nor guessed by
    hashing a dictionary without the key."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), value.encode(), hashlib.sha256).hexdigest()


def unknown_name_label(typed):
    """What the logs keep of a refused name that is not an account: `okänt:` and a short keyed hash.

    People type their password into the name field; that must not stay in an append-only log.
    """
    return UNKNOWN_NAME_PREFIX + _keyed_hash(typed)[:UNKNOWN_NAME_HASH_CHARS]


def recorded_name(name_key):
    """The name as the audit and application logs may keep it: as typed only if it is an account
    Kundweb knows (a person in the directory, or someone who has logged in), else a keyed hash."""
    from kundweb.directory.models import Person  # here: the directory package imports this module

    known = db.session.execute(
        db.select(Person.id).where(db.func.lower(Person.username) == name_key).limit(1)).first() or \
        db.session.execute(
            db.select(UserSession.token_hash).where(db.func.lower(UserSession.username) == name_key).limit(1)).first()
    return name_key if known else unknown_name_label(name_key)


def _reserve_attempt(throttle_key, remote_addr, now, per_user=True):
    """Count this attempt against the limits before the directory is asked; returns its row's id.

    Raises LoginThrottled (and counts nothing) when the name or the address has used up its
    failures in the window. Check and count are one step across every worker process and
    thread: the attempt's row is written first and the window counted after, under a lock
    that another reservation for the same name or address waits for until this commits
    (PostgreSQL: transaction-level advisory locks on both; SQLite: the database's write lock,
    which the insert takes as the transaction's first statement). So at most the limit ever
    reaches the directory, however many attempts arrive at once. The row stays as the
    failure if the directory refuses; a successful login deletes it.
    """
    config = current_app.config
    address = remote_addr or ""
    db.session.commit()  # a fresh transaction, so the insert below is its first statement
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # Always the user's lock before the address's: two reservations never wait on each other in a circle.
        connection.execute(_ADVISORY_LOCKS, {"user_key": _lock_key(throttle_key),
                                            "address_key": _lock_key(_keyed_hash(address))})
    attempt = LoginFailure(username=throttle_key, remote_addr=address, failed_at=now)
    db.session.add(attempt)
    db.session.flush()
    window = timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
    in_window = LoginFailure.failed_at > now - window
    by_user, by_address = LoginFailure.username == throttle_key, LoginFailure.remote_addr == address
    counts = db.session.execute(db.select(
        db.func.count().filter(by_user), db.func.min(LoginFailure.failed_at).filter(by_user),
        db.func.count().filter(by_address), db.func.min(LoginFailure.failed_at).filter(by_address),
    ).where(in_window, db.or_(by_user, by_address))).one()
    limits = [(counts[2], counts[3], config["LOGIN_MAX_FAILURES_PER_ADDRESS"])]
    if per_user:
        limits.append((counts[0], counts[1], config["LOGIN_MAX_FAILURES_PER_USER"]))
    for count, oldest, limit in limits:
        if count > limit:  # this attempt's own row is counted too
            db.session.rollback()
            oldest = read_time(oldest)
            raise LoginThrottled(max(1, int(((oldest + window) - now).total_seconds() // 60) + 1))
    attempt_id = attempt.id
    db.session.commit()
    return attempt_id


def _lock_key(hex_digest):
    """A signed 32-bit advisory-lock key from a hash."""
    return int.from_bytes(bytes.fromhex(hex_digest[:8]), "big", signed=True)


@dataclass(frozen=True, slots=True)
class OpenSession:
    """What a request knows of its open session: read anew from the database on every request."""

    token_hash: str
    username: str
    display_name: str
    email: str
    directory_guid: str
    roles: str
    last_seen_at: datetime
    roles_checked_at: datetime

    @property
    def role_set(self):
        return frozenset(filter(None, self.roles.split(",")))

    @classmethod
    def of(cls, session):
        """The OpenSession of a UserSession row."""
        return cls(session.token_hash, session.username, session.display_name, session.email,
                   session.directory_guid, session.roles, session.last_seen_at, session.roles_checked_at)


# Straight to the driver: this runs before every logged-in request, where SQLAlchemy's own
# work per execution cost several times the query (see DriverStatement). Rows are never
# cached: an ended session must fail on the very next request, in every process.
_OPEN_SESSION_QUERY = DriverStatement(
    "SELECT username, display_name, email, directory_guid, roles, last_seen_at, roles_checked_at, ended_at "
    "FROM user_session WHERE token_hash = :key"
)
# Best-effort and straight to the driver: a page that only reads must not wait the usual
# lock timeout (or fail) because another process holds the database write-locked; a missed
# touch is retried on the next request.
_TOUCH_SESSION = DriverStatement("UPDATE user_session SET last_seen_at = :now WHERE token_hash = :key")
TOUCH_LOCK_WAIT_MS = 200


def load_session(token, directory, now=None):
    """The open session (an OpenSession) for a cookie token, re-checked against AD when due; else None."""
    if not token:
        return None
    now = now or utcnow()
    config = current_app.config
    token_hash = hash_token(token)
    row = _OPEN_SESSION_QUERY.first(db.engine, {"key": token_hash})
    if row is None or row[7] is not None:  # none, or ended
        return None
    username, display_name, email, directory_guid, roles, last_seen_at, roles_checked_at, _ = row
    last_seen_at, roles_checked_at = read_time(last_seen_at), read_time(roles_checked_at)
    idle = now - last_seen_at > timedelta(hours=config["SESSION_IDLE_HOURS"])
    if idle or now - roles_checked_at >= timedelta(seconds=config["ROLE_RECHECK_SECONDS"]):
        # Rare (a few times an hour per user): these writes go through the ORM row.
        session = db.session.get(UserSession, token_hash)
        if session is None or session.ended_at is not None:
            return None
        if idle:
            end_session(session, "idle-timeout", now)
            return None
        session = recheck_session(session, directory, now)
        if session is None:
            return None
        opened = OpenSession.of(session)
    else:
        opened = OpenSession(token_hash, username, display_name, email, directory_guid, roles, last_seen_at,
                             roles_checked_at)
    if now - opened.last_seen_at > timedelta(minutes=1):  # one write a minute, not per request
        touched = _TOUCH_SESSION.run_unless_locked(
            db.engine, {"key": token_hash, "now": stored_time(now, db.engine.dialect.name)}, TOUCH_LOCK_WAIT_MS)
        if touched:
            opened = replace(opened, last_seen_at=now)
        else:
            log.info("session touch for %r skipped: the database is write-locked", username)
    return opened


# Why the re-check ends a session, by the AD code that would refuse the same account a new login.
SESSION_END_REASONS = {
    "533": "account-disabled",
    "701": "account-expired",
    "775": "account-locked",
    "773": "password-must-change",
    "532": "password-expired",
    "530": "outside-logon-hours",
}


def recheck_session(session, directory, now):
    """Re-read the account from AD: new roles, or the end of the session if it may no longer log in
    (gone, disabled, expired, locked, password expired or to be changed, outside its logon hours).

    An unreachable or slow directory keeps the session as it is (people already logged
    in keep working) and tries again a minute later; find_account waits at most the
    directory's deadline, and not at all when this process saw the directory fail just now.
    """
    config = current_app.config
    try:
        account = directory.find_account(session.username)
    except ldap_client.DirectoryUnavailable as exc:
        log.warning("role re-check for %r postponed, directory unavailable: %s", session.username, exc)
        session.roles_checked_at = now - timedelta(seconds=config["ROLE_RECHECK_SECONDS"] - RECHECK_RETRY_SECONDS)
        db.session.commit()
        return session
    # Whatever would refuse a new login ends the open session too (DirectoryAccount.refusal_code).
    if account is None or account.refusal_code:
        reason = "account-gone" if account is None else SESSION_END_REASONS[account.refusal_code]
        end_session(session, reason, now)
        return None
    new_roles = ",".join(roles_for(account, config["LDAP_GROUP_ROLES"]))
    if new_roles != session.roles:
        audit.record("auth.roles_changed", audit.SYSTEM, "user", session.username,
                     {"before": session.roles.split(","), "after": new_roles.split(",")}, now)
        session.roles = new_roles
    session.display_name = account.display_name
    session.roles_checked_at = now
    db.session.commit()
    return session


def end_session(session, reason, now=None, actor=None):
    """End a session for good; audited. `reason` is e.g. "logout" or "account-disabled"."""
    now = now or utcnow()
    session.ended_at = now
    session.end_reason = reason
    action = "auth.logout" if reason == "logout" else "auth.session_ended"
    audit.record(action, actor or audit.SYSTEM, "user", session.username, {"reason": reason}, now)
    db.session.commit()


def log_out(open_session, actor, now=None):
    """End the session a request is using (an OpenSession); audited as a logout."""
    session = db.session.get(UserSession, open_session.token_hash)
    if session is not None and session.ended_at is None:
        end_session(session, "logout", now, actor=actor)


def purge_old_sessions(now=None, keep_days=30):
    """Delete sessions ended (or idle) long ago and failed logins outside every throttle window."""
    now = now or utcnow()
    config = current_app.config
    cutoff = now - timedelta(days=keep_days)
    idle_cutoff = now - timedelta(hours=config["SESSION_IDLE_HOURS"]) - timedelta(days=keep_days)
    ended = db.session.execute(db.delete(UserSession).where(
        db.or_(UserSession.ended_at < cutoff, UserSession.last_seen_at < idle_cutoff))).rowcount
    failures = db.session.execute(db.delete(LoginFailure).where(
        LoginFailure.failed_at < now - timedelta(days=1))).rowcount
    db.session.commit()
    return ended, failures
