"""The switchboard file: every export audited (who or which token, how many rows), wrong tokens throttled per address."""
from datetime import timedelta

import pytest
from sqlalchemy import text

from kundweb.audit.models import AuditEvent
from kundweb.database import utcnow
from kundweb.directory import services
from kundweb.extensions import db
from tests.conftest import csrf_token
from tests.directory_helpers import add_person

TOKEN = "s3cret-switchboard-token-0123456789"
URL = "/api/v1/directory/switchboard.csv"


@pytest.fixture
def token_app(app):
    app.config["SWITCHBOARD_API_TOKEN"] = TOKEN
    with app.app_context():
        add_person("anna", "Anna Andersson", extension="3112")
        add_person("bertil", "Bertil Öberg", extension="3021")
    yield app
    app.config["SWITCHBOARD_API_TOKEN"] = ""


def _get(client, token, address="10.0.0.5"):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get(URL, headers=headers, environ_base={"REMOTE_ADDR": address})


def _exports(app):
    with app.app_context():
        return db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "directory.switchboard_exported")
                                  .order_by(AuditEvent.id)).all()


def test_a_token_export_is_audited_with_the_token_named_never_shown_and_the_row_count(token_app, client):
    assert _get(client, TOKEN).status_code == 200
    (event,) = _exports(token_app)
    assert (event.actor, event.remote_addr) == (services.SWITCHBOARD_TOKEN_ACTOR, "10.0.0.5")
    assert event.details == {"rows": 2, "via": "api-token"}
    with token_app.app_context():
        stored = " ".join(str(value) for row in db.session.execute(text("SELECT * FROM audit_event"))
                          for value in row)
    assert TOKEN not in stored and TOKEN[:12] not in stored


def test_an_admin_download_is_audited_with_who_and_the_row_count(token_app, login_as):
    admin = login_as("admin")
    response = admin.post("/admin/katalog/vaxel.csv", data={"csrf_token": csrf_token(admin, "/admin/katalog")})
    assert response.status_code == 200
    (event,) = _exports(token_app)
    assert event.actor == "david" and event.details == {"rows": 2, "via": "admin"}


def test_wrong_tokens_are_throttled_per_address_and_a_right_token_elsewhere_still_works(token_app, client):
    limit = token_app.config["SWITCHBOARD_TOKEN_MAX_FAILURES"]
    for number in range(limit):
        response = _get(client, f"guess-{number}")
        assert response.status_code == 401
    for token in ("guess-more", None, TOKEN):  # past the limit even the right token waits: a guess stays unconfirmed
        response = _get(client, token)
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0
        assert "För många" in response.json["error"]
        assert "Anna" not in response.get_data(as_text=True)
    assert _get(client, TOKEN, address="10.0.0.6").status_code == 200
    assert len(_exports(token_app)) == 1  # the refused requests exported nothing


def test_the_token_throttle_lifts_after_the_window(token_app, app_context):
    limit = token_app.config["SWITCHBOARD_TOKEN_MAX_FAILURES"]
    now = utcnow()
    for number in range(limit):
        with pytest.raises(services.TokenRefused):
            services.check_switchboard_token(f"guess-{number}", "10.0.0.5", now)
    with pytest.raises(services.TokenThrottled) as excinfo:
        services.check_switchboard_token(TOKEN, "10.0.0.5", now)
    window = timedelta(minutes=token_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    assert 0 < excinfo.value.retry_after_seconds <= window.total_seconds()
    services.check_switchboard_token(TOKEN, "10.0.0.5", now + window + timedelta(seconds=1))
