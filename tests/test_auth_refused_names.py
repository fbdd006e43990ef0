"""Refused login names: throttled per address before anything is written, never kept as typed unless an account."""
import logging

import pytest
from sqlalchemy import text

from kundweb.audit.models import AuditEvent
from kundweb.auth import services
from kundweb.extensions import db
from tests.conftest import csrf_token, post_login
from tests.directory_helpers import add_person

PASSWORD_AS_NAME = "Sommar2026"  # well-formed: it reaches the directory, which knows no such account
MALFORMED_PASSWORD_AS_NAME = "Sommar2026!#"


def _everything_stored(app):
    """Every value in the audit log and the failed-login table, as one lower-case text."""
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM audit_event")).all()
        rows += db.session.execute(text("SELECT * FROM login_failure")).all()
        return " ".join(str(value) for row in rows for value in row).lower()


def _refused_names(app):
    with app.app_context():
        return db.session.scalars(db.select(AuditEvent.object_id)
                                  .where(AuditEvent.action == "auth.login_failed").order_by(AuditEvent.id)).all()


@pytest.mark.parametrize("typed", [PASSWORD_AS_NAME, MALFORMED_PASSWORD_AS_NAME, f"KUNDWEB\\{PASSWORD_AS_NAME}"])
def test_a_password_typed_as_the_name_is_kept_neither_in_the_audit_log_nor_the_app_log(app, client, caplog, typed):
    caplog.set_level(logging.DEBUG)
    response = post_login(client, typed, "whatever")
    assert response.status_code == 401
    assert PASSWORD_AS_NAME.lower() not in _everything_stored(app)
    assert PASSWORD_AS_NAME.lower() not in caplog.text.lower()
    (shown,) = _refused_names(app)
    assert shown.startswith("okänt:") and len(shown) == len("okänt:") + services.UNKNOWN_NAME_HASH_CHARS


def test_the_same_unknown_name_gets_the_same_label_and_another_name_another(app, client):
    for typed in (PASSWORD_AS_NAME, PASSWORD_AS_NAME.lower(), "Vinter2027"):
        post_login(client, typed, "whatever")
    first, again, other = _refused_names(app)
    assert first == again != other


def test_a_name_known_to_kundweb_is_recorded_as_typed(app, client, caplog):
    with app.app_context():
        add_person("bertil", "Bertil Öberg")
    assert post_login(client, "KUNDWEB\\bertil", "fel").status_code == 401
    assert _refused_names(app) == ["bertil"]
    assert "login refused for 'bertil'" in caplog.text


def test_someone_who_has_logged_in_before_is_recorded_as_typed(app, client):
    assert post_login(client, "anna", "demo-anna").status_code == 302
    other = app.test_client()
    assert post_login(other, "anna", "fel").status_code == 401
    assert _refused_names(app) == ["anna"]


def test_malformed_names_are_throttled_per_address_before_anything_is_written(app, client):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    token = csrf_token(client)
    statuses = [client.post("/login", data={"username": f"*)(uid={n}", "password": "x",
                                            "csrf_token": token}).status_code for n in range(100)]
    assert statuses[:limit] == [401] * limit
    assert set(statuses[limit:]) == {429}
    assert len(_refused_names(app)) == limit
    response = client.post("/login", data={"username": "*", "password": "x", "csrf_token": token})
    assert "För många misslyckade inloggningsförsök" in response.get_data(as_text=True)
    # Another address is not held back by this one's flood.
    other = app.test_client()
    assert post_login(other, "anna", "demo-anna", environ_base={"REMOTE_ADDR": "10.7.7.7"}).status_code == 302


def test_malformed_names_and_wrong_passwords_share_the_address_limit(app, app_context):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]

    class RefusingDirectory:
        def authenticate(self, username, password, upn=None):
            raise services.ldap_client.AuthenticationFailed("52e")

    for number in range(limit):
        name = f"user{number}" if number % 2 else f"bad name {number}"
        with pytest.raises(services.InvalidLogin):
            services.log_in(name, "wrong", "10.2.2.2", RefusingDirectory())
    with pytest.raises(services.LoginThrottled):
        services.log_in("*", "wrong", "10.2.2.2", RefusingDirectory())
    with pytest.raises(services.LoginThrottled):
        services.log_in("anna", "wrong", "10.2.2.2", RefusingDirectory())
