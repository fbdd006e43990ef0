"""The session cookie read with its verified values kept per process: nothing it remembers
lets a cookie in that Flask's own check would refuse, and no session outlives its end."""
import pytest
from flask import request, session

from kundweb.auth import cookies
from kundweb.auth.cookies import SessionCookies
from tests.conftest import csrf_token

FRAGMENT = {"HX-Request": "true", "HX-Target": "directory-results"}


def _cookie(app, client):
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def _client_with(app, value):
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return other


def test_the_app_reads_its_session_cookie_with_the_kept_values(app):
    assert isinstance(app.session_interface, SessionCookies)


def test_a_tampered_cookie_is_refused_after_the_genuine_one_was_verified(app, client, login_as):
    login_as("agent")
    value = _cookie(app, client)
    assert client.get("/katalog").status_code == 200  # verified and kept
    payload, timestamp, signature = value.rsplit(".", 2)
    tampered = f"{payload}.{timestamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert _client_with(app, tampered).get("/katalog").status_code == 302


def test_a_logged_out_cookie_is_refused_although_its_value_was_kept(app, client, login_as):
    login_as("agent")
    value = _cookie(app, client)
    assert client.get("/katalog?q=an", headers=FRAGMENT).status_code == 200
    client.post("/logout", data={"csrf_token": _csrf(client)})
    response = _client_with(app, value).get("/katalog?q=an", headers=FRAGMENT)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_kept_cookie_still_expires_at_the_session_lifetime(app, client, login_as, monkeypatch):
    login_as("agent")
    assert client.get("/katalog").status_code == 200
    lifetime = app.permanent_session_lifetime.total_seconds()
    real_time = cookies.time.time
    monkeypatch.setattr(cookies.time, "time", lambda: real_time() + lifetime + 60)
    assert client.get("/katalog").status_code == 302


def test_a_cookie_signed_with_a_dropped_key_is_refused(app, client, login_as):
    login_as("agent")
    assert client.get("/katalog").status_code == 200
    old_key = app.secret_key
    app.config["SECRET_KEY"] = app.secret_key = "another-secret-key-for-this-test-only-0123456789"
    try:
        assert client.get("/katalog").status_code == 302
    finally:
        app.config["SECRET_KEY"] = app.secret_key = old_key


def test_lists_in_the_session_are_never_shared_between_requests(app):
    interface = SessionCookies()
    with app.test_request_context("/"):
        session["_flashes"] = [("info", "Hej")]
        value = interface.get_signing_serializer(app).dumps(dict(session))
    with app.test_request_context("/", headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={value}"}):
        first = interface.open_session(app, request)
        first["_flashes"].append(("info", "Ändrad av en annan förfrågan"))
        second = interface.open_session(app, request)
    assert second["_flashes"] == [("info", "Hej")]


@pytest.mark.parametrize("value", ["", "not-a-cookie", "a.b.c"])
def test_garbage_gives_an_empty_session(app, value):
    with app.test_request_context("/", headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={value}"}):
        assert dict(SessionCookies().open_session(app, request)) == {}


def _csrf(client):
    return csrf_token(client, "/start/agent")
