"""The production start check: TLS to the directory in every URL form, strong secrets, SMTP over TLS."""
import pytest

from kundweb import create_app, ldap_client
from kundweb.config import check_production_config

STRONG_SECRET = "Qm9vdGgtcmFuZG9tLWJ5dGVzLWZyb20tc2VjcmV0cy10b2tlbg"


def production_config(**overrides):
    """Settings production accepts; each test weakens one."""
    config = {"SECRET_KEY": STRONG_SECRET, "DEBUG": False, "LDAP_TLS_VALIDATE": True,
              "LDAP_URL": "ldaps://dc.example:636", "LDAP_START_TLS": False}
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
