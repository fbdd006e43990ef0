"""Configuration classes; values come from environment variables and instance/config.py."""
import json
import os

DEFAULT_SECRET_KEY = "dev-only-not-secret"


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_json(name, default):
    value = os.environ.get(name)
    return json.loads(value) if value else default


class Config:
    """Settings shared by every environment; each can be overridden by KUNDWEB_<NAME>."""

    SECRET_KEY = os.environ.get("KUNDWEB_SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("KUNDWEB_DATABASE_URL")  # None: SQLite in instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

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
    # Where people reach Kundweb, for links in e-mail (e.g. https://kundweb.lulea.se); optional.
    BASE_URL = os.environ.get("KUNDWEB_BASE_URL", "")

    ROLE_RECHECK_SECONDS = int(os.environ.get("KUNDWEB_ROLE_RECHECK_SECONDS", "900"))
    SESSION_IDLE_HOURS = int(os.environ.get("KUNDWEB_SESSION_IDLE_HOURS", "10"))
    # Below AD's usual lockout threshold (often 10), so the app never locks people out.
    LOGIN_MAX_FAILURES_PER_USER = int(os.environ.get("KUNDWEB_LOGIN_MAX_FAILURES_PER_USER", "5"))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("KUNDWEB_LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("KUNDWEB_LOGIN_FAILURE_WINDOW_MINUTES", "15"))

    MAIL_SERVER = os.environ.get("KUNDWEB_MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("KUNDWEB_MAIL_PORT", "25"))
    MAIL_FROM = os.environ.get("KUNDWEB_MAIL_FROM", "kundweb@kundweb.demo")
    MAIL_USE_TLS = _env_bool("KUNDWEB_MAIL_USE_TLS", False)
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

    # How long the browser waits for an htmx request before telling the person it did not get
    # through (and offering a retry). Below SQLite's 10 s busy timeout: a locked database is
    # named before the agent has moved on.
    HTMX_TIMEOUT_SECONDS = float(os.environ.get("KUNDWEB_HTMX_TIMEOUT_SECONDS", "8"))
    # How often open pages ask whether the crisis banner changed.
    CRISIS_POLL_SECONDS = int(os.environ.get("KUNDWEB_CRISIS_POLL_SECONDS", "20"))
    # How old the published messages' times and texts may be in one web process; an edit
    # made in another process shows this much later. Starts and ends are always on time.
    CRISIS_SCHEDULE_CACHE_SECONDS = float(os.environ.get("KUNDWEB_CRISIS_SCHEDULE_CACHE_SECONDS", "2"))
    # How often the scheduler looks for messages that have started, to notify subscribers.
    CRISIS_NOTIFY_SECONDS = int(os.environ.get("KUNDWEB_CRISIS_NOTIFY_SECONDS", "30"))
    # How often the scheduler puts companies' approved opt-outs and re-entries into effect on their date.
    COMPANY_ROUTING_SECONDS = int(os.environ.get("KUNDWEB_COMPANY_ROUTING_SECONDS", "300"))
    # Case attachments: where they are kept (default instance/company-attachments) and how large one may be.
    COMPANY_ATTACHMENT_DIR = os.environ.get("KUNDWEB_COMPANY_ATTACHMENT_DIR")
    COMPANY_ATTACHMENT_MAX_BYTES = int(os.environ.get("KUNDWEB_COMPANY_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
    # How old the list of companies the directory search matches may be in one web process.
    COMPANY_SEARCH_CACHE_SECONDS = float(os.environ.get("KUNDWEB_COMPANY_SEARCH_CACHE_SECONDS", "5"))
    # Enquiries: notes are purged after this many days (the counts stay); the last one can be undone this long.
    ENQUIRY_NOTE_RETENTION_DAYS = int(os.environ.get("KUNDWEB_ENQUIRY_NOTE_RETENTION_DAYS", "30"))
    ENQUIRY_UNDO_SECONDS = int(os.environ.get("KUNDWEB_ENQUIRY_UNDO_SECONDS", "120"))
    # How old the form's category and target lists may be in one web process (an admin's change elsewhere).
    ENQUIRY_CHOICES_CACHE_SECONDS = float(os.environ.get("KUNDWEB_ENQUIRY_CHOICES_CACHE_SECONDS", "5"))
    # Service goals: the largest telephony or survey file an admin may import.
    GOALS_IMPORT_MAX_BYTES = int(os.environ.get("KUNDWEB_GOALS_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))

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
    LOGIN_MAX_FAILURES_PER_USER = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20


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
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        problems.append("KUNDWEB_SECRET_KEY must be set to a random value")
    if config.get("DEBUG"):
        problems.append("DEBUG must be off")
    if not config.get("LDAP_TLS_VALIDATE"):
        problems.append("LDAP TLS certificate validation must be on")
    if not config.get("LDAP_URL"):
        problems.append("KUNDWEB_LDAP_URL must be set (the demo directory is for demos only)")
    if config.get("LDAP_URL", "").startswith("ldap://") and not config.get("LDAP_START_TLS"):
        problems.append("the directory must be reached over ldaps:// or with StartTLS")
    if problems:
        raise RuntimeError("Refusing to start in production: " + "; ".join(problems))
