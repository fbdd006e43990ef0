"""The production start check: TLS to the directory in every URL form, strong secrets, SMTP over TLS."""
import pytest

from kundweb import create_app, ldap_client
from kundweb.config import check_production_config

STRONG_SECRET = "Qm9vdGgtcmFuZG9tLWJ5dGVzLWZyb20tc2VjcmV0cy10b2tlbg"


def production_config(**overrides):
    """Settings production accepts; each test weakens one."""
    config = {"SECRET_KEY": STRONG_SECRET, "AUDIT_SEAL_KEY": STRONG_SECRET[::-1], "DEBUG": False,
              "BASE_URL": "https://kundweb.lulea.se",
              "LDAP_TLS_VALIDATE": True, "LDAP_URL": "ldaps://dc.example:636", "LDAP_START_TLS": False}
    config.update(overrides)
    return config


@pytest.mark.parametrize("url", [
    "dc.lulea.se", "dc:389", "dc.lulea.se:636", "127.0.0.1", "[::1]:389",
    "ldap://dc.lulea.se", "LDAP://dc.lulea.se", "Ldap://dc.lulea.se:389", "lDaP://dc:636",
    " ldap://dc.lulea.se ",
])
def test_plain_ldap_in_any_spelling_is_refused_without_starttls(url):
    with pytest.raises(RuntimeError, match="ldaps:// or with StartTLS"):
        check_production_config(production_config(LDAP_URL=url))


@pytest.mark.parametrize("url", ["dc.lulea.se", "dc:389", "LDAP://dc.lulea.se", "Ldap://dc:389", "ldap://dc"])
def test_plain_ldap_with_starttls_is_accepted(url):
    check_production_config(production_config(LDAP_URL=url, LDAP_START_TLS=True))


@pytest.mark.parametrize("url", ["ldaps://dc.lulea.se", "LDAPS://dc.lulea.se:636", "LdApS://dc:3269",
                                 "ldaps://[::1]:636", "ldaps://dc.lulea.se/"])
def test_ldaps_in_any_spelling_is_accepted(url):
    check_production_config(production_config(LDAP_URL=url))


@pytest.mark.parametrize("url", [
    "ldapi://%2Fvar%2Frun%2Fslapd", "cldap://dc", "http://dc.lulea.se", "ftp://dc", "ldaps:/dc", "ldaps://",
    "ldaps://dc:notaport", "ldaps://dc:70000", "ldaps://svc:hemligt@dc", "ldaps://dc/CN=Users?cn",
    "ldaps://dc lulea", "ldaps://dc\n.evil", "://dc",
])
def test_anything_but_ldap_or_ldaps_is_refused_and_the_value_is_not_echoed(url):
    with pytest.raises(RuntimeError, match="KUNDWEB_LDAP_URL") as refused:
        check_production_config(production_config(LDAP_URL=url, LDAP_START_TLS=True))
    assert "hemligt" not in str(refused.value)


@pytest.mark.parametrize("url, host, port, use_ssl", [
    ("dc.lulea.se", "dc.lulea.se", 389, False),
    ("dc:389", "dc", 389, False),
    ("LDAP://dc:1389", "dc", 1389, False),
    ("LDAPS://DC.lulea.se", "dc.lulea.se", 636, True),
    ("Ldaps://dc:3269/", "dc", 3269, True),
    ("ldaps://[::1]", "::1", 636, True),
])
def test_the_connection_uses_the_address_the_check_approved(url, host, port, use_ssl):
    """What the check reads is what ldap3 is given: the same host, port and LDAPS or not."""
    address = ldap_client.parse_directory_url(url)
    assert (address.host, address.port, address.use_ssl) == (host, port, use_ssl)
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://", "LDAP_URL": url,
                      "LDAP_BASE_DN": "DC=lulea,DC=se"})
    server = ldap_client.get_directory(app).server
    assert (server.host, server.port, server.ssl) == (host, port, use_ssl)


