"""Configuration classes; values come from environment variables and instance/config.py."""
import json
import math
import os
from collections import Counter
from urllib.parse import urlsplit

DEFAULT_SECRET_KEY = "dev-only-not-secret"
# Production secrets: at least 32 random bytes, e.g. `python -c "import secrets; print(secrets.token_urlsafe(32))"`.
MIN_SECRET_LENGTH = 32
# Estimated from the characters' frequencies. 32 random bytes as token_urlsafe or hex score 180 to
# 255; 16 or 24 random bytes, or a value made of few characters, stay below.
MIN_SECRET_ENTROPY_BITS = 170


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name):
    """A comma-separated list, or None when the variable is unset or empty."""
    values = [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
    return values or None


def _env_json(name, default):
    value = os.environ.get(name)
    return json.loads(value) if value else default


class Config:
    """Settings shared by every environment; each can be overridden by KUNDWEB_<NAME>."""

    SECRET_KEY = os.environ.get("KUNDWEB_SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("KUNDWEB_DATABASE_URL")  # None: SQLite in instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # PostgreSQL: how long a statement may wait for a lock before it gives up (SQLite's busy
    # timeout is the same 10 s). Without it a worker waits for ever behind a stuck transaction,
    # and the person saving is never told that nothing was saved.
    DATABASE_LOCK_TIMEOUT_SECONDS = float(os.environ.get("KUNDWEB_DATABASE_LOCK_TIMEOUT_SECONDS", "10"))

    # Directory. An empty LDAP_URL means demo mode: the in-process demo directory.
    LDAP_URL = os.environ.get("KUNDWEB_LDAP_URL", "")
    LDAP_BASE_DN = os.environ.get("KUNDWEB_LDAP_BASE_DN", "")
    LDAP_BIND_DN = os.environ.get("KUNDWEB_LDAP_BIND_DN", "")
    LDAP_BIND_PASSWORD = os.environ.get("KUNDWEB_LDAP_BIND_PASSWORD", "")
    LDAP_DOMAIN = os.environ.get("KUNDWEB_LDAP_DOMAIN", "")  # NetBIOS name for DOMAIN\user
    LDAP_UPN_SUFFIX = os.environ.get("KUNDWEB_LDAP_UPN_SUFFIX", "")  # for user@domain
    LDAP_START_TLS = _env_bool("KUNDWEB_LDAP_START_TLS", False)
    LDAP_TLS_VALIDATE = _env_bool("KUNDWEB_LDAP_TLS_VALIDATE", True)
    LDAP_CA_CERTS_FILE = os.environ.get("KUNDWEB_LDAP_CA_CERTS_FILE")
    # Seconds; short enough that a dead directory gives an answer, not a hung worker.
    LDAP_CONNECT_TIMEOUT = float(os.environ.get("KUNDWEB_LDAP_CONNECT_TIMEOUT", "3"))
    LDAP_RECEIVE_TIMEOUT = int(os.environ.get("KUNDWEB_LDAP_RECEIVE_TIMEOUT", "4"))  # ldap3 needs whole seconds
    # The whole of one directory operation (a login: search, bind, groups), whatever the
    # server drips; the receive timeout above bounds only each read. The nightly sync reads
    # every person page by page and gets longer.
    LDAP_DEADLINE_SECONDS = float(os.environ.get("KUNDWEB_LDAP_DEADLINE_SECONDS", "5"))
    LDAP_SYNC_DEADLINE_SECONDS = float(os.environ.get("KUNDWEB_LDAP_SYNC_DEADLINE_SECONDS", "600"))
    # Group DN -> role; membership may be nested. Everyone who can log in is an employee.
    LDAP_GROUP_ROLES = _env_json("KUNDWEB_LDAP_GROUP_ROLES", {})
    # "matching-rule" uses AD's LDAP_MATCHING_RULE_IN_CHAIN; "walk" follows memberOf
    # upwards, for servers without it (the demo directory, OpenLDAP).
    LDAP_NESTED_GROUPS = os.environ.get("KUNDWEB_LDAP_NESTED_GROUPS", "matching-rule")
    DEMO_DIRECTORY_FILE = os.environ.get("KUNDWEB_DEMO_DIRECTORY_FILE")  # None: the bundled one
    # Which accounts are people in the extension directory: real persons (given name and
    # surname), not the built-in accounts (Administrator, Guest, krbtgt, dns-*: critical
    # system objects) nor service accounts (no given name/surname).
    DIRECTORY_PEOPLE_FILTER = os.environ.get(
        "KUNDWEB_DIRECTORY_PEOPLE_FILTER",
        "(&(objectCategory=person)(objectClass=user)(givenName=*)(sn=*)(!(isCriticalSystemObject=TRUE)))")
    DIRECTORY_PAGE_SIZE = int(os.environ.get("KUNDWEB_DIRECTORY_PAGE_SIZE", "500"))  # below AD's MaxPageSize
    # A sync that would deactivate more than this share of the active people (and more than
    # 10) stops without changing anything: a wrong filter or OU must not empty the directory.
    DIRECTORY_SYNC_MAX_DEACTIVATE_SHARE = float(os.environ.get("KUNDWEB_DIRECTORY_SYNC_MAX_DEACTIVATE_SHARE", "0.2"))
    DIRECTORY_STALE_DAYS = int(os.environ.get("KUNDWEB_DIRECTORY_STALE_DAYS", "365"))
    DIRECTORY_REMINDER_INTERVAL_DAYS = int(os.environ.get("KUNDWEB_DIRECTORY_REMINDER_INTERVAL_DAYS", "30"))
    # The switchboard's export token (Authorization: Bearer ...); empty = the API always answers 401.
    SWITCHBOARD_API_TOKEN = os.environ.get("KUNDWEB_SWITCHBOARD_API_TOKEN", "")
    # Wrong tokens one address may send in LOGIN_FAILURE_WINDOW_MINUTES before it gets 429 (the right one too).
    SWITCHBOARD_TOKEN_MAX_FAILURES = int(os.environ.get("KUNDWEB_SWITCHBOARD_TOKEN_MAX_FAILURES", "10"))
    # A crisis message's extended hours without chosen days cover at most this many days from today.
    CRISIS_HOURS_DEFAULT_DAYS = int(os.environ.get("KUNDWEB_CRISIS_HOURS_DEFAULT_DAYS", "7"))
    # Where people reach Kundweb (e.g. https://kundweb.lulea.se): every absolute URL (feeds, links
    # in e-mail) is built from it, never from a request's Host header. Required in production.
    BASE_URL = os.environ.get("KUNDWEB_BASE_URL", "")
    # Host headers Kundweb answers; others get 400. None = any (development); production
    # defaults to the host of BASE_URL.
    TRUSTED_HOSTS = _env_list("KUNDWEB_TRUSTED_HOSTS")
    # How many reverse proxies in front of Kundweb set X-Forwarded-For/-Proto/-Host (nginx: 1).
    # 0: none, and those headers are ignored: a client could otherwise choose its own address.
    TRUSTED_PROXIES = int(os.environ.get("KUNDWEB_TRUSTED_PROXIES", "0"))

    ROLE_RECHECK_SECONDS = int(os.environ.get("KUNDWEB_ROLE_RECHECK_SECONDS", "900"))
    SESSION_IDLE_HOURS = int(os.environ.get("KUNDWEB_SESSION_IDLE_HOURS", "10"))
    # Below AD's usual lockout threshold (often 10), so the app never locks people out.
    LOGIN_MAX_FAILURES_PER_USER = int(os.environ.get("KUNDWEB_LOGIN_MAX_FAILURES_PER_USER", "5"))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("KUNDWEB_LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("KUNDWEB_LOGIN_FAILURE_WINDOW_MINUTES", "15"))

    MAIL_SERVER = os.environ.get("KUNDWEB_MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("KUNDWEB_MAIL_PORT", "25"))
    MAIL_FROM = os.environ.get("KUNDWEB_MAIL_FROM", "kundweb@kundweb.demo")
    MAIL_USE_TLS = _env_bool("KUNDWEB_MAIL_USE_TLS", False)  # STARTTLS
    MAIL_USE_SSL = _env_bool("KUNDWEB_MAIL_USE_SSL", False)  # SMTPS: TLS from the first byte (port 465)
    MAIL_CA_CERTS_FILE = os.environ.get("KUNDWEB_MAIL_CA_CERTS_FILE")  # None: the system's CAs
    MAIL_USERNAME = os.environ.get("KUNDWEB_MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("KUNDWEB_MAIL_PASSWORD")
    MAIL_TIMEOUT = float(os.environ.get("KUNDWEB_MAIL_TIMEOUT", "10"))

    # Public records (allmänna handlingar): the number series ("KC 2026/000123"), the unit agents
    # register for, who may read confidential items besides the one who registered them, the
    # largest attachment, where files are kept (default instance/records, outside the web
    # root) and after how many days open items are reminded about (once per that many days).
    RECORDS_SERIES = os.environ.get("KUNDWEB_RECORDS_SERIES", "KC")
    RECORDS_UNIT_NAME = os.environ.get("KUNDWEB_RECORDS_UNIT_NAME", "Kundcenter")
    RECORDS_CONFIDENTIAL_ROLE = os.environ.get("KUNDWEB_RECORDS_CONFIDENTIAL_ROLE", "admin")
    RECORDS_MAX_UPLOAD_MB = int(os.environ.get("KUNDWEB_RECORDS_MAX_UPLOAD_MB", "25"))
    RECORDS_STORAGE_DIR = os.environ.get("KUNDWEB_RECORDS_STORAGE_DIR")
    RECORDS_REMINDER_DAYS = int(os.environ.get("KUNDWEB_RECORDS_REMINDER_DAYS", "5"))

    # The audit log's signed checkpoints: the HMAC key (kept out of the database; at least 32 bytes;
    # given directly or in a file; development generates one in instance/) and the file outside the
    # database each checkpoint is also appended to (default instance/audit-checkpoints.log).
    AUDIT_SEAL_KEY = os.environ.get("KUNDWEB_AUDIT_SEAL_KEY", "")
    AUDIT_SEAL_KEY_FILE = os.environ.get("KUNDWEB_AUDIT_SEAL_KEY_FILE")
    AUDIT_CHECKPOINT_FILE = os.environ.get("KUNDWEB_AUDIT_CHECKPOINT_FILE")

    # How long the browser waits for an htmx request before telling the person it did not get
    # through (and offering a retry). Below SQLite's 10 s busy timeout: a locked database is
    # named before the agent has moved on.
    HTMX_TIMEOUT_SECONDS = float(os.environ.get("KUNDWEB_HTMX_TIMEOUT_SECONDS", "8"))
    # Four-eyes rule: a critical crisis message goes out only after a second communicator approves it.
    CRISIS_REQUIRE_APPROVAL = _env_bool("KUNDWEB_CRISIS_REQUIRE_APPROVAL", False)
    # How often open pages ask whether the crisis banner changed.
    CRISIS_POLL_SECONDS = int(os.environ.get("KUNDWEB_CRISIS_POLL_SECONDS", "20"))
    # How old the published messages' times and texts may be in one web process; an edit
    # made in another process shows this much later. Starts and ends are always on time.
    CRISIS_SCHEDULE_CACHE_SECONDS = float(os.environ.get("KUNDWEB_CRISIS_SCHEDULE_CACHE_SECONDS", "2"))
    # How long an ended crisis message stays in the public feeds as a "Faran över"/"Avslutat" entry.
    CRISIS_ALL_CLEAR_HOURS = float(os.environ.get("KUNDWEB_CRISIS_ALL_CLEAR_HOURS", "24"))
    # The CAP 1.2 feed's <sender>: who issues the alerts (no spaces, commas or < &).
    CRISIS_CAP_SENDER = os.environ.get("KUNDWEB_CRISIS_CAP_SENDER", "kundcenter@lulea.se")
    # How often the scheduler looks for messages that have started, to notify subscribers.
    CRISIS_NOTIFY_SECONDS = int(os.environ.get("KUNDWEB_CRISIS_NOTIFY_SECONDS", "30"))
    # A notice that could not be sent is tried again after this long, doubling up to the maximum,
    # until it is sent or its message ends.
    CRISIS_NOTICE_RETRY_SECONDS = float(os.environ.get("KUNDWEB_CRISIS_NOTICE_RETRY_SECONDS", "60"))
    CRISIS_NOTICE_RETRY_MAX_SECONDS = float(os.environ.get("KUNDWEB_CRISIS_NOTICE_RETRY_MAX_SECONDS", "1800"))
    # Kunskapsbanken's e-mails (proposals to editors, review reminders): how often the scheduler
    # sends what the outbox holds; a failed one waits this long, doubling up to the maximum.
    ANSWER_MAIL_SECONDS = int(os.environ.get("KUNDWEB_ANSWER_MAIL_SECONDS", "60"))
    ANSWER_MAIL_RETRY_SECONDS = float(os.environ.get("KUNDWEB_ANSWER_MAIL_RETRY_SECONDS", "60"))
    ANSWER_MAIL_RETRY_MAX_SECONDS = float(os.environ.get("KUNDWEB_ANSWER_MAIL_RETRY_MAX_SECONDS", "1800"))
    # An answer past its review date is reminded at most this often; "Granskad" moves it this far ahead.
    ANSWER_REVIEW_REMINDER_DAYS = int(os.environ.get("KUNDWEB_ANSWER_REVIEW_REMINDER_DAYS", "30"))
    ANSWER_REVIEW_MONTHS = int(os.environ.get("KUNDWEB_ANSWER_REVIEW_MONTHS", "12"))
    # How often the scheduler puts companies' approved opt-outs and re-entries into effect on their date.
    COMPANY_ROUTING_SECONDS = int(os.environ.get("KUNDWEB_COMPANY_ROUTING_SECONDS", "300"))
    # Case attachments: where they are kept (default instance/company-attachments) and how large one may be.
    COMPANY_ATTACHMENT_DIR = os.environ.get("KUNDWEB_COMPANY_ATTACHMENT_DIR")
    COMPANY_ATTACHMENT_MAX_BYTES = int(os.environ.get("KUNDWEB_COMPANY_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
    # How old the list of companies the directory search matches may be in one web process.
    COMPANY_SEARCH_CACHE_SECONDS = float(os.environ.get("KUNDWEB_COMPANY_SEARCH_CACHE_SECONDS", "5"))
    # How old the enquiry categories, units and their routes the directory search matches may be in a web process.
    DIRECTORY_TOPIC_CACHE_SECONDS = float(os.environ.get("KUNDWEB_DIRECTORY_TOPIC_CACHE_SECONDS", "5"))
    # How old the list of words in published answers may be in one web process (see answers/search.py).
    ANSWER_SEARCH_CACHE_SECONDS = float(os.environ.get("KUNDWEB_ANSWER_SEARCH_CACHE_SECONDS", "5"))
    # Enquiries: notes are purged after this many days (the counts stay); the last one can be undone this long.
    ENQUIRY_NOTE_RETENTION_DAYS = int(os.environ.get("KUNDWEB_ENQUIRY_NOTE_RETENTION_DAYS", "30"))
    ENQUIRY_UNDO_SECONDS = int(os.environ.get("KUNDWEB_ENQUIRY_UNDO_SECONDS", "120"))
    # Idle this long, the form forgets the last channel and puts the focus on it: the agent has most
    # likely moved on to a new caller, whom one Enter must not log under the last call's channel.
    ENQUIRY_FRESH_AFTER_MINUTES = float(os.environ.get("KUNDWEB_ENQUIRY_FRESH_AFTER_MINUTES", "5"))
    # How old the form's category and target lists may be in one web process (an admin's change elsewhere).
    ENQUIRY_CHOICES_CACHE_SECONDS = float(os.environ.get("KUNDWEB_ENQUIRY_CHOICES_CACHE_SECONDS", "5"))
    # Service goals: the largest telephony or survey file an admin may import.
    GOALS_IMPORT_MAX_BYTES = int(os.environ.get("KUNDWEB_GOALS_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
    # Calls given up within this many seconds count neither as offered nor as abandoned (0: every call counts).
    GOALS_SHORT_ABANDON_SECONDS = int(os.environ.get("KUNDWEB_GOALS_SHORT_ABANDON_SECONDS", "5"))

    # The largest request body anywhere; the upload routes raise it for themselves (records,
    # company cases, goals imports). Larger bodies get 413 before they are read or spooled.
    MAX_CONTENT_LENGTH = int(os.environ.get("KUNDWEB_MAX_REQUEST_BYTES", str(1024 * 1024)))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "kundweb_session"
    WTF_I18N_ENABLED = False  # WTForms' own translations (Swedish) instead of Flask-Babel's
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; a long shift must not expire forms
    DEBUG = False
    TESTING = False


class DevelopmentConfig(Config):
    """`make run`: SQLite in instance/, demo directory unless one is configured."""

    DEBUG = _env_bool("KUNDWEB_DEBUG", False)
    LDAP_TLS_VALIDATE = _env_bool("KUNDWEB_LDAP_TLS_VALIDATE", False)


class TestingConfig(Config):
    """pytest: the demo directory and a throwaway database chosen by the test fixtures."""

    TESTING = True
    SECRET_KEY = "testing-secret-key"
    LDAP_URL = ""
    LDAP_TLS_VALIDATE = False
    LDAP_NESTED_GROUPS = "walk"
    CRISIS_SCHEDULE_CACHE_SECONDS = 0  # tests write straight to the database between requests
    ENQUIRY_CHOICES_CACHE_SECONDS = 0  # the same: categories made in a test show at once
    COMPANY_SEARCH_CACHE_SECONDS = 0  # companies made in a test are found at once
    DIRECTORY_TOPIC_CACHE_SECONDS = 0  # the same for categories, units and functional entries
    ANSWER_SEARCH_CACHE_SECONDS = 0  # the same: answers made in a test are found at once
    LOGIN_MAX_FAILURES_PER_USER = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    AUDIT_SEAL_KEY = "testing-audit-seal-key-not-secret-0123456789"


class ProductionConfig(Config):
    """Real deployment: secure cookies, validated TLS to the directory."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def check_production_config(config):
    """Refuse to start production with settings that would be unsafe there.

    Raises RuntimeError naming each problem.
    """
    problems = []
    problems += _secret_key_problems(config)
    problems += _switchboard_token_problems(config)
    problems += _mail_credentials_problems(config)
    if config.get("DEBUG"):
        problems.append("DEBUG must be off")
    if not config.get("LDAP_TLS_VALIDATE"):
        problems.append("LDAP TLS certificate validation must be on")
    problems += _directory_transport_problems(config)
    problems += audit_seal_key_problems(config)
    problems += _base_url_problems(config)
    if problems:
        raise RuntimeError("Refusing to start in production: " + "; ".join(problems))


def _directory_transport_problems(config):
    """The service account's DN and password must never cross the network in clear text."""
    from kundweb.ldap_client import InvalidDirectoryUrl, parse_directory_url

    if not config.get("LDAP_URL"):
        return ["KUNDWEB_LDAP_URL must be set (the demo directory is for demos only)"]
    try:
        address = parse_directory_url(config["LDAP_URL"])
    except InvalidDirectoryUrl as exc:
        return [str(exc)]
    if not address.use_ssl and not config.get("LDAP_START_TLS"):
        return ["the directory must be reached over ldaps:// or with StartTLS (KUNDWEB_LDAP_URL is plain LDAP, "
                "also without a scheme, and KUNDWEB_LDAP_START_TLS is off)"]
    return []


def _secret_key_problems(config):
    """The key signs the session cookies: a guessable one lets anyone forge a session."""
    value = config.get("SECRET_KEY")
    if not value or value == DEFAULT_SECRET_KEY:
        return ["KUNDWEB_SECRET_KEY must be set to a random value of at least 32 bytes"]
    weakness = secret_weakness(value)
    return [f"KUNDWEB_SECRET_KEY is too weak: {weakness}"] if weakness else []


def _switchboard_token_problems(config):
    """The token alone opens the switchboard export of every person's numbers; empty turns the export off."""
    value = config.get("SWITCHBOARD_API_TOKEN")
    weakness = secret_weakness(value) if value else None
    return [f"KUNDWEB_SWITCHBOARD_API_TOKEN is too weak: {weakness}"] if weakness else []


def _mail_credentials_problems(config):
    """An SMTP login must not cross the network in clear text."""
    has_credentials = config.get("MAIL_USERNAME") or config.get("MAIL_PASSWORD")
    if has_credentials and not (config.get("MAIL_USE_TLS") or config.get("MAIL_USE_SSL")):
        return ["SMTP credentials (KUNDWEB_MAIL_USERNAME, KUNDWEB_MAIL_PASSWORD) need TLS: "
                "set KUNDWEB_MAIL_USE_TLS (STARTTLS) or KUNDWEB_MAIL_USE_SSL (SMTPS)"]
    return []


def secret_weakness(value):
    """Why `value` is not a random secret of at least 32 bytes, in a few words; None if it looks like one.

    The reason never contains the value itself: it goes into the startup error and the logs.
    """
    if len(value) < MIN_SECRET_LENGTH:
        return f"shorter than {MIN_SECRET_LENGTH} characters"
    if value in (value + value)[1:-1]:
        return "it repeats a shorter part over and over"
    steps = [ord(b) - ord(a) for a, b in zip(value, value[1:])]
    for lag in range(1, 5):  # abcdef steps like the step before it, a1b2c3 like the one two before
        if sum(1 for a, b in zip(steps, steps[lag:]) if a == b) > len(steps) // 2:
            return "it is mostly a run of one character or a sequence (like aaaa, abcdef or a1b2c3)"
    counts = Counter(value).values()
    estimated_bits = -sum(count * math.log2(count / len(value)) for count in counts)
    if estimated_bits < MIN_SECRET_ENTROPY_BITS:
        return "too little randomness; use at least 32 random bytes (secrets.token_urlsafe(32))"
    return None


AUDIT_SEAL_KEY_MIN_BYTES = 32


def read_audit_seal_key(config):
    """The audit checkpoints' HMAC key as bytes, from AUDIT_SEAL_KEY or AUDIT_SEAL_KEY_FILE; None if neither.

    Raises OSError when the key file cannot be read.
    """
    if config.get("AUDIT_SEAL_KEY"):
        return config["AUDIT_SEAL_KEY"].encode("utf-8")
    if config.get("AUDIT_SEAL_KEY_FILE"):
        with open(config["AUDIT_SEAL_KEY_FILE"], "rb") as handle:
            return handle.read().strip() or None
    return None


def audit_seal_key_problems(config):
    """Production needs its own checkpoint key: a generated one could be read or replaced with the data."""
    try:
        key = read_audit_seal_key(config)
    except OSError as exc:
        return [f"KUNDWEB_AUDIT_SEAL_KEY_FILE cannot be read ({exc.strerror})"]
    if key is None:
        return ["KUNDWEB_AUDIT_SEAL_KEY or KUNDWEB_AUDIT_SEAL_KEY_FILE must be set (the audit checkpoints' key, "
                "kept outside the database)"]
    if len(key) < AUDIT_SEAL_KEY_MIN_BYTES:
        return [f"the audit seal key must be at least {AUDIT_SEAL_KEY_MIN_BYTES} bytes"]
    return []


def _base_url_problems(config):
    """Feeds and e-mail links are built from BASE_URL, and the trusted host defaults to its host."""
    base = urlsplit(config.get("BASE_URL") or "")
    if base.scheme != "https" or not base.hostname:
        return ["KUNDWEB_BASE_URL must be the https:// address staff reach Kundweb at"]
    return []


def production_trusted_hosts(config):
    """KUNDWEB_TRUSTED_HOSTS, or else only the host of BASE_URL."""
    return config.get("TRUSTED_HOSTS") or [urlsplit(config["BASE_URL"]).hostname]
