"""Behind a reverse proxy: the client's address comes from X-Forwarded-For only across the trusted hops."""
import pytest

from kundweb import create_app
from kundweb.auth.models import LoginFailure
from kundweb.extensions import db
from tests.conftest import post_login


def _app(app, hops):
    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "TRUSTED_PROXIES": hops, "LOGIN_MAX_FAILURES_PER_ADDRESS": 3})


def _fail_login(client, forwarded_for, username="anna"):
    return post_login(client, username, "wrong-password", headers={"X-Forwarded-For": forwarded_for},
                      environ_base={"REMOTE_ADDR": "10.1.1.1"})  # the proxy's own address


def _recorded_addresses(app):
    with app.app_context():
        return sorted({row.remote_addr for row in db.session.execute(db.select(LoginFailure)).scalars()})


def test_behind_one_trusted_proxy_the_throttle_sees_each_client(app):
    proxied = _app(app, 1)
    client = proxied.test_client()
    users = ["anna", "bertil", "cecilia"]
    for username in users:
        assert _fail_login(client, "192.0.2.10", username).status_code == 401
    assert _fail_login(client, "192.0.2.10", "david").status_code == 429
    # A colleague behind the same proxy (the same NAT or Citrix address) is not locked out with them.
    assert _fail_login(client, "192.0.2.11", "david").status_code == 401
    assert _recorded_addresses(proxied) == ["192.0.2.10", "192.0.2.11"]


def test_a_client_cannot_choose_its_address_by_sending_x_forwarded_for_itself(app):
    proxied = _app(app, 1)
    client = proxied.test_client()
    # The proxy appends the address it saw; only that last one is trusted.
    for n, username in enumerate(["anna", "bertil", "cecilia"]):
        _fail_login(client, f"203.0.113.{n}, 192.0.2.10", username)
    assert _fail_login(client, "203.0.113.99, 192.0.2.10", "david").status_code == 429
    assert _recorded_addresses(proxied) == ["192.0.2.10"]


def test_without_trusted_proxies_x_forwarded_for_is_ignored(app):
    direct = _app(app, 0)
    client = direct.test_client()
    for n, username in enumerate(["anna", "bertil", "cecilia"]):
        _fail_login(client, f"203.0.113.{n}", username)
    assert _fail_login(client, "203.0.113.99", "david").status_code == 429
    assert _recorded_addresses(direct) == ["10.1.1.1"]


@pytest.mark.parametrize("hops", [1, 2])
def test_trusted_hops_also_give_the_scheme_and_host_the_client_used(app, hops):
    proxied = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "TRUSTED_PROXIES": hops, "TRUSTED_HOSTS": ["kundweb.lulea.se"]})
    client = proxied.test_client()
    forwarded = ", ".join(["kundweb.lulea.se"] * hops)
    response = client.get("/login?next=/x", headers={"X-Forwarded-Proto": ", ".join(["https"] * hops),
                                                      "X-Forwarded-Host": forwarded,
                                                      "X-Forwarded-For": ", ".join(["192.0.2.10"] * hops)})
    assert response.status_code == 200
    refused = client.get("/login", headers={"X-Forwarded-Host": ", ".join(["evil.example"] * hops),
                                            "X-Forwarded-Proto": ", ".join(["https"] * hops),
                                            "X-Forwarded-For": ", ".join(["192.0.2.10"] * hops)})
    assert refused.status_code == 400