WEAK_SECRETS = [
    ("x", "shorter than 32"),
    ("a-long-random-value", "shorter than 32"),
    ("x" * 64, "repeats"),
    ("ab" * 32, "repeats"),
    ("0123456789abcdef" * 4, "repeats"),
    ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "sequence"),
    ("9f86d081884c7d659a2feaa0c55ad015", "too little randomness"),  # 16 random bytes in hex
    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "run of one character"),
    ("a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0", "sequence"),
]
STRONG_SECRETS = [
    "Qm9vdGgtcmFuZG9tLWJ5dGVzLWZyb20tc2VjcmV0cy10b2tlbg",
    "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",  # 32 bytes in hex
    "J8nQ3y4mVd0Zk1sTq9Lr2XwPb5Hc7Ga6Ue-Of_Ni8Yk",  # 32 bytes, token_urlsafe
]


@pytest.mark.parametrize("setting, name", [("SECRET_KEY", "KUNDWEB_SECRET_KEY"),
                                           ("SWITCHBOARD_API_TOKEN", "KUNDWEB_SWITCHBOARD_API_TOKEN")])
@pytest.mark.parametrize("value, why", WEAK_SECRETS)
def test_weak_secrets_are_refused_naming_the_setting_and_why_never_the_value(setting, name, value, why):
    with pytest.raises(RuntimeError) as refused:
        check_production_config(production_config(**{setting: value}))
    message = str(refused.value)
    assert name in message and why in message
    assert value not in message


@pytest.mark.parametrize("value", STRONG_SECRETS)
def test_random_secrets_of_32_bytes_are_accepted(value):
    check_production_config(production_config(SECRET_KEY=value, SWITCHBOARD_API_TOKEN=value))


def test_freshly_generated_secrets_always_pass():
    import secrets

    for _ in range(2000):
        for value in (secrets.token_urlsafe(32), secrets.token_hex(32)):
            check_production_config(production_config(SECRET_KEY=value, SWITCHBOARD_API_TOKEN=value))


def test_an_empty_switchboard_token_is_allowed_it_turns_the_export_off():
    check_production_config(production_config(SWITCHBOARD_API_TOKEN=""))


@pytest.mark.parametrize("mail", [
    {"MAIL_USERNAME": "kundweb", "MAIL_PASSWORD": "hemligt-smtp"},
    {"MAIL_USERNAME": "", "MAIL_PASSWORD": "hemligt-smtp"},
    {"MAIL_USERNAME": "kundweb", "MAIL_PASSWORD": "hemligt-smtp", "MAIL_USE_TLS": False, "MAIL_USE_SSL": False},
])
def test_smtp_credentials_without_tls_are_refused(mail):
    with pytest.raises(RuntimeError, match="KUNDWEB_MAIL_USE_TLS") as refused:
        check_production_config(production_config(**mail))
    assert "hemligt-smtp" not in str(refused.value)


@pytest.mark.parametrize("mail", [
    {"MAIL_USERNAME": "kundweb", "MAIL_PASSWORD": "hemligt-smtp", "MAIL_USE_TLS": True},
    {"MAIL_USERNAME": "kundweb", "MAIL_PASSWORD": "hemligt-smtp", "MAIL_USE_SSL": True},
    {"MAIL_USERNAME": None, "MAIL_PASSWORD": None},  # a relay that takes mail from this host without a login
])
def test_smtp_credentials_over_starttls_or_smtps_or_no_credentials_are_accepted(mail):
    check_production_config(production_config(**mail))


def test_a_weak_production_app_does_not_start(monkeypatch):
    monkeypatch.setenv("KUNDWEB_ENV", "production")
    with pytest.raises(RuntimeError, match="KUNDWEB_SECRET_KEY"):
        create_app({"SECRET_KEY": "x" * 40, "LDAP_TLS_VALIDATE": True, "LDAP_URL": "ldaps://dc.example:636",
                    "SQLALCHEMY_DATABASE_URI": "sqlite://", "ENV_NAME": "production"})
